"""The sweeps page's Streamlit glue: the shipped sweeps at once, BN's scale invariance on a slider,
and a small live rerun on request.

- **Shipped**: ``bnviz/data/sweep_lr.npz`` and ``sweep_init.npz`` (made by ``python -m bnviz.sweep
  lr|init --ship``) are read once per process with numpy alone: no training, no torch import.
- **Scale invariance**: :func:`bnviz.sweep.scale_invariance.scale_invariance` in float64 numpy,
  cached per (c, layer); the numbers shown are computed, the tests check them against autograd.
- **Live**: "Run it live" starts a sweep spread over the worker pool
  (:class:`bnviz.sweep.live.ShardedSweep`) of at most ``MAX_LIVE_VALUES`` grid values x the twins x one seed, through :mod:`ui.experiment_page` (a training slot of the
  server-wide session registry, paused when the tab stops polling, stopped when it closes).
- **Words** come from :mod:`bnviz.sweep.captions`, computed from whichever result is shown.
"""

from __future__ import annotations

import streamlit as st

from bnviz.arith.number_format import table_number
from bnviz.i18n import N_
from bnviz.style import VARIANT_LABELS
from bnviz.sweep.captions import captions, verdict
from bnviz.sweep.grid import SWEEPS
from bnviz.sweep.plots import figures
from bnviz.sweep.result import SweepResult, result_path
from bnviz.sweep.scale_invariance import ScaleResult, scale_invariance
from ui import experiment_page, i18n, session_runs
from ui.chart_bridge import live_chart
from ui.experiment_page import Keys
from ui.i18n import _
from ui.text import plain

LIVE_STEPS = [250, 500, 1_000, 2_000]  # per run; 4 runs of 2,000 steps take ~10 s of one core
DEFAULT_LIVE_STEPS = 1_000
MAX_LIVE_VALUES = 2
NAME = "sweep"  # the session's registry entry for this page's live run
KEYS = Keys(NAME)
SWEEP_KEY, VALUES_KEY = "sweep_kind", "sweep_values"
C_OPTIONS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
C_KEY, LAYER_KEY = "si_c", "si_layer"
DEFAULT_LIVE_VALUES = {"lr": ["1", "30"], "init": ["0.01", "xavier"]}


@st.cache_resource(show_spinner=False)
def shipped_result(sweep: str) -> SweepResult | None:
    """The precomputed sweep (None if the file is missing or of another format)."""
    try:
        return SweepResult.load(result_path(sweep))
    except (OSError, ValueError):
        return None


def render_result(result: SweepResult, key: str, live: bool = False) -> None:
    """The verdict, the heatmap, then the stability and steps-to-90% charts, each captioned."""
    tr = i18n.translator_now()
    st.markdown(verdict(result, tr))
    figs, notes = figures(result, tr), captions(result, tr)
    _chart(figs["heatmap"], f"{key}_heatmap", live)
    st.caption(notes["heatmap"])
    left, right = st.columns(2)
    with left:
        _chart(figs["stability"], f"{key}_stability", live)
        st.caption(notes["stability"])
    with right:
        _chart(figs["steps"], f"{key}_steps", live)
        st.caption(notes["steps"])


def _chart(fig: dict, key: str, live: bool) -> None:
    if live:
        live_chart(fig, key=key)
    else:
        st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False})


# -- scale invariance ----------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _scale(c: float, layer: int) -> ScaleResult:
    return scale_invariance(c, layer)


def render_scale_invariance() -> None:
    """Slider c and the layer; the computed changes of output and gradient, BN net vs plain net."""
    left, right = st.columns([3, 1])
    c = left.select_slider(
        _("Multiply the layer's weights W by c"), options=C_OPTIONS, value=2.0, key=C_KEY
    )
    layer = right.selectbox(_("Hidden layer"), [1, 2, 3], key=LAYER_KEY)
    r = _scale(float(c), int(layer))
    rows = {
        "": [_("max |Δ logits|"),
             _("max |Δ h{layer}| (the layer's sigmoid outputs)").format(layer=layer),
             "‖∂ℓ/∂(cW)‖ / ‖∂ℓ/∂W‖", "max |c·∂ℓ/∂(cW) − ∂ℓ/∂W| / max |∂ℓ/∂W|"],
    }  # fmt: skip
    for net in ("bn", "plain"):
        rows[_(VARIANT_LABELS[net])] = [
            table_number(r.max_change(net)),
            table_number(r.max_layer_change(net)),
            table_number(r.grad_ratio(net)),
            table_number(r.grad_deviation(net)),
        ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(scale_caption(r))


def scale_caption(r: ScaleResult) -> str:
    """What the table shows, with its numbers, in the session's language."""
    return _(
        "Computed on 60 test digits, layer {layer}'s W scaled by c = {c:g}. With BN: the logits "
        "move by at most {bn_change:.1e} and the gradient norm scales by {ratio:.4f} (1/c = "
        "{inverse:.4f}): the output ignores the scale of W and the gradient shrinks as W grows. "
        "Without BN: the logits move by up to {plain_change:.3f}, the layer's sigmoids by up to "
        "{plain_layer:.3f}. Not exactly 0 with BN: eps = 1e-5 sits next to the batch variance of "
        "Wu (smallest over the units: {least:.3f} at c = 1, times c²)."
    ).format(
        layer=r.layer,
        c=r.c,
        bn_change=r.max_change("bn"),
        ratio=r.grad_ratio("bn"),
        inverse=1 / r.c,
        plain_change=r.max_change("plain"),
        plain_layer=r.max_layer_change("plain"),
        least=r.least_var,
    )


# -- the live rerun ------------------------------------------------------------------------------


def start_live(steps: int) -> None:
    """Button callback: a fresh live sweep of the chosen values, if valid and a slot is free."""
    sweep = st.session_state.get(SWEEP_KEY, "lr")
    values = tuple(st.session_state.get(VALUES_KEY) or ())
    if not values or len(values) > MAX_LIVE_VALUES:
        st.session_state[KEYS.notice] = _(
            "Choose one or {max} grid values for the live sweep, got {count}."
        ).format(max=MAX_LIVE_VALUES, count=len(values))
        return

    def make_job():
        from bnviz.sweep.grid import make_grid

        grid = make_grid(sweep, values=values, seeds=1, steps=steps)
        return session_runs.new_sweep_job(grid)

    try:
        experiment_page.start_job(
            NAME,
            make_job,
            KEYS.notice,
            N_("The shipped sweeps above have every value and 3 seeds."),
        )
    except ValueError as exc:
        st.session_state[KEYS.notice] = i18n.error(exc)


def render_live() -> None:
    """Which sweep and values, the steps slider, Run/Stop, then the live sweep's progress and charts."""
    job = experiment_page.current_job(NAME)
    busy = job is not None and job.is_running
    tr = i18n.translator_now()  # format_funcs bound to the language now (AppTest calls them later)
    i18n.keep_across_languages((SWEEP_KEY, VALUES_KEY))
    left, right = st.columns([1, 3])
    sweep = left.radio(
        _("Sweep"),
        list(SWEEPS),
        format_func=lambda s: tr(SWEEPS[s].title),
        key=SWEEP_KEY,
        disabled=busy,
        on_change=lambda: st.session_state.pop(VALUES_KEY, None),
    )
    right.multiselect(
        _("Grid values (at most {max}), each trained without and with BN, seed 0").format(
            max=MAX_LIVE_VALUES
        ),
        list(SWEEPS[sweep].values),
        default=DEFAULT_LIVE_VALUES[sweep],
        max_selections=MAX_LIVE_VALUES,
        format_func=lambda value: SWEEPS[sweep].label(value, tr),
        key=VALUES_KEY,
        disabled=busy,
    )
    experiment_page.controls(NAME, KEYS, LIVE_STEPS, DEFAULT_LIVE_STEPS, start_live)
    experiment_page.render_live(NAME, _draw)


def _draw(job) -> None:
    result = job.result()
    if result.runs_done:
        render_result(result, "sweep_live", live=True)
    else:
        st.caption(plain(_("The first run of {total} is training…").format(total=result.done.size)))
