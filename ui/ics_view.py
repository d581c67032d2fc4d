"""The ICS page's Streamlit glue: the shipped result at once, and a live rerun on request.

- **Shipped**: ``bnviz/data/ics.npz`` (made by ``python -m bnviz.ics --ship``) is read once per
  process with numpy alone; every visitor sees the three experiments without a training step or a
  torch import.
- **Live**: "Run it live" starts a :class:`bnviz.ics.job.ICSJob` in a background thread, registered
  in the server-wide :class:`bnviz.train.sessions.SessionRegistry` under its own key: it takes one of
  the ``max_training`` slots (or is refused with a message when none is free), is paused when its
  tab stops polling and stopped when the tab closes. An ``st.fragment`` polls it twice a second and
  streams the growing figures through the chart bridge (updated in place, no flicker).
- **Words** come from :mod:`bnviz.ics.captions`, computed from whichever result is shown.
"""

from __future__ import annotations

import streamlit as st

from bnviz.figure1.progress import clock
from bnviz.ics.captions import captions
from bnviz.ics.plots import figures
from bnviz.ics.result import RESULT_PATH, ICSResult
from ui.chart_bridge import live_chart
from ui.session_runs import registry, run_key
from ui.text import plain

REFRESH_S = 0.5  # 2 Hz while a live run trains
LIVE_STEPS = [500, 1_000, 2_000, 5_000, 10_000]  # bounded: at most the shipped run's length
DEFAULT_LIVE_STEPS = 2_000  # under a minute on a quiet 2-core server, past BN's first rise
# Half the shipped run's measurements: at the short runs' cadence they would cost more than training.
LIVE_MEASUREMENTS = 100
# Widget keys (public: tests find the widgets by them) and the one-off notice in session state.
STEPS_KEY, RUN_KEY, STOP_KEY, NOTICE = "ics_steps", "ics_run", "ics_stop", "ics_notice"

HEADINGS = {
    "shift": "1 · Shift the distributions on purpose: noisy BN",
    "gradient_change": "2 · Internal covariate shift, measured as gradient change",
    "smoothness": "3 · The loss landscape along the gradient",
}


@st.cache_resource(show_spinner=False)
def shipped_result() -> ICSResult | None:
    """The precomputed run (None if the file is missing or unreadable: the page then says so)."""
    try:
        return ICSResult.load(RESULT_PATH)
    except (OSError, ValueError):
        return None


def render_figures(result: ICSResult, live: bool = False) -> None:
    """The three experiments, each a heading, its figure and its caption; ``live`` streams the
    figures in place through the chart bridge."""
    figs, notes = figures(result), captions(result)
    for key, fig in figs.items():
        if live:
            st.markdown(f"**{HEADINGS[key]}**")
            live_chart(fig, key=f"ics_live_{key}")
        else:
            st.subheader(HEADINGS[key], divider="gray")
            # theme=None: the figure's own look, the same as the live figures below.
            st.plotly_chart(fig, key=f"ics_{key}", theme=None, config={"displaylogo": False})
        st.caption(notes[key])


def provenance_text(result: ICSResult) -> str:
    meta = result.meta
    parts = [
        f"`{meta['command']}`" if "command" in meta else None,
        f"on {meta['date']}" if "date" in meta else None,
        f"commit {meta['git_commit']}" if "git_commit" in meta else None,
        f"{meta['machine']}" if "machine" in meta else None,
        f"{meta['wall_seconds']:.0f} s wall" if "wall_seconds" in meta else None,
        f"torch {meta['torch']}" if "torch" in meta else None,
    ]
    return "Made with " + " · ".join(p for p in parts if p) + "."


# -- the live rerun ------------------------------------------------------------------------------------


def _key() -> str:
    return run_key("ics")  # its own registry entry, next to the session's other runs


def current_job():
    """This session's live job (finished or not), or None."""
    entry = registry().get(_key())
    return entry.runner if entry is not None and entry.released_at is None else None


def start_live(steps: int) -> None:
    """Button callback: start a fresh live run of ``steps``, if a training slot is free."""
    # Imported here, not at the top: torch loads only when someone asks for training.
    from bnviz.ics.job import MIN_MEASURE_EVERY, ICSJob
    from bnviz.train.experiment import configure_torch_threads

    configure_torch_threads(1)  # process-wide, as the other pages set it: one thread per network
    reg, key = registry(), _key()
    job = ICSJob(steps, measure_every=max(MIN_MEASURE_EVERY, steps // LIVE_MEASUREMENTS))
    # get_or_create also revives an entry released by a websocket blip, so the sweep spares it.
    if reg.get_or_create(key, lambda: job).runner is not job:
        reg.replace_runner(key, job)  # stops the previous live run of this session
    if not reg.play(key):
        reg.pause(key)  # refused: do not wait for a slot behind the lecturer's back
        st.session_state[NOTICE] = (
            f"All {reg.max_training} training slots on this server are in use right now. The "
            "shipped result above is a full run; try the live run again in a minute."
        )


def stop_live() -> None:
    entry = registry().get(_key())
    if entry is not None:
        registry().pause(_key())
        entry.runner.stop()


def render_live() -> None:
    """The live run's progress and figures; refreshes itself while the run trains."""
    job = current_job()
    running = job is not None and job.is_running
    st.fragment(run_every=REFRESH_S if running else None)(_live_body)()


def _live_body() -> None:
    reg = registry()
    entry = reg.touch(_key())
    if entry is None:
        return
    job = entry.runner
    if job.error is not None:
        st.error(f"The live run failed: {plain(job.error)}")
        return
    done, total = job.steps_done, job.steps
    eta = job.eta_seconds
    eta_text = "" if eta is None or job.finished else f" · ETA {clock(eta)}"
    state = "finished" if job.finished else "training" if job.is_running else "stopped"
    st.progress(
        done / total,
        text=f"Step {done:,} of {total:,} · {state} · {job.steps_per_second:,.0f} steps/s "
        f"(measuring included){eta_text}",
    )
    result = job.result()
    if result is not None and len(result.steps) and len(result.measure_steps):
        render_figures(result, live=True)
        if job.finished:
            st.success(f"Done after {done:,} steps: the captions above describe this run.")
    if entry.training and (job.finished or not job.is_running):
        reg.pause(_key())  # give the slot back
        st.rerun(scope="app")  # redraw the page without the timer
