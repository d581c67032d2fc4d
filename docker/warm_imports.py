"""Import what the bnviz server loads at start-up and on a first page, so their bytecode is in the image.

The image build deletes every ``__pycache__`` of the virtualenv (~170 MB, most of it for modules a running
app never imports) and then runs this script once, which writes bytecode for the ~45 MB that it does
import. Anything else still works: Python compiles it in memory when first imported. Exits non-zero if
torch is not the CPU-only build or cannot train a BN layer.
"""

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects as go
import plotly.io  # noqa: F401
import pyarrow  # noqa: F401
import streamlit.testing.v1  # noqa: F401
import streamlit.web.bootstrap  # noqa: F401
import torch

assert torch.version.cuda is None, "torch must be the CPU-only build"
x = torch.randn(60, 100, requires_grad=True)  # (batch, features), the paper's batch size
torch.nn.BatchNorm1d(100)(torch.nn.Linear(100, 100)(x)).sigmoid().sum().backward()
assert x.grad is not None and x.grad.shape == (60, 100)

# The trace types the pages draw; plotly loads each one's validators on first use.
figure = go.Figure(
    [go.Scatter(y=[0, 1]), go.Histogram(x=[0, 1]), go.Heatmap(z=[[0]]), go.Bar(y=[1])]
)
figure.update_layout(title="warm-up", uirevision="constant")
figure.to_json()
