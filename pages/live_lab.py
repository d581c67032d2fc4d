"""Live lab: two copies of one network, without and with batch norm, trained side by side, live."""

import streamlit as st

from bnviz.config import MAX_BATCH, MAX_DEPTH, MAX_WIDTH
from bnviz.data import dataset_names
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS
from bnviz.train.optim import OPTIMIZERS
from ui import live_lab_view as view

st.title("Live lab: one network, with and without batch norm")
st.caption(
    "Press **Play**. Both twins start from identical weights and see identical mini-batches; only "
    "batch norm differs. Drag the learning rate while they train and watch who copes."
)
entry = view.session()
for warning in view.url_warnings():
    st.warning(warning)
if st.session_state.pop("lab_notice", None) == "busy":
    st.toast("The server is busy: your run will start when a training slot frees up.")

with st.sidebar:
    st.header("Run")
    st.button(
        "Pause" if entry.wants_to_train else "Play",
        key="lab_play",
        icon=":material/pause:" if entry.wants_to_train else ":material/play_arrow:",
        on_click=view.set_playing,
        args=(not entry.wants_to_train,),
        type="primary",
        width="stretch",
    )
    step, reset = st.columns(2)
    step.button(
        "Step ×10",
        key="lab_step",
        on_click=view.step_once,
        disabled=entry.training,
        help="Take 10 steps (while paused).",
        width="stretch",
    )
    reset.button(
        "Reset",
        key="lab_reset",
        on_click=view.reset_run,
        help="Start over from step 0.",
        width="stretch",
    )
    st.select_slider(
        "Speed (steps per second)",
        options=list(view.SPEEDS),
        value="max",
        key="lab_speed",
        on_change=view.apply_speed,
        help="Slow motion for a demo; 'max' trains as fast as this server allows.",
    )
    st.select_slider(
        "Learning rate (log scale)",
        options=view.LRS,
        key="lab_lr",
        format_func=lambda v: f"{v:g}",
        on_change=view.apply_lr,
        help="Applies at the next step of both twins; no restart.",
    )
    st.toggle(
        "Batch norm",
        value=True,
        key="lab_bn",
        help="Switch the charts below between the twin with batch norm and the one without.",
    )
    st.segmented_control(
        "View", ["Single", "Side by side"], default="Single", key="lab_view", required=True
    )

    st.header("What to show")
    depth = len(view.current_config().hidden)
    if st.session_state.get("lab_layer", depth) > depth:
        st.session_state.lab_layer = depth
    st.selectbox(
        "Layer for the percentile chart", range(1, depth + 1), index=depth - 1, key="lab_layer"
    )
    st.radio("Percentiles of", ["one typical unit", "all units of the layer"], key="lab_pooled")
    st.toggle("bn twin: show the input to BN (Wu)", key="lab_pre_bn")

    st.header("Network (starts a new run)")
    st.selectbox("Data", dataset_names(), key="cfg_dataset")
    st.selectbox("Activation", list(ACTIVATIONS), key="cfg_activation")
    st.slider("Hidden layers", 1, MAX_DEPTH, key="cfg_depth")
    st.number_input("Units per layer", 1, MAX_WIDTH, step=10, key="cfg_width")
    st.selectbox("Weight init", list(INITS), key="cfg_init")
    st.selectbox("Optimizer", list(OPTIMIZERS), key="cfg_optimizer")
    st.number_input("Batch size", 2, MAX_BATCH, step=10, key="cfg_batch_size")
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="cfg_seed")
    view.network_changes(entry)
    st.caption(f"Now running: {view.current_config().summary()}")

view.render_live(entry)
