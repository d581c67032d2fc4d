"""Live chart bridge: Plotly charts that update in place while training runs.

``st.plotly_chart`` re-creates its chart whenever the figure's data changes, so a chart refreshed
twice a second flickers and forgets the user's zoom. :func:`live_chart` instead keeps one plot div
per chart for the whole session and hands every new figure to ``Plotly.react``, with
``layout.uirevision`` forced to a constant so zoom, pan and legend toggles survive the updates::

    @st.fragment(run_every=0.5)
    def curves():
        live_chart(loss_figure(runner.snapshot()), key="loss")

How it is wired, and why (checked against the Streamlit 1.67 source in the venv):

- **Components v2** (``st.components.v2.component``) with inline HTML/JS and
  ``isolate_styles=False``. The chart is an ordinary div in the app's page, not an iframe. Streamlit
  inserts the component's HTML once and, on every rerun whose data changed, calls the JS module's
  default export again with the same ``parentElement``; with a ``key`` the element keeps its
  identity while its data changes. No shadow root: plotly.js puts its stylesheet in
  ``document.head``, which a shadow root would not see.
- **plotly.js from the installed ``plotly`` package**, no CDN. v2 serves asset files only for
  installed packages that declare an ``asset_dir`` in a manifest, which a fresh clone is not, so the
  file is served by ``st.components.v1.declare_component(path=<plotly>/package_data)``. That is only
  Streamlit's static route for a directory (``/component/ui.chart_bridge.plotly_js/plotly.min.js``,
  gzip-compressed); nothing is copied or written, so a read-only ``/app`` and site-packages are fine.
  (The directory's other files, plotly's templates and sample datasets, become readable too; they
  are public package data.) Without an iframe the page loads plotly.js once, through one
  ``<script>`` tag shared by all charts; each chart then costs one div.
- Rejected: v1 iframes (one 4.6 MB plotly.js download and parse per chart, plus a hand-written
  postMessage protocol and frame-height handshake); Streamlit static serving (needs a ``static/``
  copy next to the app and a config flag); inlining plotly.js in the component's ``js`` (it would
  travel with every rerun's message).

The figure travels as UTF-8 JSON bytes (see :mod:`ui.chart_bridge.payload`); numpy arrays, in a
figure dict or a ``go.Figure``, become plotly's base64 typed arrays. The element's height is set on
the Streamlit side, so its space is reserved before plotly.js arrives and nothing below the chart
moves while the data changes.

Cost on the Python side, encoding a built figure dict (the live lab's seven charts after 3,000
steps): 0.3-1 ms per chart, 4 ms for all seven; a two-layer heatmap in float32 is ~37 kB. The
live lab's pages share what many sessions show (``prepare``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components_v1
from streamlit import config
from streamlit.runtime import Runtime

from ui.chart_bridge.payload import PLOTLY_CONFIG, encode, figure_payload

__all__ = ["PreparedChart", "live_chart", "plotly_js_url", "prepare"]

_FRONTEND = Path(__file__).with_name("frontend")
_PLOTLY_DIR = Path(str(resources.files("plotly") / "package_data"))
_PLOTLY_FILE = "plotly.min.js"
_PLOTLY_ROUTE = f"{__name__}.plotly_js"  # declare_component prefixes the caller's module name

if not (_PLOTLY_DIR / _PLOTLY_FILE).is_file():  # pragma: no cover - a broken plotly install
    raise ImportError(f"plotly.js not found at {_PLOTLY_DIR / _PLOTLY_FILE}; reinstall plotly.")

_HTML = '<div class="bnviz-live-chart"></div>'
_CSS = """
.bnviz-live-chart { position: relative; width: 100%; overflow: hidden; }
.bnviz-live-chart .bnviz-plot { width: 100%; height: 100%; }
.bnviz-live-chart .bnviz-note {
  position: absolute; top: 0.5rem; left: 0.5rem; pointer-events: none;
  font-size: 0.8rem; opacity: 0.6;
}
.bnviz-live-chart .bnviz-note.bnviz-error { opacity: 1; color: #c0392b; }
"""

_mount = st.components.v2.component(
    "bnviz_live_chart",
    html=_HTML,
    css=_CSS,
    js=(_FRONTEND / "bridge.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def plotly_js_url() -> str:
    """Server-relative URL of the plotly.js bundle; registers its route on the running server.

    The route lives in the runtime's component registry, so it is registered once per runtime
    (``declare_component`` inspects every loaded module to name the component: ~8 ms, too much
    for every refresh), and not at all outside a script run. The URL ends in ``?v=<plotly
    version>``: Streamlit ignores it, and a proxy may cache the file for good (deploy/nginx.conf),
    because another plotly is another URL.
    """
    runtime = Runtime.instance() if Runtime.exists() else None
    if runtime is not None and runtime.component_registry.get_component(_PLOTLY_ROUTE) is None:
        component = components_v1.declare_component("plotly_js", path=_PLOTLY_DIR)
        if component.name != _PLOTLY_ROUTE:  # pragma: no cover - streamlit changed its naming
            raise RuntimeError(f"plotly.js route registered as {component.name!r}")
    base = config.get_option("server.baseUrlPath").strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/component/{_PLOTLY_ROUTE}/{_PLOTLY_FILE}?v={plotly.__version__}"


@dataclass(frozen=True)
class PreparedChart:
    """A figure encoded for the bridge once, to be shown to many viewers (``live_chart``)."""

    data: bytes
    height: int


def prepare(fig: go.Figure | Mapping[str, Any], height: int | None = None) -> PreparedChart:
    """Encode ``fig`` for :func:`live_chart` (see there for ``height``): building the JSON is the
    costly part of a chart, so what many sessions show is prepared once and shared."""
    payload = figure_payload(fig, height)
    message = {
        "figure": payload,
        "config": PLOTLY_CONFIG,
        "height": payload["layout"]["height"],
        "plotlySrc": plotly_js_url(),
    }
    return PreparedChart(encode(message), payload["layout"]["height"])


def live_chart(
    fig: go.Figure | Mapping[str, Any] | PreparedChart, *, key: str, height: int | None = None
) -> None:
    """Show ``fig`` and update it in place on later calls with the same ``key``.

    Call it on every run (typically inside ``st.fragment(run_every=...)``) with a freshly built
    figure; the browser keeps one plot per ``key`` and redraws it with ``Plotly.react``, keeping the
    user's zoom, pan and legend state. ``key`` must be unique on the page. ``height`` is in px
    (default: the figure's ``layout.height``, else 400); the width follows the column. The chart has
    plotly.js's own look plus what the figure's layout sets; a ``go.Figure``'s template is not sent.
    ``fig`` may be a :class:`PreparedChart` (``height`` then comes with it).
    Raises ``ValueError`` for something that is not a figure, or a height below 50 px.
    """
    if not key:
        raise ValueError("live_chart needs a key, e.g. key='loss', so the chart can be updated.")
    chart = fig if isinstance(fig, PreparedChart) else prepare(fig, height)
    _mount(key=key, data=chart.data, height=chart.height, width="stretch")
