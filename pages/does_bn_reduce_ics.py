"""Does BN reduce ICS? Santurkar et al. (NeurIPS 2018) on MNIST — shown at once, rerun live."""

import streamlit as st

from bnviz.ics.captions import method_notes, setup_text
from ui import experiment_page, i18n
from ui import ics_view as view
from ui.i18n import _

st.title(_("Does batch norm reduce internal covariate shift?"))
st.markdown(
    _(
        "Ioffe & Szegedy (2015) introduced batch norm to reduce **internal covariate shift**: the "
        "change of a layer's input distribution while the layers below it learn. That was their "
        "hypothesis for why it works, not something they showed. Santurkar, Tsipras, Ilyas & "
        "Madry, *How Does Batch Normalization Help Optimization?* (NeurIPS 2018), put it to the "
        "test and found three things:\n"
        "1. BN's benefit survives distribution shift injected on purpose: with random noise after "
        "every BN layer, the inputs move at least as much as without BN, and the network still "
        "trains about as fast as with standard BN;\n"
        "2. BN need not reduce internal covariate shift when it is measured by what matters to "
        "optimization, how much a layer's gradient changes once the layers below it update;\n"
        "3. BN makes the loss landscape smoother: along the gradient, the loss and the gradient "
        "itself change less.\n\n"
        "Below are the three experiments on this app's MNIST network, side by side without BN, "
        "with BN and with noisy BN. The words under each figure are computed from the run shown."
    )
)

result = view.shipped_result()
if result is None:
    st.warning(
        _(
            "The precomputed result (bnviz/data/ics.npz) is missing or in an older format. Make "
            "it with `python -m bnviz.ics --ship`, or run it live below."
        )
    )
else:
    st.markdown(setup_text(result, _=i18n.translator_now()))
    view.render_figures(result)
    with st.expander(_("How this was made and measured")):
        notes = [
            *method_notes(result, _=i18n.translator_now()),
            experiment_page.provenance_text(result.meta),
        ]
        st.markdown("\n".join(f"- {note}" for note in notes))

st.header(_("Run it live"))
st.markdown(
    _(
        "Rerun the three networks and the measurements on this server and watch the figures grow. "
        "Measuring costs extra work, so a live run takes longer than training alone would; a "
        "short run already shows noisy BN's moving bands and the gradient change."
    )
)
view.render_live()
