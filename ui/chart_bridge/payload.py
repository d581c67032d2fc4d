"""What the live chart bridge sends to the browser: a Plotly figure as JSON, with a constant uirevision.

Pure helpers (plotly only, no streamlit), so they can be tested and measured without a server.

Plotly.js keeps what the user did to a chart (zoom, pan, legend toggles) across ``Plotly.react`` calls
as long as ``layout.uirevision`` stays the same. Figures are rebuilt from scratch on every refresh, so
the bridge forces one constant value here instead of trusting each figure builder to set it.

numpy arrays, in a figure dict or a ``go.Figure``, travel as plotly typed-array specs (``{"dtype":
"f8", "bdata": base64}``), which plotly.js decodes natively: a 3,000-point trace costs ~32 kB of JSON
instead of ~58 kB of decimals.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import is_skipped_key
from plotly.io.json import to_json_plotly

# Any constant works; it must only never change while a chart is on screen.
UIREVISION = "bnviz-live"
# Used when neither the caller nor the figure's layout gives a height: fits a laptop projector.
DEFAULT_HEIGHT = 400
# plotly.js config for every live chart: no logo link (the course site may be offline), and no
# "responsive" flag, because the frontend resizes on its own container (ResizeObserver), which also
# covers a sidebar opening, not only a window resize.
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": False}


def figure_payload(fig: go.Figure | Mapping[str, Any], height: int | None = None) -> dict[str, Any]:
    """The figure as a plotly.js-ready dict ``{"data": [...], "layout": {...}}``.

    ``fig`` is a figure dict (``data`` list of traces, optional ``layout``), sent without validation,
    or a ``go.Figure`` (validated), sent without its template; neither is modified. In the result
    ``layout.uirevision`` is always :data:`UIREVISION`, ``layout.height`` is the chart height in px
    (``height`` if given, else the figure's own, else :data:`DEFAULT_HEIGHT`), ``layout.autosize`` is
    true and ``layout.width`` is removed so the chart takes the width of its column. A ``go.Figure``'s
    arrays are plotly typed-array specs (``{"dtype", "bdata"}``); encode the result with :func:`encode`.

    Raises ``ValueError`` for a height below 50 px, a dict without a ``data`` list, or something that
    is not a figure.
    """
    if isinstance(fig, Mapping):
        if not isinstance(fig.get("data", []), list | tuple):
            raise ValueError("A figure dict needs a 'data' list of traces, e.g. {'data': [...]}.")
        # A dict is sent as it is: plotly.py's validation costs ~100 ms for a figure with a few
        # heatmaps, far more than a 2 Hz refresh can afford; the builders' tests validate instead.
        spec = {"data": fig.get("data") or [], "layout": fig.get("layout") or {}}
    elif isinstance(fig, go.Figure):
        spec = fig.to_plotly_json()  # a fresh dict: plotly.py copies on export
        # With streamlit imported, plotly.py's default template is Streamlit's, whose placeholder
        # colours (#000001, ...) only st.plotly_chart fills in: without it the chart gets plotly.js's
        # own look plus what the layout sets, like a figure dict.
        spec.get("layout", {}).pop("template", None)
    else:
        raise ValueError(
            f"live_chart takes a plotly Figure or a figure dict, not {type(fig).__name__}."
        )

    layout = dict(spec.get("layout") or {})
    if height is None:
        height = int(layout.get("height") or DEFAULT_HEIGHT)
    if height < 50:
        raise ValueError(f"A chart needs a height of at least 50 px, got {height}.")
    layout["height"] = int(height)
    layout["autosize"] = True
    layout.pop("width", None)
    layout["uirevision"] = UIREVISION
    return {"data": list(spec.get("data") or []), "layout": layout}


def encode(message: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON for a message holding figure payloads. Numeric numpy arrays, in a dict or a
    ``go.Figure``, travel as plotly typed arrays (base64, shape kept), other arrays as lists;
    non-finite floats outside arrays become ``null``, as plotly.py writes them.

    It is the costly step of every live refresh: plotly.py's encoder turns a dict's arrays into
    Python lists number by number (~5 ms for one 50x200 heatmap); base64 and the standard library's
    C encoder take a fraction of that."""
    try:
        return json.dumps(
            _plotly_ready(message), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError):  # a type only plotly.py knows (dates, decimals, ...)
        return to_json_plotly(message).encode("utf-8")


def _plotly_ready(obj: Any, key: str | None = None) -> Any:
    """``obj`` with plain JSON types only (see :func:`encode`); ``obj`` is not modified."""
    kind = type(obj)
    if kind is dict:
        return {k: _plotly_ready(v, k) for k, v in obj.items()}
    if kind is list or kind is tuple:
        return [_plotly_ready(v) for v in obj]
    if kind is str or kind is int or kind is bool or obj is None:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.ndarray):
        spec = _typed_array(obj) if not (key and is_skipped_key(key)) else None
        return spec if spec is not None else _plotly_ready(obj.tolist())
    if isinstance(obj, Mapping):
        return _plotly_ready(dict(obj), key)
    if isinstance(obj, np.generic):
        return _plotly_ready(obj.item(), key)
    return obj  # json.dumps decides: a TypeError falls back to plotly.py's encoder


def _typed_array(a: np.ndarray) -> dict[str, str] | None:
    """plotly.js's typed-array spec of a numeric array (None for other arrays): 64-bit integers
    narrowed to the smallest type that holds them, since plotly.js has no int64. The same spec as
    plotly.py's ``to_typed_array_spec``, which copies every array first: 5x slower here, on the
    live lab's path twice a second."""
    if a.size == 0 or a.dtype.kind not in "biuf":
        return None
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    elif a.dtype.kind in "iu" and a.dtype.itemsize == 8:
        lo, hi = int(a.min()), int(a.max())
        fits = [
            t
            for t in (np.int8, np.int16, np.int32)
            if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max
        ]
        if not fits:
            return None
        a = a.astype(fits[0])
    elif a.dtype.kind == "f" and a.dtype.itemsize not in (4, 8):
        a = a.astype(np.float32)
    a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    spec = {"dtype": a.dtype.str[1:], "bdata": base64.b64encode(a.data).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(map(str, a.shape))
    return spec
