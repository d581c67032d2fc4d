"""The Figure 1 page's Streamlit glue: the shipped result at once, and a live rerun on request.

- **Shipped**: ``bnviz/data/figure1.npz`` (the full 50,000-step run of 3 seeds, made by
  ``python -m bnviz.figure1 --seeds 3 --ship``) is read once per process with numpy alone; every
  visitor sees the three panels without a single training step or a torch import.
- **Live**: "Run it live" starts a :class:`bnviz.figure1.Figure1Job` in a background thread. It is
  registered in the server-wide :class:`bnviz.train.sessions.SessionRegistry` under its own key, so it
  takes one of the ``max_training`` slots (or is refused with a message when none is free), is paused
  when its tab stops polling, and is stopped when the tab closes. An ``st.fragment`` polls it twice a
  second and streams the growing panels through the chart bridge (updated in place, no flicker).
- **Captions** come from ``bnviz.figure1.captions``, computed from whichever result is shown; the
  "at test time" toggle (``INFERENCE_KEY``) adds the bn twin's inference view to panel (c) of both.
"""

from __future__ import annotations

import streamlit as st

from bnviz.figure1.captions import captions
from bnviz.figure1.plots import panels
from bnviz.figure1.progress import clock
from bnviz.figure1.result import RESULT_PATH, Figure1Result
from bnviz.style import VARIANT_LABELS
from ui.chart_bridge import live_chart
from ui.session_runs import registry, run_key

REFRESH_S = 0.5  # 2 Hz while a live run trains
LIVE_STEPS = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000]  # bounded: at most the paper's
DEFAULT_LIVE_STEPS = 5_000  # about half a minute on a quiet 2-core server
# A live run evaluates on 2,000 held-out digits, not all 9,760: at a short run's record cadence
# (100 records) the full evaluation adds about half (5,000 steps) to all (500 steps) of the training
# time again. Its captions quote the noise of 2,000 digits.
LIVE_EVAL_SIZE = 2_000
# Widget keys (public: tests find the widgets by them) and the one-off notice in session state.
STEPS_KEY, RUN_KEY, STOP_KEY, NOTICE = "f1_steps", "f1_run", "f1_stop", "f1_notice"
INFERENCE_KEY = "f1_inference"  # show panel (c) at test time too


@st.cache_resource(show_spinner=False)
def shipped_result() -> Figure1Result | None:
    """The precomputed full run (None if the file is missing or of an older format: the page then
    says so)."""
    try:
        return Figure1Result.load(RESULT_PATH)
    except (OSError, ValueError):
        return None


def inference_shown() -> bool:
    return bool(st.session_state.get(INFERENCE_KEY, False))


def render_panels(result: Figure1Result, live: bool = False) -> None:
    """The three panels side by side with their captions; ``live`` streams them in place."""
    inference = inference_shown()
    figs, notes = panels(result, inference=inference), captions(result, inference=inference)
    for column, (key, fig) in zip(st.columns(3), figs.items(), strict=True):
        with column:
            if live:
                live_chart(fig, key=f"f1_live_{key}")
            else:
                # theme=None: the figure's own look, the same as the live panels below.
                st.plotly_chart(fig, key=f"f1_{key}", theme=None, config={"displaylogo": False})
            st.caption(notes[key])


def provenance_text(result: Figure1Result) -> str:
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
    return run_key("figure1")  # its own registry entry, next to the session's live lab


def current_job():
    """This session's live job (finished or not), or None."""
    entry = registry().get(_key())
    return entry.runner if entry is not None and entry.released_at is None else None


def start_live(steps: int) -> None:
    """Button callback: start a fresh live run of ``steps``, if a training slot is free."""
    # Imported here, not at the top: torch loads only when someone asks for training.
    from bnviz.figure1.job import Figure1Job
    from bnviz.train.experiment import configure_torch_threads

    configure_torch_threads(1)  # process-wide, as the live lab sets it: one thread per twin
    reg, key = registry(), _key()
    job = Figure1Job(steps, eval_size=LIVE_EVAL_SIZE)
    # get_or_create also revives an entry released by a websocket blip, so the sweep spares it.
    if reg.get_or_create(key, lambda: job).runner is not job:
        reg.replace_runner(key, job)  # stops the previous live run of this session
    if not reg.play(key):
        reg.pause(key)  # refused: do not wait for a slot behind the lecturer's back
        st.session_state[NOTICE] = (
            f"All {reg.max_training} training slots on this server are in use right now. The "
            "shipped figure above is the full run; try the live run again in a minute."
        )


def stop_live() -> None:
    entry = registry().get(_key())
    if entry is not None:
        registry().pause(_key())
        entry.runner.stop()


def render_live() -> None:
    """The live run's progress and panels; refreshes itself while the run trains."""
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
        st.error(f"The live run failed: {job.error}")
        return
    done, total = job.steps_done, job.steps
    eta = job.eta_seconds
    eta_text = "" if eta is None or job.finished else f" · ETA {clock(eta)}"
    state = "finished" if job.finished else "training" if job.is_running else "stopped"
    st.progress(
        done / total,
        text=f"Step {done:,} of {total:,} · {state} · {job.steps_per_second:,.0f} steps/s{eta_text}",
    )
    result = job.result()
    if result is not None and len(result.steps):
        render_panels(result, live=True)
        if job.finished:
            st.success(
                f"Done after {done:,} steps (seed {result.shown_seed}): test accuracy "
                f"{result.final_accuracy('bn'):.1%} {VARIANT_LABELS['bn']}, "
                f"{result.final_accuracy('plain'):.1%} {VARIANT_LABELS['plain']}."
            )
    if entry.training and (job.finished or not job.is_running):
        reg.pause(_key())  # give the slot back
        st.rerun(scope="app")  # redraw the page without the timer
