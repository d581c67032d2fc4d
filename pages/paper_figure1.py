"""Paper Figure 1: Ioffe & Szegedy (2015), Fig. 1, reproduced on MNIST — shown at once, rerun live."""

import streamlit as st

from bnviz.figure1.notes import method_notes, setup_text
from ui import experiment_page, i18n
from ui import figure1_view as view
from ui.i18n import _

st.title(_("Paper Figure 1: one sigmoid's input, with and without batch norm"))
st.markdown(
    _(
        "Ioffe & Szegedy (2015) trained the same small network on MNIST twice, without and with "
        "batch normalization, and watched two things: how fast each learns, and how the input to "
        "one sigmoid deep in the network changes while the layers below it learn — their picture "
        "of internal covariate shift. Below is that experiment, reproduced with this app's engine; "
        "the numbers under each panel are computed from the run shown."
    )
)
st.toggle(
    _(
        "Also show (c) at test time: BN with its running averages instead of each batch's "
        "statistics"
    ),
    key=view.INFERENCE_KEY,
)

result = view.shipped_result()
if result is None:
    st.warning(
        _(
            "The precomputed result (bnviz/data/figure1.npz) is missing or in an older format. "
            "Make it with `python -m bnviz.figure1 --ship`, or run it live below."
        )
    )
else:
    view.render_panels(result)
    st.markdown(setup_text(result, _=i18n.translator_now()))
    with st.expander(_("How this figure was made and measured")):
        notes = [
            *method_notes(result, _=i18n.translator_now()),
            experiment_page.provenance_text(result.meta),
        ]
        st.markdown("\n".join(f"- {note}" for note in notes))

st.header(_("Run it live"))
st.markdown(
    _(
        "Rerun the experiment on this server (one seed, seed 0) and watch the panels grow. The "
        "full run is 50,000 steps; a shorter run already shows the start of it."
    )
)
view.render_live()
