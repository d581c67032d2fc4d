"""The ICS page's Streamlit glue: the shipped result at once, and a live rerun on request.

- **Shipped**: ``bnviz/data/ics.npz`` (made by ``python -m bnviz.ics --ship``) is read once per
  process with numpy alone; every visitor sees the three experiments without a training step or a
  torch import.
- **Live**: "Run it live" starts a :class:`bnviz.ics.job.ICSJob` in the worker pool, registered
  in the server-wide :class:`bnviz.train.sessions.SessionRegistry` under its own key: it takes one of
  the ``max_training`` slots (or is refused with a message when none is free), is paused when its
  tab stops polling and stopped when the tab closes. An ``st.fragment`` polls it twice a second and
  streams the growing figures through the chart bridge (updated in place, no flicker).
- **Words** come from :mod:`bnviz.ics.captions`, computed from whichever result is shown.
"""

from __future__ import annotations

import streamlit as st

from bnviz.i18n import N_
from bnviz.ics.captions import captions
from bnviz.ics.plots import figures
from bnviz.ics.result import RESULT_PATH, ICSResult
from ui import experiment_page, i18n, session_runs
from ui.chart_bridge import live_chart
from ui.experiment_page import Keys
from ui.i18n import _

LIVE_STEPS = [500, 1_000, 2_000, 5_000, 10_000]  # bounded: at most the shipped run's length
DEFAULT_LIVE_STEPS = 2_000  # under a minute on a quiet 2-core server, past BN's first rise
# Half the shipped run's measurements: at the short runs' cadence they would cost more than training.
LIVE_MEASUREMENTS = 100
NAME = "ics"  # the session's registry entry for this page's live run
KEYS = Keys(NAME)

HEADINGS = {
    "shift": N_("1 · Shift the distributions on purpose: noisy BN"),
    "gradient_change": N_("2 · Internal covariate shift, measured as gradient change"),
    "smoothness": N_("3 · The loss landscape along the gradient"),
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
    tr = i18n.translator_now()
    figs, notes = figures(result, _=tr), captions(result, _=tr)
    for key, fig in figs.items():
        if live:
            st.markdown(f"**{_(HEADINGS[key])}**")
            live_chart(fig, key=f"ics_live_{key}")
        else:
            st.subheader(_(HEADINGS[key]), divider="gray")
            # theme=None: the figure's own look, the same as the live figures below.
            st.plotly_chart(fig, key=f"ics_{key}", theme=None, config={"displaylogo": False})
        st.caption(notes[key])


def start_live(steps: int) -> None:
    """Button callback: start a fresh live run of ``steps``, if a training slot is free."""

    def make_job():
        from bnviz.ics.job import MIN_MEASURE_EVERY  # noqa: PLC0415 - loads torch: only on demand

        every = max(MIN_MEASURE_EVERY, steps // LIVE_MEASUREMENTS)
        return session_runs.new_job("bnviz.ics.job:ICSJob", steps, measure_every=every)

    experiment_page.start_job(
        NAME, make_job, KEYS.notice, N_("The shipped result above is a full run.")
    )


def render_live() -> None:
    """The "Run it live" controls, then the live run's progress and figures."""
    experiment_page.controls(NAME, KEYS, LIVE_STEPS, DEFAULT_LIVE_STEPS, start_live)
    experiment_page.render_live(NAME, _draw, rate_note=N_(" (measuring included)"))


def _draw(job) -> None:
    result = job.result()
    if result is not None and len(result.steps) and len(result.measure_steps):
        render_figures(result, live=True)
        if job.finished:
            st.success(
                _("Done after {steps:,} steps: the captions above describe this run.").format(
                    steps=job.steps_done
                )
            )
