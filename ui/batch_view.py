"""The batch-size page's Streamlit glue: the shipped batch sweep at once, and a small live rerun.

- **Shipped**: ``bnviz/data/sweep_batch.npz`` (made by ``python -m bnviz.sweep batch --ship``) is
  read once per process with numpy alone: no training, no torch import.
- **Live**: "Run it live" starts the batch sweep spread over the worker pool
  (:class:`bnviz.sweep.live.ShardedSweep`; one ``SweepJob`` in a thread without a pool), at most
  ``MAX_LIVE_BATCHES`` batch sizes x ``MAX_LIVE_VARIANTS`` variants x one seed, each run seeing at
  most ``max(LIVE_EXAMPLES)`` training examples, through :mod:`ui.experiment_page` (a training slot
  of the server-wide session registry, paused when the tab stops polling, stopped when it closes).
- **Words** come from :mod:`bnviz.sweep.batch_captions`, computed from whichever result is shown.
"""

from __future__ import annotations

import streamlit as st

from bnviz.i18n import N_
from bnviz.style import variant_label
from bnviz.sweep.batch_captions import captions
from bnviz.sweep.batch_plots import figures
from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.batch_verdict import verdict
from bnviz.sweep.grid import SWEEPS
from bnviz.sweep.result import result_path
from ui import experiment_page, i18n, session_runs
from ui.chart_bridge import live_chart
from ui.experiment_page import Keys
from ui.i18n import _
from ui.text import plain

# Training examples per live run; at batch 2 the largest is 15,000 steps, ~10 s of one core per
# variant: 3 variants x 3 batch sizes stay around a minute.
LIVE_EXAMPLES = [3_000, 6_000, 12_000, 30_000]
DEFAULT_LIVE_EXAMPLES = 12_000
MAX_LIVE_BATCHES, MAX_LIVE_VARIANTS = 3, 3
LIVE_VARIANTS = ("bn", "ln", "gn", "plain")
DEFAULT_LIVE_BATCHES, DEFAULT_LIVE_VARIANTS = ["4", "60"], ["bn", "gn"]
NAME = "batch"  # the session's registry entry for this page's live run
KEYS = Keys(NAME)
BATCHES_KEY, VARIANTS_KEY = "batch_sizes", "batch_variants"


@st.cache_resource(show_spinner=False)
def shipped_result() -> BatchResult | None:
    """The precomputed batch sweep (None if the file is missing or of another format)."""
    try:
        return BatchResult.load(result_path("batch"))
    except (OSError, ValueError):
        return None


def render_result(result: BatchResult, key: str, live: bool = False) -> None:
    """The verdict, the accuracy chart, then the mismatch and the statistics noise, captioned."""
    tr = i18n.translator_now()
    st.markdown(verdict(result, tr))
    figs, notes = figures(result, tr), captions(result, tr)
    left, right = st.columns([3, 2])
    with left:
        _chart(figs["accuracy"], f"{key}_accuracy", live)
        st.caption(notes["accuracy"])
    with right:
        _chart(figs["gap"], f"{key}_gap", live)
        st.caption(notes["gap"])
    _chart(figs["noise"], f"{key}_noise", live)
    st.caption(notes["noise"])


def _chart(fig: dict, key: str, live: bool) -> None:
    if live:
        live_chart(fig, key=key)
    else:
        st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False})


def start_live(examples: int) -> None:
    """Button callback: a fresh live batch sweep of the chosen sizes and variants, if valid and a
    training slot is free."""
    batches = tuple(st.session_state.get(BATCHES_KEY) or ())
    variants = tuple(st.session_state.get(VARIANTS_KEY) or ())
    if not 1 <= len(batches) <= MAX_LIVE_BATCHES or not 1 <= len(variants) <= MAX_LIVE_VARIANTS:
        st.session_state[KEYS.notice] = _(
            "Choose 1 to {batches} batch sizes and 1 to {variants} variants for the live run."
        ).format(batches=MAX_LIVE_BATCHES, variants=MAX_LIVE_VARIANTS)
        return
    if examples not in LIVE_EXAMPLES:
        st.session_state[KEYS.notice] = _("Choose a number of examples on the slider.")
        return

    def make_job():
        from bnviz.sweep.grid import make_grid

        grid = make_grid("batch", variants, batches, seeds=1, examples=examples)
        return session_runs.new_sweep_job(grid)

    try:
        experiment_page.start_job(
            NAME,
            make_job,
            KEYS.notice,
            N_("The shipped sweep above has every batch size and 3 seeds."),
        )
    except ValueError as exc:
        st.session_state[KEYS.notice] = i18n.error(exc)


def render_live() -> None:
    """Batch sizes, variants, the examples slider, Run/Stop, then the live sweep's charts."""
    job = experiment_page.current_job(NAME)
    busy = job is not None and job.is_running
    left, right = st.columns(2)
    left.multiselect(
        _("Batch sizes m (at most {n})").format(n=MAX_LIVE_BATCHES),
        list(SWEEPS["batch"].values),
        default=DEFAULT_LIVE_BATCHES,
        max_selections=MAX_LIVE_BATCHES,
        key=BATCHES_KEY,
        disabled=busy,
    )
    right.multiselect(
        _("Variants (at most {n}), seed 0").format(n=MAX_LIVE_VARIANTS),
        list(LIVE_VARIANTS),
        default=DEFAULT_LIVE_VARIANTS,
        max_selections=MAX_LIVE_VARIANTS,
        format_func=lambda v: variant_label(v, i18n.translator_now()),
        key=VARIANTS_KEY,
        disabled=busy,
    )
    experiment_page.controls(
        NAME,
        KEYS,
        LIVE_EXAMPLES,
        DEFAULT_LIVE_EXAMPLES,
        start_live,
        label=N_("Training examples per run"),
    )
    experiment_page.render_live(NAME, _draw)


def _draw(job) -> None:
    result = job.result()
    if result.runs_done:
        render_result(result, "batch_live", live=True)
    else:
        st.caption(plain(_("The first run of {n} is training…").format(n=result.done.size)))
