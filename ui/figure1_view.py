"""The Figure 1 page's Streamlit glue: the shipped result at once, and a live rerun on request.

- **Shipped**: ``bnviz/data/figure1.npz`` (the full 50,000-step run of 3 seeds, made by
  ``python -m bnviz.figure1 --seeds 3 --ship``) is read once per process with numpy alone; every
  visitor sees the three panels without a single training step or a torch import.
- **Live**: "Run it live" starts a :class:`bnviz.figure1.Figure1Job` in the worker pool. It is
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
from bnviz.figure1.result import RESULT_PATH, Figure1Result
from bnviz.i18n import N_
from ui import experiment_page, i18n, session_runs
from ui.chart_bridge import live_chart
from ui.experiment_page import Keys
from ui.i18n import _

LIVE_STEPS = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000]  # bounded: at most the paper's
DEFAULT_LIVE_STEPS = 5_000  # about half a minute on a quiet 2-core server
# A live run evaluates on 2,000 held-out digits, not all 9,760: at a short run's record cadence
# (100 records) the full evaluation adds about half (5,000 steps) to all (500 steps) of the training
# time again. Its captions quote the noise of 2,000 digits.
LIVE_EVAL_SIZE = 2_000
NAME = "figure1"  # the session's registry entry for this page's live run
KEYS = Keys("f1")  # widget keys: f1_steps, f1_run, f1_stop (tests find the widgets by them)
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
    inference, tr = inference_shown(), i18n.translator_now()
    figs = panels(result, inference=inference, _=tr)
    notes = captions(result, inference=inference, _=tr)
    for column, (key, fig) in zip(st.columns(3), figs.items(), strict=True):
        with column:
            if live:
                live_chart(fig, key=f"f1_live_{key}")
            else:
                # theme=None: the figure's own look, the same as the live panels below.
                st.plotly_chart(fig, key=f"f1_{key}", theme=None, config={"displaylogo": False})
            st.caption(notes[key])


# -- the live rerun ------------------------------------------------------------------------------------


def start_live(steps: int) -> None:
    """Button callback: start a fresh live run of ``steps``, if a training slot is free."""

    def make_job():
        return session_runs.new_job("bnviz.figure1.job:Figure1Job", steps, eval_size=LIVE_EVAL_SIZE)

    experiment_page.start_job(
        NAME, make_job, KEYS.notice, N_("The shipped figure above is the full run.")
    )


def render_live() -> None:
    """The "Run it live" controls, then the live run's progress and panels."""
    experiment_page.controls(NAME, KEYS, LIVE_STEPS, DEFAULT_LIVE_STEPS, start_live)
    experiment_page.render_live(NAME, _draw)


def _draw(job) -> None:
    result = job.result()
    if result is not None and len(result.steps):
        render_panels(result, live=True)
        if job.finished:
            st.success(
                _(
                    "Done after {steps:,} steps (seed {seed}): test accuracy {bn:.1%} with BN, "
                    "{plain:.1%} without BN."
                ).format(
                    steps=job.steps_done,
                    seed=result.shown_seed,
                    bn=result.final_accuracy("bn"),
                    plain=result.final_accuracy("plain"),
                )
            )
