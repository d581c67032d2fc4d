"""Learning rate and init: Ioffe & Szegedy (2015) §3.3 put to a sweep — shipped, on a slider, live."""

import streamlit as st

from bnviz.i18n import N_
from bnviz.sweep.captions import method_notes
from ui import experiment_page, i18n
from ui import sweep_view as view
from ui.i18n import _

st.title(_("Higher learning rates, less care at init?"))
st.markdown(
    _(
        "Ioffe & Szegedy (2015, §3.3) claim that batch normalization **allows much higher learning "
        "rates** and makes a network **less sensitive to its initialization**: normalizing each "
        "layer's input stops small changes of the parameters from growing into large changes of "
        "the activations and gradients. Below, the paper's MNIST network trained many times over, "
        "without and with BN, across a grid of learning rates and of initial weights. Every run "
        "is short, every cell has 3 seeds, and the words under each chart are computed from the "
        "runs shown."
    )
)

for sweep, heading in (("lr", N_("Learning-rate sweep")), ("init", N_("Init sweep"))):
    st.header(_(heading))
    result = view.shipped_result(sweep)
    if result is None:
        st.warning(
            _(
                "The precomputed sweep (bnviz/data/sweep_{sweep}.npz) is missing or in another "
                "format. Make it with `python -m bnviz.sweep {sweep} --ship`, or run one live below."
            ).format(sweep=sweep)
        )
        continue
    view.render_result(result, f"sweep_{sweep}")
    with st.expander(_("How this sweep was made and measured")):
        notes = [
            *method_notes(result, i18n.translator_now()),
            experiment_page.provenance_text(result.meta),
        ]
        st.markdown("\n".join(f"- {note}" for note in notes))

st.header(_("Why: batch norm ignores the scale of W"))
st.markdown(
    _(
        "With BN after a layer, scaling its weights by any c > 0 scales the batch mean and "
        "standard deviation by c too, so the normalized values, and everything after them, stay "
        "the same: BN((cW)u) = BN(Wu). The gradient does change: ∂ℓ/∂(cW) = (1/c) ∂ℓ/∂W. Larger "
        "weights get smaller gradients, so a step that would blow the weights up slows itself "
        "down. Try it on a freshly initialized copy of the paper's network, without and with BN:"
    )
)
view.render_scale_invariance()

st.header(_("Run it live"))
st.markdown(
    _(
        "Rerun a small sweep on this server, one seed: up to two grid values, each without and "
        "with BN. Short runs on one seed are an anecdote; the shipped sweeps above are the "
        "measurement."
    )
)
view.render_live()
