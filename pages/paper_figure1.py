"""Paper Figure 1: Ioffe & Szegedy (2015), Fig. 1, reproduced on MNIST — shown at once, rerun live."""

import streamlit as st

from ui import figure1_view as view

st.title("Paper Figure 1: internal covariate shift, measured")
st.markdown(
    "Ioffe & Szegedy (2015) trained the same small network on MNIST twice, without and with batch "
    "normalization, and watched two things: how fast each learns, and how the input to one sigmoid "
    "deep in the network changes while the layers below it learn. Below is that experiment, "
    "reproduced with this app's engine."
)

result = view.shipped_result()
if result is None:
    st.warning(
        "The precomputed result (bnviz/data/figure1.npz) is missing. Make it with "
        "`python -m bnviz.figure1 --ship`, or run it live below."
    )
else:
    view.render_panels(result)
    st.markdown(view.setup_text(result))
    with st.expander("How this figure was made and measured"):
        st.markdown(
            "- **Accuracy** (a): on held-out test digits that are never trained on, measured every "
            f"{result.total_steps // (len(result.steps) - 1):,} steps with BN in inference mode "
            "(its running averages).\n"
            "- **Percentiles** (b, c): of one unit's input z over a fixed batch of test digits, so "
            "any change over time is the network's, not the data's. With BN, z = γ x̂ + β, where "
            "x̂ has per-feature mean 0 and variance 1. At step 0 the running averages are still "
            "at their defaults, so the very first point of (c) is the raw Wu.\n"
            "- Both twins are trained in lockstep on the same mini-batches, each in its own thread.\n"
            f"- {view.provenance_text(result)}"
        )

st.header("Run it live")
st.markdown(
    "Rerun the experiment on this server and watch the panels grow. The full run is 50,000 "
    "steps; a shorter run already shows the effect."
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
