"""Live chart bridge demo: a growing two-line chart and a changing heatmap, refreshed twice a second.

The line chart is a ``go.Figure`` (on Streamlit's default template, which the bridge does not send);
the heatmap is a figure dict, as the app's own figure builders return.

Served by tests/e2e/test_chart_bridge.py; also handy by hand:
``.venv/bin/python -m streamlit run tests/e2e/apps/bridge_demo.py`` from the repository root
(``-m`` puts the root on ``sys.path``, so ``ui`` imports). The refresh number is shown as text and in
each chart's title, so a test can see the data change.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.chart_bridge import live_chart

REFRESH_S = 0.5  # the live lab's refresh period
POINTS_PER_REFRESH = 20


def line_figure(n: int) -> go.Figure:
    steps = np.arange(POINTS_PER_REFRESH * (n + 1))
    plain = np.exp(-steps / 900.0) + 0.05 * np.sin(steps / 7.0)
    bn = np.exp(-steps / 200.0) + 0.03 * np.sin(steps / 5.0)
    fig = go.Figure(
        [
            go.Scatter(x=steps, y=plain, mode="lines", name="plain"),
            go.Scatter(x=steps, y=bn, mode="lines", name="bn"),
        ]
    )
    fig.update_layout(title=f"Growing lines, refresh {n}", xaxis_title="step", yaxis_title="loss")
    return fig


def heatmap_figure(n: int) -> dict:
    rng = np.random.default_rng(n)
    z = rng.standard_normal((50, 200)).cumsum(axis=1)  # (units, bins)
    return {
        "data": [{"type": "heatmap", "z": z}],
        "layout": {"title": {"text": f"Heatmap 200x50, refresh {n}"}},
    }


st.title("Chart bridge demo")


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    n = st.session_state.get("refresh", 0)
    st.session_state["refresh"] = n + 1
    st.text(f"refresh {n}")
    live_chart(line_figure(n), key="line", height=320)
    live_chart(heatmap_figure(n), key="heatmap", height=320)


live()
st.caption("Below the live fragment: this must not move while the charts refresh.")
