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
from bnviz.train.variants import LAB_VARIANTS, MAX_VARIANTS, MIN_VARIANTS, VARIANTS
from ui import i18n, watch
from ui import live_lab_controls as controls
from ui.i18n import _
from ui.live_lab_controls import KEEP, Key


def full_sidebar(entry: SessionRun) -> None:
    """The rest of the sidebar, hidden in presenter mode: view, what to show, the network."""
    tr = i18n.translator_now()  # format_funcs bound to the language now (AppTest calls them later)
    st.segmented_control(
        _("View"),
        [controls.SINGLE, controls.SIDE_BY_SIDE],
        default=controls.SINGLE,
        format_func=tr,
        key=Key.VIEW,
        required=True,
        persist_state=KEEP,
    )
    st.header(_("What to show"))
    depth = len(controls.current_config().hidden)
    if st.session_state.get(Key.LAYER, depth) > depth:
        st.session_state[Key.LAYER] = depth
    st.selectbox(
        _("Layer for the percentile chart"),
        range(1, depth + 1),
        index=depth - 1,
        key=Key.LAYER,
        persist_state=KEEP,
    )
    st.radio(
        _("Percentiles of"),
        [controls.ONE_UNIT, controls.ALL_UNITS],
        format_func=tr,
        key=Key.POOLED,
        persist_state=KEEP,
    )
    st.toggle(
        _("Also show the test-time view"),
        key=Key.INFERENCE,
        help=_(
            "For variants with running averages (BN), the percentiles in inference mode, dashed. "
            "Layer and group norm compute the same at test time as in training."
        ),
        persist_state=KEEP,
    )
    st.toggle(
        _("Show the input to the normalization (Wu)"),
        key=Key.PRE_BN,
        help=_(
            "In the distributions over time, for variants that normalize before the nonlinearity."
        ),
        persist_state=KEEP,
    )

    st.header(_("Network (starts a new run)"))
    st.multiselect(
        _("Variants to compare ({min} to {max})").format(min=MIN_VARIANTS, max=MAX_VARIANTS),
        LAB_VARIANTS,
        key=Key.VARIANTS,
        format_func=lambda n: tr(VARIANTS[n].label),
        max_selections=MAX_VARIANTS,
        help=_("Each starts from the same weights and sees the same mini-batches."),
        persist_state=KEEP,
    )
    if "gn" in st.session_state.get(Key.VARIANTS, ()):
        st.number_input(
            _("Groups (group norm)"), 1, MAX_WIDTH, key=Key.GROUPS, persist_state=KEEP,
            help=_("Group norm normalizes each example over each of this many groups of units; "
                   "it must divide the units per layer."),
        )  # fmt: skip

    def choice(title: str, key: str, table: dict) -> None:
        st.selectbox(
            title,
            list(table),
            key=key,
            format_func=lambda n: tr(table[n].label),
            persist_state=KEEP,
        )

    choice(_("Data"), Key.DATASET, DATASETS)
    choice(_("Activation"), Key.ACTIVATION, ACTIVATIONS)
    st.slider(_("Hidden layers"), 1, MAX_DEPTH, key=Key.DEPTH, persist_state=KEEP)
    st.number_input(_("Units per layer"), 1, MAX_WIDTH, step=10, key=Key.WIDTH, persist_state=KEEP)
    choice(_("Weight init"), Key.INIT, INITS)
    choice(_("Optimizer"), Key.OPTIMIZER, OPTIMIZERS)
    st.number_input(_("Batch size"), 2, MAX_BATCH, step=10, key=Key.BATCH_SIZE, persist_state=KEEP)
    st.number_input(
        _("Seed"), min_value=0, max_value=2**31 - 1, step=1, key=Key.SEED, persist_state=KEEP
    )
    controls.network_changes(entry)
    cfg = controls.current_config()
    st.caption(
        _("Now running: {summary}. {description}.").format(
            summary=cfg.summary(tr, code=True), description=describe(cfg.dataset, tr)
        )
    )
    watch.share_panel()
