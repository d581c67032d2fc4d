"""Reading what the live chart bridge sends: plotly.js typed-array specs back to numpy."""

from __future__ import annotations

import base64

import numpy as np


def decode_typed_array(spec) -> np.ndarray:
    """Inverse of a typed-array spec (``{"dtype", "bdata", "shape"?}``), as plotly.js reads it; a
    list is taken as it is."""
    if isinstance(spec, list):
        return np.asarray(spec)
    array = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"])
    if "shape" in spec:  # "rows, cols"
        array = array.reshape([int(n) for n in str(spec["shape"]).split(",")])
    return array
