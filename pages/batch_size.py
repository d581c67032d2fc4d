"""Batch size and BN: why batch norm breaks down with small batches — a shipped sweep, and live."""

import streamlit as st

from bnviz.sweep.batch_captions import method_notes
from ui import batch_view as view
from ui import experiment_page, i18n
from ui.i18n import _

st.title(_("Why does batch norm break down with small batches?"))
st.markdown(
    _(
        "Batch norm normalizes each unit with the mean and variance of the current mini-batch. "
        "With a batch of 60 those are decent estimates; with a batch of 2 they are mostly noise. "
        "Below, the paper's MNIST network trained with batch norm, layer norm and group norm (and "
        "without normalization, for reference) at batch sizes from 2 to 256, every run seeing the "
        "same number of training examples, 3 seeds each. The words under each chart are computed "
        "from the runs shown."
    )
)

result = view.shipped_result()
if result is None:
    st.warning(
        _(
            "The precomputed sweep (bnviz/data/sweep_batch.npz) is missing or in another format. "
            "Make it with `python -m bnviz.sweep batch --ship`, or run a small one live below."
        )
    )
else:
    view.render_result(result, "batch_shipped")
    with st.expander(_("How this sweep was made and measured")):
        notes = [
            *method_notes(result, i18n.translator_now()),
            experiment_page.provenance_text(result.meta),
        ]
        st.markdown("\n".join(f"- {note}" for note in notes))

st.header(_("Why small batches hurt batch norm"))
st.markdown(
    _(
        "- **Noisy statistics.** While training, BN computes μ_B and σ²_B from the m examples of "
        "the batch. An average of m draws strays from the true mean by about 1/√m of a standard "
        "deviation, and the variance is noisier still (the panel above measures both). At m = 2, "
        "each unit's two values become about −1 and +1, whatever they were.\n"
        "- **The network trains on that noise.** An example's normalized value depends on which "
        "other examples share its batch, so each step's signal is blurred by the batch it came "
        "in.\n"
        "- **Train/test mismatch.** At test time BN switches to running averages of the "
        "statistics: one fixed normalization, not the batch-to-batch one the network trained "
        "with. The smaller the batch, the more the two modes disagree on the same digits: the "
        "gap chart above.\n"
        "- **Layer norm and group norm** compute their mean and variance over one example's own "
        "units (all of them, or a group), never over the batch: the batch size does not enter the "
        "normalization, and training and testing compute the same thing. (The batch size still "
        "changes the optimization, even with the learning rate scaled with it: larger batches "
        "take fewer, larger steps.)"
    )
)

st.header(_("Run it live"))
st.markdown(
    _(
        "Rerun a small batch sweep on this server, one seed: up to three batch sizes and three "
        "variants, each run seeing the chosen number of training examples. One seed of short runs "
        "is an anecdote; the shipped sweep above is the measurement."
    )
)
view.render_live()
