"""Start page: what bnviz shows and where to begin."""

import streamlit as st

st.title("bnviz — batch normalization, made visible")
st.markdown(
    "Train two copies of the same network side by side — one **without** and one **with** batch "
    "normalization — and watch what happens inside them while they learn. Then take batch norm apart, "
    "one number at a time."
)
st.info(
    "Ioffe & Szegedy (2015) proposed batch norm to reduce *internal covariate shift*: the change "
    "in a layer's input distribution while the layers below it learn. Later work (Santurkar et al., "
    "NeurIPS 2018) found that batch norm still helps when such shift is injected on purpose, and "
    "that it makes the loss landscape smoother; bnviz shows the claim and the test of it.",
    icon=":material/history_edu:",
)

col_lab, col_math, col_paper = st.columns(3, border=True)
with col_lab:
    st.subheader(":material/monitoring: Live lab")
    st.write(
        "Twin networks train live on MNIST. Watch the inputs to each sigmoid drift without batch norm "
        "and stay put with it; drag the learning rate and see who survives."
    )
    st.page_link("pages/live_lab.py", label="Open the live lab", icon=":material/play_arrow:")
with col_math:
    st.subheader(":material/calculate: BN arithmetic")
    st.write(
        "Type a small batch and step through mean, variance, normalize, scale and shift with the real "
        "numbers substituted — then check the result against `torch.nn.BatchNorm1d`."
    )
    st.page_link(
        "pages/bn_arithmetic.py", label="Step through the math", icon=":material/functions:"
    )
with col_paper:
    st.subheader(":material/article: Paper Figure 1")
    st.write(
        "Ioffe & Szegedy (2015), Figure 1, reproduced on real MNIST: test accuracy, and the 15th, 50th and "
        "85th percentiles of a sigmoid's input over training."
    )
    st.page_link("pages/paper_figure1.py", label="See the figure", icon=":material/insert_chart:")

st.divider()
st.subheader("What batch normalization computes")
st.markdown(
    "For each feature, over a mini-batch of $m$ examples, batch norm subtracts the batch mean and divides "
    "by the batch standard deviation (the *biased* variance, divided by $m$), so that $\\hat{x}$ has mean "
    "0 and variance 1 per feature; then a learned scale $\\gamma$ and shift $\\beta$ restore what the "
    "layer needs:"
)
st.latex(
    r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i \qquad "
    r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} (x_i - \mu_B)^2 \qquad "
    r"\hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} \qquad "
    r"y_i = \gamma\,\hat{x}_i + \beta"
)
st.caption(
    "At inference the batch statistics are replaced by running averages; the running variance uses "
    "the unbiased estimate m/(m−1)·σ²_B. Every number bnviz shows is checked against torch.nn in its "
    "tests."
)
