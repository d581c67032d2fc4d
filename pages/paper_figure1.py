"""Paper Figure 1: Ioffe & Szegedy (2015), Fig. 1, reproduced on MNIST — shown at once, rerun live."""

import streamlit as st

from bnviz.figure1.captions import method_notes, setup_text
from ui import figure1_view as view

st.title("Paper Figure 1: one sigmoid's input, with and without batch norm")
st.markdown(
    "Ioffe & Szegedy (2015) trained the same small network on MNIST twice, without and with batch "
    "normalization, and watched two things: how fast each learns, and how the input to one sigmoid "
    "deep in the network changes while the layers below it learn — their picture of internal "
    "covariate shift. Below is that experiment, reproduced with this app's engine; the numbers "
    "under each panel are computed from the run shown."
)
st.toggle(
    "Also show (c) at test time: BN with its running averages instead of each batch's statistics",
    key=view.INFERENCE_KEY,
)

result = view.shipped_result()
if result is None:
    st.warning(
        "The precomputed result (bnviz/data/figure1.npz) is missing or in an older format. Make "
        "it with `python -m bnviz.figure1 --ship`, or run it live below."
    )
else:
    view.render_panels(result)
    st.markdown(setup_text(result))
    with st.expander("How this figure was made and measured"):
        notes = [*method_notes(result), view.provenance_text(result)]
        st.markdown("\n".join(f"- {note}" for note in notes))

st.header("Run it live")
st.markdown(
    "Rerun the experiment on this server (one seed, seed 0) and watch the panels grow. The full "
    "run is 50,000 steps; a shorter run already shows the start of it."
)
job = view.current_job()
busy = job is not None and job.is_running
left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
steps = left.select_slider(
    "Training steps",
    options=view.LIVE_STEPS,
    value=view.DEFAULT_LIVE_STEPS,
    format_func=lambda n: f"{n:,}",
    key=view.STEPS_KEY,
    disabled=busy,
)
middle.button(
    "Run it live",
    key=view.RUN_KEY,
    icon=":material/play_arrow:",
    type="primary",
    on_click=view.start_live,
    args=(steps,),
    disabled=busy,
    width="stretch",
)
right.button(
    "Stop",
    key=view.STOP_KEY,
    icon=":material/stop:",
    on_click=view.stop_live,
    disabled=not busy,
    width="stretch",
)
notice = st.session_state.pop(view.NOTICE, None)
if notice:
    st.warning(notice)
view.render_live()
