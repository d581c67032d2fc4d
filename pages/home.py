"""Start page: what bnviz shows and where to begin."""

import streamlit as st

from bnviz.i18n import N_
from ui.i18n import _

st.title(_("bnviz — batch normalization, made visible"))
st.markdown(
    _(
        "Train two copies of the same network side by side — one **without** and one **with** batch "
        "normalization — and watch what happens inside them while they learn. Then take batch norm "
        "apart, one number at a time."
    )
)
st.info(
    _(
        "Ioffe & Szegedy (2015) proposed batch norm to reduce *internal covariate shift*: the change "
        "in a layer's input distribution while the layers below it learn. Later work (Santurkar et "
        "al., NeurIPS 2018) found that batch norm still helps when such shift is injected on "
        "purpose, and that it makes the loss landscape smoother; bnviz shows the claim and the test "
        "of it."
    ),
    icon=":material/history_edu:",
)

# (title, title icon, what it shows, page, link label, link icon)
CARDS = [
    (
        N_("Live lab"),
        ":material/monitoring:",
        N_(
            "Twin networks train live on MNIST. Watch the input to each sigmoid move as the layers "
            "below learn, without and with batch norm; drag the learning rate and see who copes."
        ),
        "pages/live_lab.py",
        N_("Open the live lab"),
        ":material/play_arrow:",
    ),
    (
        N_("BN arithmetic"),
        ":material/calculate:",
        N_(
            "Type a small batch and step through mean, variance, normalize, scale and shift with the "
            "real numbers substituted — then check the result against `torch.nn.BatchNorm1d`."
        ),
        "pages/bn_arithmetic.py",
        N_("Step through the math"),
        ":material/functions:",
    ),
    (
        N_("Paper Figure 1"),
        ":material/article:",
        N_(
            "Ioffe & Szegedy (2015), Figure 1, reproduced on real MNIST: test accuracy, and the "
            "15th, 50th and 85th percentiles of a sigmoid's input over training."
        ),
        "pages/paper_figure1.py",
        N_("See the figure"),
        ":material/insert_chart:",
    ),
    (
        N_("Which axis?"),
        ":material/view_in_ar:",
        N_(
            "Batch, layer, instance and group norm on one (N, C, H, W) tensor you edit: which "
            "numbers share a mean and a variance, each step substituted, checked against torch.nn."
        ),
        "pages/which_axis.py",
        N_("Compare the axes"),
        ":material/grid_on:",
    ),
    (
        N_("Learning rate and init"),
        ":material/tune:",
        N_(
            "The paper's claim that batch norm allows higher learning rates and less careful "
            "initialization, tested over a grid of both with three seeds each."
        ),
        "pages/lr_init_sweeps.py",
        N_("See the sweeps"),
        ":material/grid_view:",
    ),
    (
        N_("Batch size and BN"),
        ":material/stacks:",
        N_(
            "Why batch norm breaks down with small batches: test accuracy from batch 2 to 256 with "
            "batch, layer and group norm, and how noisy each batch's mean and variance are."
        ),
        "pages/batch_size.py",
        N_("See why"),
        ":material/stacks:",
    ),
    (
        N_("Does BN reduce ICS?"),
        ":material/quiz:",
        N_(
            "Santurkar et al. (2018) put the claim to the test: noisy BN, internal covariate shift "
            "measured as gradient change, and the smoothness of the loss, on the same network."
        ),
        "pages/does_bn_reduce_ics.py",
        N_("Test the claim"),
        ":material/science:",
    ),
]
for row in (CARDS[i : i + 2] for i in range(0, len(CARDS), 2)):
    for column, (title, title_icon, text, page, label, icon) in zip(
        st.columns(2, border=True), row, strict=False
    ):
        with column:
            st.subheader(f"{title_icon} {_(title)}")
            st.write(_(text))
            st.page_link(page, label=_(label), icon=icon)

st.divider()
st.subheader(_("What batch normalization computes"))
st.markdown(
    _(
        "For each feature, over a mini-batch of $m$ examples, batch norm subtracts the batch mean "
        "and divides by the batch standard deviation (the *biased* variance, divided by $m$), so "
        "that $\\hat{x}$ has mean 0 and variance 1 per feature; then a learned scale $\\gamma$ and "
        "shift $\\beta$ restore what the layer needs:"
    )
)
st.latex(
    r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i \qquad "
    r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} (x_i - \mu_B)^2 \qquad "
    r"\hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} \qquad "
    r"y_i = \gamma\,\hat{x}_i + \beta"
)
st.caption(
    _(
        "At inference the batch statistics are replaced by running averages; the running variance "
        "uses the unbiased estimate m/(m−1)·σ²_B. Every number bnviz shows is checked against "
        "torch.nn in its tests."
    )
)
