"""The live lab's full sidebar (hidden in presenter mode): the view, what to show, the network.

Every widget here keeps its value while presenter mode hides it (``persist_state``). Network
settings, the variants among them, start a new run through :func:`ui.live_lab_controls.network_changes`.
"""

from __future__ import annotations

import streamlit as st

from bnviz.config import MAX_BATCH, MAX_DEPTH, MAX_WIDTH
from bnviz.data import DATASETS, describe
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS
from bnviz.train.optim import OPTIMIZERS
from bnviz.train.sessions import SessionRun
from bnviz.train.variants import LAB_VARIANTS, MAX_VARIANTS, VARIANTS
from ui import live_lab_controls as controls
from ui import watch
from ui.live_lab_controls import KEEP, Key


def full_sidebar(entry: SessionRun) -> None:
    """The rest of the sidebar, hidden in presenter mode: view, what to show, the network."""
    st.segmented_control(
        "View",
        [controls.SINGLE, controls.SIDE_BY_SIDE],
        default=controls.SINGLE,
        key=Key.VIEW,
        required=True,
        persist_state=KEEP,
    )
    st.header("What to show")
    depth = len(controls.current_config().hidden)
    if st.session_state.get(Key.LAYER, depth) > depth:
        st.session_state[Key.LAYER] = depth
    st.selectbox(
        "Layer for the percentile chart",
        range(1, depth + 1),
        index=depth - 1,
        key=Key.LAYER,
        persist_state=KEEP,
    )
    st.radio(
        "Percentiles of",
        [controls.ONE_UNIT, controls.ALL_UNITS],
        key=Key.POOLED,
        persist_state=KEEP,
    )
    st.toggle(
        "Also show the test-time view",
        key=Key.INFERENCE,
        help="For variants with running averages (BN), the percentiles in inference mode, dashed. "
        "Layer and group norm compute the same at test time as in training.",
        persist_state=KEEP,
    )
    st.toggle(
        "Show the input to the normalization (Wu)",
        key=Key.PRE_BN,
        help="In the distributions over time, for variants that normalize before the nonlinearity.",
        persist_state=KEEP,
    )

    st.header("Network (starts a new run)")
    st.multiselect(
        f"Variants to compare (2 to {MAX_VARIANTS})",
        LAB_VARIANTS,
        key=Key.VARIANTS,
        format_func=lambda n: VARIANTS[n].label,
        max_selections=MAX_VARIANTS,
        help="Each starts from the same weights and sees the same mini-batches.",
        persist_state=KEEP,
    )
    if "gn" in st.session_state.get(Key.VARIANTS, ()):
        st.number_input(
            "Groups (group norm)", 1, MAX_WIDTH, key=Key.GROUPS, persist_state=KEEP,
            help="Group norm normalizes each example over each of this many groups of units; "
            "it must divide the units per layer.",
        )  # fmt: skip

    def choice(title: str, key: str, table: dict) -> None:
        st.selectbox(
            title, list(table), key=key, format_func=lambda n: table[n].label, persist_state=KEEP
        )

    choice("Data", Key.DATASET, DATASETS)
    choice("Activation", Key.ACTIVATION, ACTIVATIONS)
    st.slider("Hidden layers", 1, MAX_DEPTH, key=Key.DEPTH, persist_state=KEEP)
    st.number_input("Units per layer", 1, MAX_WIDTH, step=10, key=Key.WIDTH, persist_state=KEEP)
    choice("Weight init", Key.INIT, INITS)
    choice("Optimizer", Key.OPTIMIZER, OPTIMIZERS)
    st.number_input("Batch size", 2, MAX_BATCH, step=10, key=Key.BATCH_SIZE, persist_state=KEEP)
    st.number_input(
        "Seed", min_value=0, max_value=2**31 - 1, step=1, key=Key.SEED, persist_state=KEEP
    )
    controls.network_changes(entry)
    cfg = controls.current_config()
    st.caption(f"Now running: {cfg.summary()}. {describe(cfg.dataset)}.")
    watch.share_panel()
