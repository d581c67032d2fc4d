"""Which axis? Batch, layer, instance and group norm of one (N, C, H, W) tensor, checked with torch.

Thin page: widgets under ``ui.axes_view.Key``, the state and editors of ``ui.axes_view``, the panels
of ``ui.axes_panels``; all arithmetic is in ``bnviz.arith``.
"""

import streamlit as st

from bnviz.arith import nchw
from bnviz.arith.axes import KINDS
from bnviz.arith.validate import EPS_MAX
from ui import axes_panels as panels
from ui import axes_view as view
from ui import i18n
from ui.axes_view import Key
from ui.i18n import _
from ui.text import plain

view.init_state()
ss = st.session_state

st.title(_("Which axis? Batch, layer, instance and group norm"))
st.caption(
    _(
        "The same arithmetic — subtract a mean, divide by a standard deviation, scale and shift — "
        "over different sets of values. Pick a norm, follow one element, and check every number "
        "against torch."
    )
)

tensor_col, settings_col = st.columns([2, 1], gap="large")
with tensor_col:
    st.subheader(_("Your tensor (N, C, H, W)"))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        for key, label in zip(view.SHAPE_KEYS, nchw.AXES, strict=True):
            st.number_input(label, key=key, min_value=1, max_value=nchw.MAX_SIDE, step=1, width=110)
        st.button(
            _("Random tensor"), key=Key.RANDOM, icon=":material/casino:", on_click=view.on_random
        )
    shape_error = view.sync_shape()
    n, c, h, w = ss[view.SHAPE]
    size, side, budget = n * c * h * w, nchw.MAX_SIDE, nchw.MAX_VALUES
    st.caption(
        _(panels.SHAPE_CAPTION).format(n=n, c=c, h=h, w=w, size=size, side=side, budget=budget)
    )
    x_cells = view.tensor_editor()

with settings_col:
    st.subheader(_("The norm"))
    tr = i18n.translator_now()  # bound now: the widget may format its options outside this run
    kind = st.radio(
        _("Normalize over"), list(KINDS), key=Key.KIND, format_func=lambda k: tr(KINDS[k].title)
    )
    groups_col, eps_col = st.columns(2)
    groups = groups_col.selectbox(
        _("G (groups, group norm)"), view.group_choices(), key=Key.GROUPS, disabled=kind != "group"
    )
    eps = eps_col.number_input(
        "ε (eps)", key=Key.EPS, min_value=0.0, max_value=EPS_MAX, format="%.1e", step=1e-5
    )
    st.caption(_("γ and β, one per channel (torch's initial values are 1 and 0):"))
    gamma_cells, beta_cells = view.affine_editor()

shown, error = view.compute(x_cells, gamma_cells, beta_cells, kind, groups, eps)
for message in (shape_error, error):
    if message:
        panels.render_refused(plain(message), shown)
st.divider()
panels.render(shown)
