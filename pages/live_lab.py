"""Live lab: two copies of one network, without and with batch norm, trained side by side, live."""

import streamlit as st

from bnviz.config import MAX_BATCH, MAX_DEPTH, MAX_WIDTH
from bnviz.data import DATASETS, load_dataset
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS
from bnviz.train.optim import OPTIMIZERS
from ui import live_lab_controls as controls
from ui import live_lab_view as view
from ui.live_lab_controls import Key
from ui.text import plain

st.title("Live lab: one network, with and without batch norm")
st.caption(
    "Press **Play**. Both twins start from identical weights and see identical mini-batches; only "
    "batch norm differs. Drag the learning rate while they train and watch who copes."
)
entry = controls.session()
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
    st.segmented_control(
        "View",
        [controls.SINGLE, controls.SIDE_BY_SIDE],
        default=controls.SINGLE,
        key=Key.VIEW,
        required=True,
    )

    st.header("What to show")
    depth = len(controls.current_config().hidden)
    if st.session_state.get(Key.LAYER, depth) > depth:
        st.session_state[Key.LAYER] = depth
    st.selectbox(
        "Layer for the percentile chart", range(1, depth + 1), index=depth - 1, key=Key.LAYER
    )
    st.radio("Percentiles of", [controls.ONE_UNIT, controls.ALL_UNITS], key=Key.POOLED)
    st.toggle(
        "Also show the test-time view",
        key=Key.INFERENCE,
        help="The bn twin's percentiles in inference mode (running averages), dashed.",
    )
    st.toggle("bn twin: show the input to BN (Wu)", key=Key.PRE_BN)

    st.header("Network (starts a new run)")
    st.selectbox("Data", list(DATASETS), key=Key.DATASET, format_func=lambda n: DATASETS[n].label)
    st.selectbox(
        "Activation",
        list(ACTIVATIONS),
        key=Key.ACTIVATION,
        format_func=lambda n: ACTIVATIONS[n].label,
    )
    st.slider("Hidden layers", 1, MAX_DEPTH, key=Key.DEPTH)
    st.number_input("Units per layer", 1, MAX_WIDTH, step=10, key=Key.WIDTH)
    st.selectbox("Weight init", list(INITS), key=Key.INIT, format_func=lambda n: INITS[n].label)
    st.selectbox(
        "Optimizer", list(OPTIMIZERS), key=Key.OPTIMIZER, format_func=lambda n: OPTIMIZERS[n].label
    )
    st.number_input("Batch size", 2, MAX_BATCH, step=10, key=Key.BATCH_SIZE)
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key=Key.SEED)
    controls.network_changes(entry)
    cfg = controls.current_config()
    st.caption(f"Now running: {cfg.summary()}. {load_dataset(cfg.dataset).description}.")

view.render_live(entry)
