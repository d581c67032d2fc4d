"""Live lab: two copies of one network, without and with batch norm, trained side by side, live.

In presenter mode (a sidebar toggle, or ``?present=1``) the sidebar keeps only Play, the learning
rate and Batch norm, and the page shows two big charts. The hidden widgets keep their values
(``persist_state``), so turning it off restores the page as it was; the run trains on throughout.
"""

import streamlit as st

from bnviz.config import MAX_BATCH, MAX_DEPTH, MAX_WIDTH
from bnviz.data import DATASETS, describe
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS
from bnviz.train.optim import OPTIMIZERS
from bnviz.train.sessions import ServerFull
from ui import live_lab_controls as controls
from ui import live_lab_view as view
from ui import watch
from ui.live_lab_controls import Key
from ui.text import plain

KEEP = "page"  # a widget hidden by presenter mode keeps its value until it shows again


def _full_sidebar(entry) -> None:
    """The rest of the sidebar, hidden in presenter mode: view, what to show, the network."""
    st.segmented_control(
        "View",
        [controls.SINGLE, controls.SIDE_BY_SIDE],
        default=controls.SINGLE,
        key=Key.VIEW,
        required=True,
        persist_state=KEEP,
    )
    st.header("What to show")
    depth = len(controls.current_config().hidden)
    if st.session_state.get(Key.LAYER, depth) > depth:
        st.session_state[Key.LAYER] = depth
    st.selectbox(
        "Layer for the percentile chart",
        range(1, depth + 1),
        index=depth - 1,
        key=Key.LAYER,
        persist_state=KEEP,
    )
    st.radio(
        "Percentiles of",
        [controls.ONE_UNIT, controls.ALL_UNITS],
        key=Key.POOLED,
        persist_state=KEEP,
    )
    st.toggle(
        "Also show the test-time view",
        key=Key.INFERENCE,
        help="The bn twin's percentiles in inference mode (running averages), dashed.",
        persist_state=KEEP,
    )
    st.toggle("bn twin: show the input to BN (Wu)", key=Key.PRE_BN, persist_state=KEEP)

    st.header("Network (starts a new run)")

    def choice(title: str, key: str, table: dict) -> None:
        st.selectbox(
            title, list(table), key=key, format_func=lambda n: table[n].label, persist_state=KEEP
        )

    choice("Data", Key.DATASET, DATASETS)
    choice("Activation", Key.ACTIVATION, ACTIVATIONS)
    st.slider("Hidden layers", 1, MAX_DEPTH, key=Key.DEPTH, persist_state=KEEP)
    st.number_input("Units per layer", 1, MAX_WIDTH, step=10, key=Key.WIDTH, persist_state=KEEP)
    choice("Weight init", Key.INIT, INITS)
    choice("Optimizer", Key.OPTIMIZER, OPTIMIZERS)
    st.number_input("Batch size", 2, MAX_BATCH, step=10, key=Key.BATCH_SIZE, persist_state=KEEP)
    st.number_input(
        "Seed", min_value=0, max_value=2**31 - 1, step=1, key=Key.SEED, persist_state=KEEP
    )
    controls.network_changes(entry)
    cfg = controls.current_config()
    st.caption(f"Now running: {cfg.summary()}. {describe(cfg.dataset)}.")
    watch.share_panel()


watching = watch.token_in_url()
if watching is not None:  # a shared run, read-only: no controls, no run of one's own
    watch.render(watching)
    st.stop()
presenting = controls.presenter_mode()
if not presenting:  # on a projector the two charts take the title's room
    st.title("Live lab: one network, with and without batch norm")
    st.caption(
        "Press **Play**. Both twins start from identical weights and see identical mini-batches; "
        "only batch norm differs. Drag the learning rate while they train and watch who copes."
    )
try:
    entry = controls.session()
except ServerFull as full:
    watch.server_full(str(full))
    st.stop()
for warning in controls.url_warnings():
    st.warning(plain(warning))
if st.session_state.pop(controls.NOTICE, None) == controls.BUSY:
    st.toast("The server is busy: your run will start when a training slot frees up.")

with st.sidebar:
    st.header("Run")
    st.button(
        "Pause" if entry.wants_to_train else "Play",
        key=Key.PLAY,
        icon=":material/pause:" if entry.wants_to_train else ":material/play_arrow:",
        on_click=controls.set_playing,
        args=(not entry.wants_to_train,),
        type="primary",
        width="stretch",
    )
    if not presenting:
        step, reset = st.columns(2)
        step.button(
            "Step ×10",
            key=Key.STEP,
            on_click=controls.step_once,
            disabled=entry.training,
            help="Take 10 steps (while paused).",
            width="stretch",
        )
        reset.button(
            "Reset",
            key=Key.RESET,
            on_click=controls.reset_run,
            help="Start over from step 0.",
            width="stretch",
        )
        st.select_slider(
            "Speed (steps per second)",
            options=list(controls.SPEEDS),
            value=controls.FULL_SPEED,
            key=Key.SPEED,
            on_change=controls.apply_speed,
            help="Slow motion for a demo; 'max' trains as fast as this server allows.",
            persist_state=KEEP,
        )
    st.select_slider(
        "Learning rate (log scale)",
        options=controls.LRS,
        key=Key.LR,
        format_func=lambda v: f"{v:g}",
        on_change=controls.apply_lr,
        help="Applies at the next step of both twins; no restart.",
    )
    st.toggle(
        "Batch norm",
        value=True,
        key=Key.BN,
        help="Switch the charts below between the twin with batch norm and the one without.",
    )
    st.toggle(
        "Presenter mode",
        key=Key.PRESENT,
        help="For a projector: two big charts, large text, and only Play, learning rate and "
        "Batch norm. Links from the address bar open in it (`?present=1`).",
    )
    if not presenting:
        _full_sidebar(entry)

view.render_live(entry, presenting)
