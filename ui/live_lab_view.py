"""The live lab's Streamlit glue: the session's run, its controls, and the live charts.

The page (``pages/live_lab.py``) declares the widgets; this module turns them into calls on the
session's :class:`bnviz.engine.Runner` (through :mod:`ui.session_runs`, which enforces the server-wide
cap) and renders the charts in an ``st.fragment`` that refreshes in place through the chart bridge.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from bnviz.config import RunConfig
from bnviz.style import TWIN_LABELS
from bnviz.train import plots
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.runner import Runner
from bnviz.train.sessions import SessionRun
from ui.chart_bridge import live_chart
from ui.session_runs import registry, session_id, session_run

REFRESH_S = 0.5  # 2 Hz: smooth on a projector, cheap for the server
WAITING_REFRESH_S = 1.0  # a run waiting for a free slot polls for it
SPEEDS = {"1/s": 1, "5/s": 5, "20/s": 20, "100/s": 100, "500/s": 500, "max": None}
LRS = [round(m * 10.0**e, 6) for e in range(-3, 3) for m in (1, 2, 5)]  # 0.001 ... 500
NETWORK_KEYS = (
    "dataset",
    "activation",
    "depth",
    "width",
    "init",
    "optimizer",
    "batch_size",
    "seed",
)


@st.cache_resource(show_spinner=False)
def _torch_threads() -> int:
    # Process-wide and set once: each twin steps on one thread, so a few sessions share 2 cores.
    return configure_torch_threads()


def current_config() -> RunConfig:
    """This session's run config: from the URL on first visit (warnings kept for the page)."""
    if "lab_cfg" not in st.session_state:
        cfg, warnings = RunConfig.from_query_params(st.query_params.to_dict())
        st.session_state.lab_cfg = cfg
        st.session_state.lab_url_warnings = warnings
        _widgets_from(cfg)
    return st.session_state.lab_cfg


def _widgets_from(cfg: RunConfig) -> None:
    """Set the network widgets' state to ``cfg`` (before they are drawn)."""
    st.session_state.update(
        cfg_dataset=cfg.dataset, cfg_activation=cfg.activation, cfg_depth=len(cfg.hidden),
        cfg_width=cfg.hidden[0], cfg_init=cfg.init, cfg_optimizer=cfg.optimizer,
        cfg_batch_size=cfg.batch_size, cfg_seed=cfg.seed,
        lab_lr=min(LRS, key=lambda v: abs(v - cfg.lr)),
    )  # fmt: skip


def session() -> SessionRun:
    _torch_threads()
    cfg = current_config()
    speed = SPEEDS[st.session_state.get("lab_speed", "max")]
    return session_run(lambda: Runner(cfg, steps_per_second=speed))


def url_warnings() -> list[str]:
    return st.session_state.get("lab_url_warnings", [])


# -- controls (callbacks run before the next script run) ------------------------------------------------
def _entry() -> SessionRun | None:
    """This session's run, with a fresh runner in place of one that stopped (its worker failed):
    a control pressed after a failure starts over instead of raising on the page."""
    entry = registry().get(session_id())
    if entry is not None and entry.runner.is_stopped:
        start_new_run(current_config())
    return entry


def set_playing(play: bool) -> None:
    """Play or pause, as the button the user saw said: an intent, not a toggle. Streamlit 1.67 now
    and then runs a button's callback twice for one click (seen on Pause while the charts refresh
    themselves; both calls get that button's args), and a toggle would then pause and play again."""
    entry = _entry()
    if entry is None:
        return
    if not play:
        registry().pause(session_id())
    elif not entry.wants_to_train and not registry().play(session_id()):
        st.session_state.lab_notice = "busy"


def step_once(n: int = 10) -> None:
    entry = _entry()
    if entry is not None and not entry.training:
        entry.runner.step(n, wait=True)


def reset_run() -> None:
    entry = _entry()
    if entry is not None:
        entry.runner.reset()


def apply_speed() -> None:
    entry = _entry()
    if entry is not None:
        entry.runner.set_speed(SPEEDS[st.session_state.lab_speed])


def apply_lr() -> None:
    entry = _entry()
    lr = float(st.session_state.lab_lr)
    if entry is not None:
        entry.runner.set_lr(lr)
    st.query_params["lr"] = f"{lr:g}"


def pending_config() -> RunConfig | str:
    """The config the network widgets describe (LR: the live one), or the reason it is invalid."""
    s, cfg = st.session_state, current_config()
    hidden = (int(s.cfg_width),) * int(s.cfg_depth)
    if (int(s.cfg_depth), int(s.cfg_width)) == (len(cfg.hidden), cfg.hidden[0]):
        hidden = cfg.hidden  # unchanged widgets keep a mixed-width network from a link
    try:
        return dataclasses.replace(
            cfg, dataset=s.cfg_dataset, activation=s.cfg_activation, hidden=hidden, init=s.cfg_init,
            optimizer=s.cfg_optimizer, batch_size=int(s.cfg_batch_size), seed=int(s.cfg_seed),
            lr=float(s.get("lab_lr", cfg.lr)),
        )  # fmt: skip
    except ValueError as err:
        return str(err)


def start_new_run(cfg: RunConfig) -> None:
    """Replace the session's run with a fresh one for ``cfg`` and put it in the URL."""
    st.session_state.lab_cfg = cfg
    speed = SPEEDS[st.session_state.get("lab_speed", "max")]
    registry().replace_runner(session_id(), Runner(cfg, steps_per_second=speed))
    st.query_params.from_dict(cfg.to_query_params(only_changed=True))


def keep_current_run() -> None:
    _widgets_from(dataclasses.replace(current_config(), lr=float(st.session_state.lab_lr)))


def network_changes(entry: SessionRun) -> None:
    """Apply changed network settings: at once on a fresh run, after a confirmation otherwise."""
    pending, cfg = pending_config(), current_config()
    if isinstance(pending, str):
        st.sidebar.error(pending)
        return
    if dataclasses.replace(pending, lr=cfg.lr) == cfg:
        return
    if entry.runner.snapshot().step == 0:
        start_new_run(pending)
        return
    with st.sidebar.container(border=True):
        st.warning("These settings start a **new run**; the current one will be lost.")
        left, right = st.columns(2)
        left.button("Start new run", on_click=start_new_run, args=(pending,), type="primary")
        right.button("Keep current", on_click=keep_current_run)


# -- the live part ------------------------------------------------------------------------------------------
# While a fragment reruns, Streamlit fades the elements it has not redrawn yet and animates a
# "running" badge. At 2 Hz on a busy server that reads as flicker on a projector: the old frame
# stays at full strength until the new one replaces it.
STEADY_CSS = """<style>
.stMain [data-stale="true"] { opacity: 1 !important; transition: none !important; }
[data-testid="stStatusWidget"] { visibility: hidden; }
</style>"""


def render_live(entry: SessionRun) -> None:
    """Status line and charts, refreshed in place while the run trains (or waits for a slot)."""
    st.html(STEADY_CSS)
    interval = REFRESH_S if entry.training else WAITING_REFRESH_S if entry.wants_to_train else None
    st.fragment(run_every=interval)(_live_body)()


def _live_body() -> None:
    reg, sid = registry(), session_id()
    entry = reg.touch(sid)
    if entry is None:  # released and stopped while the page stayed open: a rerun recreates it
        st.info("This run was stopped after the tab went away. Reload the page to start again.")
        return
    snap = entry.runner.snapshot()
    main = "bn" if st.session_state.get("lab_bn", True) else "plain"
    side_by_side = st.session_state.get("lab_view") == "Side by side"
    shown = ["plain", "bn"] if side_by_side else [main]
    _status(entry, snap, reg)

    st.subheader("Loss and test accuracy — both twins")
    live_chart(plots.curves_figure(snap), key="lab_curves")
    st.caption(
        "Same initial weights, same mini-batches, same learning rate: any gap between the curves is "
        "caused by batch norm alone. Dotted lines mark learning-rate changes."
    )
    layer = int(st.session_state.get("lab_layer", len(snap.twins[main].layers))) - 1
    unit = st.session_state.get("lab_pooled", "one typical unit") == "one typical unit"
    st.subheader("Input to a sigmoid over training: 15th, 50th, 85th percentiles")
    live_chart(plots.percentile_figure(snap, shown, layer=layer, unit=unit), key="lab_pct")
    st.caption(
        "The paper's Figure 1(b, c). Without batch norm the distribution a layer receives keeps "
        "moving as the layers below it learn — internal covariate shift. With batch norm it stays "
        "centred with a steady spread."
    )
    st.subheader("Distribution of each layer's nonlinearity input over time")
    quantity = "wu" if st.session_state.get("lab_pre_bn", False) else "z"
    for name in shown:
        label = TWIN_LABELS[name]
        note = " (before BN: Wu)" if quantity == "wu" and name == "bn" else ""
        st.markdown(f"**{label}{note}**")
        live_chart(plots.histogram_heatmap_figure(snap, name, quantity), key=f"lab_heat_{name}")
    st.caption(
        "Each column is a histogram on a fixed probe batch; brighter means more (example, unit) "
        "pairs there. Values beyond the axis are piled into the edge bins."
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Right now")
        live_chart(plots.current_histogram_figure(snap, ["plain", "bn"]), key="lab_now")
    with right:
        st.subheader("Saturated units")
        live_chart(plots.saturation_figure(snap, shown), key="lab_sat")
        st.caption(f"Saturated: {snap.saturation_rule}")
    with st.expander("How fast each layer's weights move (update : weight ratio)"):
        live_chart(plots.update_ratio_figure(snap, shown), key="lab_update")
        st.caption("‖ΔW‖ / ‖W‖ per optimizer step; around 1e-3 is the usual healthy rate.")


def _status(entry: SessionRun, snap, reg) -> None:
    diverged = [
        f"{TWIN_LABELS[n]} diverged at step {t.diverged_at:,}"
        for n, t in snap.twins.items()
        if t.diverged_at is not None
    ]
    state = (
        "training"
        if entry.training
        else "waiting for a free slot"
        if entry.wants_to_train
        else "paused"
    )
    # A paused run's last measured rate would read as if it still trained.
    rate = f" · {snap.steps_per_second:,.0f} steps/s" if entry.training else ""
    error = getattr(entry.runner, "error", None)
    with st.container(key="lab_status"):
        st.markdown(
            f"**Step {snap.step:,}** · {state}{rate} · "
            f"lr {snap.lr:g} · runs on this server: {reg.training_count} training, "
            f"{reg.session_count} open, limit {reg.max_training}"
            + "".join(f" · :red[{d}]" for d in diverged)
        )
        if entry.wants_to_train and not entry.training:
            st.info(
                f"All {reg.max_training} training slots on this server are in use. Your run starts "
                "as soon as one frees up — or press **Step** to advance it by hand."
            )
        if error is not None:
            st.error(f"Training stopped: {error}. Press Reset to start again.")
