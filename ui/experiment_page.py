"""What the pages of a shipped experiment share: the "Run it live" controls and the live rerun.

The Figure 1 page and the "Does BN reduce ICS?" page each show a precomputed result at once and can
rerun it on the server. A rerun is a :class:`bnviz.train.job.Job` registered in the server-wide
:class:`bnviz.train.sessions.SessionRegistry` under the session's key for that page (``name``): it
takes one of the ``max_training`` slots or is refused with a message, is paused when its tab stops
polling and stopped when the tab closes. An ``st.fragment`` polls it twice a second; the page's
``draw(job)`` streams the growing figures through the chart bridge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from bnviz.figure1.progress import clock
from bnviz.i18n import N_
from ui import i18n
from ui.i18n import _
from ui.session_runs import registry, run_key
from ui.text import plain

REFRESH_S = 0.5  # 2 Hz while a live run trains


class Keys:
    """Widget keys of one page's live section (public: tests find the widgets by them)."""

    def __init__(self, prefix: str):
        self.steps, self.run, self.stop = f"{prefix}_steps", f"{prefix}_run", f"{prefix}_stop"
        self.notice = f"{prefix}_notice"  # the one-off refusal message, in session state


def current_job(name: str) -> Any:
    """This session's live job called ``name`` (finished or not), or None."""
    entry = registry().get(run_key(name))
    return entry.runner if entry is not None and entry.released_at is None else None


def start_job(name: str, make_job: Callable[[], Any], notice_key: str, shipped: str) -> None:
    """Button callback: a fresh job from ``make_job()``, if a training slot is free; else a message
    saying so (``shipped``, a msgid, names what the page already shows instead)."""
    reg, key = registry(), run_key(name)
    job = make_job()
    # get_or_create also revives an entry released by a websocket blip, so the sweep spares it.
    if reg.get_or_create(key, lambda: job).runner is not job:
        reg.replace_runner(key, job)  # stops the previous live run of this session
    if not reg.play(key):
        reg.pause(key)  # refused: do not wait for a slot behind the lecturer's back
        st.session_state[notice_key] = _(
            "All {slots} training slots on this server are in use right now. {shipped} Try the "
            "live run again in a minute."
        ).format(slots=reg.max_training, shipped=_(shipped))


def stop_job(name: str) -> None:
    entry = registry().get(run_key(name))
    if entry is not None:
        registry().pause(run_key(name))
        entry.runner.stop()


def controls(
    name: str,
    keys: Keys,
    steps: Sequence[int],
    default: int,
    start: Callable[[int], None],
    label: str = N_("Training steps"),
) -> None:
    """The slider (``label``, a msgid, over ``steps``), "Run it live" and "Stop", then a refusal
    message if there is one."""
    job = current_job(name)
    busy = job is not None and job.is_running
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    chosen = left.select_slider(
        _(label),
        options=list(steps),
        value=default,
        format_func=lambda n: f"{n:,}",
        key=keys.steps,
        disabled=busy,
    )
    middle.button(
        _("Run it live"),
        key=keys.run,
        icon=":material/play_arrow:",
        type="primary",
        on_click=start,
        args=(chosen,),
        disabled=busy,
        width="stretch",
    )
    right.button(
        _("Stop"),
        key=keys.stop,
        icon=":material/stop:",
        on_click=stop_job,
        args=(name,),
        disabled=not busy,
        width="stretch",
    )
    notice = st.session_state.pop(keys.notice, None)
    if notice:
        st.warning(plain(notice))


def render_live(name: str, draw: Callable[[Any], None], rate_note: str = "") -> None:
    """The live job's progress bar and ``draw(job)``; refreshes itself while the job trains and
    gives its slot back once it is done. ``rate_note`` (a msgid) follows the steps/s."""
    job = current_job(name)
    running = job is not None and job.is_running
    st.fragment(run_every=REFRESH_S if running else None)(_live_body)(
        name, draw, rate_note, running
    )


def _live_body(name: str, draw: Callable[[Any], None], rate_note: str, was_running: bool) -> None:
    """``was_running``: the job ran when the page (its buttons) was drawn."""
    reg, key = registry(), run_key(name)
    entry = reg.touch(key)
    if entry is None:
        return
    job = entry.runner
    if job.error is not None:
        st.error(_("The live run failed: {error}").format(error=plain(i18n.error(job.error))))
        if was_running:
            st.rerun(scope="app")  # redraw the page once: buttons enabled again, no timer
        return
    done, total, eta = job.steps_done, job.steps, job.eta_seconds
    eta_text = "" if eta is None or job.finished else " · " + _("ETA {eta}").format(eta=clock(eta))
    state = _("finished") if job.finished else _("training") if job.is_running else _("stopped")
    line = _("Step {done:,} of {total:,} · {state} · {rate:,.0f} steps/s").format(
        done=done, total=total, state=state, rate=job.steps_per_second
    )
    st.progress(done / total, text=f"{line}{_(rate_note) if rate_note else ''}{eta_text}")
    draw(job)
    if not job.is_running:  # finished, stopped or failed
        if entry.training:
            reg.pause(key)  # give the slot back (unless the registry's sweep already took it)
        if was_running:  # ...since the page was drawn: redraw it, buttons enabled, no timer
            st.rerun(scope="app")


def provenance_text(meta: Mapping[str, Any]) -> str:
    """How a shipped result was made, in one line, from its ``meta``."""
    parts = [
        f"`{meta['command']}`" if "command" in meta else None,
        _("on {date}").format(date=meta["date"]) if "date" in meta else None,
        _("commit {commit}").format(commit=meta["git_commit"]) if "git_commit" in meta else None,
        f"{meta['machine']}" if "machine" in meta else None,
        _("{seconds:.0f} s wall").format(seconds=meta["wall_seconds"])
        if "wall_seconds" in meta
        else None,
        f"torch {meta['torch']}" if "torch" in meta else None,
    ]
    return _("Made with {parts}.").format(parts=" · ".join(p for p in parts if p))
