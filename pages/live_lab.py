"""Live lab: copies of one network, normalized two to four ways, trained side by side, live.

In presenter mode (a sidebar toggle, or ``?present=1``) the sidebar keeps only Play, the learning
rate and which variant to show, and the page shows two big charts. The hidden widgets keep their
values (``persist_state``), so turning it off restores the page as it was; the run trains on
throughout.
"""

import functools

import streamlit as st

from bnviz.style import variant_label
from bnviz.train.sessions import ServerFull
from ui import i18n, watch
from ui import live_lab_controls as controls
from ui import live_lab_view as view
from ui.i18n import _
from ui.live_lab_controls import KEEP, Key
from ui.live_lab_sidebar import full_sidebar
from ui.text import plain

i18n.keep_across_languages(controls.TRANSLATED_OPTIONS)
watching = watch.token_in_url()
if watching is not None:  # a shared run, read-only: no controls, no run of one's own
    watch.render(watching)
    st.stop()
presenting = controls.presenter_mode()
if not presenting:  # on a projector the two charts take the title's room
    st.title(_("Live lab: one network, with and without normalization"))
    st.caption(
        _(
            "Press **Play**. Every variant starts from identical weights and sees identical "
            "mini-batches; only the normalization differs. Drag the learning rate while they "
            "train and watch who copes."
        )
    )
try:
    entry = controls.session()
except ServerFull as full:
    watch.server_full(str(full))
    st.stop()
for warning in controls.url_warnings():
    st.warning(plain(warning))
if st.session_state.pop(controls.NOTICE, None) == controls.BUSY:
    st.toast(_("The server is busy: your run will start when a training slot frees up."))

wanted = entry.wants_to_train  # read once: the button and the page's polling agree on it
with st.sidebar:
    st.header(_("Run"))
    st.button(
        _("Pause") if wanted else _("Play"),
        key=Key.PLAY,
        icon=":material/pause:" if wanted else ":material/play_arrow:",
        on_click=controls.set_playing,
        args=(not wanted,),
        type="primary",
        width="stretch",
    )
    if not presenting:
        step, reset = st.columns(2)
        step.button(
            _("Step ×10"),
            key=Key.STEP,
            on_click=controls.step_once,
            disabled=entry.training,
            help=_("Take 10 steps (while paused)."),
            width="stretch",
        )
        reset.button(
            _("Reset"),
            key=Key.RESET,
            on_click=controls.reset_run,
            help=_("Start over from step 0."),
            width="stretch",
        )
        st.select_slider(
            _("Speed (steps per second)"),
            options=list(controls.SPEEDS),
            value=controls.FULL_SPEED,
            key=Key.SPEED,
            format_func=controls.speed_labels(i18n.translator_now()),
            on_change=controls.apply_speed,
            help=_("Slow motion for a demo; 'max' trains as fast as this server allows."),
            persist_state=KEEP,
        )
    st.select_slider(
        _("Learning rate (log scale)"),
        options=controls.LRS,
        key=Key.LR,
        format_func=lambda v: f"{v:g}",
        on_change=controls.apply_lr,
        help=_("Applies at the next step of every variant; no restart."),
    )
    variants = controls.current_config().variants
    st.session_state[Key.SHOWN] = controls.shown_variant(variants)  # a new run may have dropped it
    st.segmented_control(
        _("Show"),
        variants,
        key=Key.SHOWN,
        format_func=functools.partial(variant_label, _=i18n.translator_now()),
        required=True,
        help=_("The variant the charts below follow (in Single view)."),
    )
    st.toggle(
        _("Presenter mode"),
        key=Key.PRESENT,
        help=_(
            "For a projector: two big charts, large text, and only Play, learning rate and Show. "
            "Links from the address bar open in it (`?present=1`)."
        ),
    )
    if not presenting:
        full_sidebar(entry)

view.render_live(entry, wanted, presenting)
