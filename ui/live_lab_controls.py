"""The live lab's controls: widget keys, the session's run config, and what each control does.

The page (``pages/live_lab.py``) draws the widgets with the keys below; their callbacks here turn
them into calls on the session's :class:`bnviz.train.runner.Runner`, through the server-wide
registry in :mod:`ui.session_runs` (which enforces the cap on training runs). Callbacks run before
the next script run; nothing here draws charts (that is :mod:`ui.live_lab_view`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import streamlit as st

from bnviz.config import ECHO_CHARS, RunConfig
from bnviz.i18n import N_, Message, render
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.runner import Runner
from bnviz.train.sessions import SessionRun
from ui import i18n
from ui.i18n import _
from ui.session_runs import registry, session_id, session_run
from ui.text import plain


class Key:
    """Widget keys: public, since links, tests and screenshots find the widgets by them."""

    PLAY, STEP, RESET, SPEED, LR = "lab_play", "lab_step", "lab_reset", "lab_speed", "lab_lr"
    SHOWN, VIEW, LAYER, POOLED = "lab_shown", "lab_view", "lab_layer", "lab_pooled"
    PRE_BN = "lab_pre_bn"  # show the norm's input Wu instead of the nonlinearity's
    INFERENCE = "lab_inference"  # also show what the layer sees at test time
    STATUS = "lab_status"  # the status line's container
    DATASET, ACTIVATION, DEPTH, WIDTH = "cfg_dataset", "cfg_activation", "cfg_depth", "cfg_width"
    INIT, OPTIMIZER, BATCH_SIZE, SEED = "cfg_init", "cfg_optimizer", "cfg_batch_size", "cfg_seed"
    VARIANTS, GROUPS = "cfg_variants", "cfg_groups"
    PRESENT = "lab_present"  # presenter mode: big charts, only Play, learning rate and Show


# Session state that is not a widget's: the run's config, the URL's warnings, a one-off notice.
CFG, URL_WARNINGS, NOTICE = "lab_cfg", "lab_url_warnings", "lab_notice"
BUSY = "busy"  # the notice after Play found every training slot taken

SPEEDS = {"1/s": 1, "5/s": 5, "20/s": 20, "100/s": 100, "500/s": 500, "max": None}
FULL_SPEED = "max"
MAX_LABEL = N_("max")  # FULL_SPEED, as the control shows it
LRS = [round(m * 10.0**e, 6) for e in range(-3, 3) for m in (1, 2, 5)]  # 0.001 ... 500
# Options of the View and "Percentiles of" controls: English msgids, stored as the widgets' values
# (so a language switch keeps the choice) and shown translated (option_label).
SINGLE, SIDE_BY_SIDE = N_("Single"), N_("Side by side")
ONE_UNIT, ALL_UNITS = N_("one typical unit"), N_("all units of the layer")
KEEP = (
    "page"  # persist_state: a widget hidden by presenter mode keeps its value until it shows again
)
PRESENT_PARAM = "present"  # the URL parameter of presenter mode: a link opens the lab in it
PRESENT_VALUES = {"1": True, "true": True, "0": False, "false": False}
# The widgets that show their options translated: their values survive a language switch.
TRANSLATED_OPTIONS = (
    Key.SPEED, Key.SHOWN, Key.VIEW, Key.POOLED, Key.VARIANTS,
    Key.DATASET, Key.ACTIVATION, Key.INIT, Key.OPTIMIZER,
)  # fmt: skip


@st.cache_resource(show_spinner=False)
def _torch_threads() -> int:
    # Process-wide and set once: each twin steps on one thread, so a few sessions share 2 cores.
    return configure_torch_threads()


def current_config() -> RunConfig:
    """This session's run config: from the URL on first visit (warnings kept for the page)."""
    if CFG not in st.session_state:
        params = st.query_params.to_dict()
        cfg, warnings = RunConfig.from_query_params(params, ignore=(PRESENT_PARAM,))
        present, warning = _present_from(params.get(PRESENT_PARAM))
        st.session_state[CFG] = cfg
        st.session_state[URL_WARNINGS] = warnings + warning
        st.session_state[Key.PRESENT] = present
        _widgets_from(cfg)
    return st.session_state[CFG]


def _present_from(raw: str | None) -> tuple[bool, list[str]]:
    """Presenter mode from the URL's ``present`` value, or off with a warning for a bad value."""
    if raw is None or raw in PRESENT_VALUES:
        return PRESENT_VALUES.get(raw, False), []
    shown = raw if len(raw) <= ECHO_CHARS else raw[: ECHO_CHARS - 1] + "…"
    return False, [
        Message(
            N_("Ignored the URL parameter 'present={value}': it takes 1 or 0 (true or false)."),
            {"value": shown},
        )
    ]


def presenter_mode() -> bool:
    """Whether presenter mode is on; keeps the URL in step, so a link shared from it opens in it
    (and a run started over, which rewrites the URL, keeps it)."""
    current_config()  # on a first visit, reads the mode from the URL
    on = bool(st.session_state.get(Key.PRESENT, False))
    if on and st.query_params.get(PRESENT_PARAM) != "1":
        st.query_params[PRESENT_PARAM] = "1"
    elif not on and PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]
    return on


def _widgets_from(cfg: RunConfig) -> None:
    """Set the network widgets' state to ``cfg`` (before they are drawn)."""
    st.session_state.update(
        {
            Key.VARIANTS: list(cfg.variants),
            Key.GROUPS: cfg.groups,
            Key.DATASET: cfg.dataset,
            Key.ACTIVATION: cfg.activation,
            Key.DEPTH: len(cfg.hidden),
            Key.WIDTH: cfg.hidden[0],
            Key.INIT: cfg.init,
            Key.OPTIMIZER: cfg.optimizer,
            Key.BATCH_SIZE: cfg.batch_size,
            Key.SEED: cfg.seed,
            Key.LR: min(LRS, key=lambda v: abs(v - cfg.lr)),
        }
    )


def _speed() -> float | None:
    return SPEEDS[st.session_state.get(Key.SPEED, FULL_SPEED)]


def session() -> SessionRun:
    """This browser session's run, created from the URL's config on first use."""
    _torch_threads()
    cfg, speed = current_config(), _speed()
    return session_run(lambda: Runner(cfg, steps_per_second=speed))


def url_warnings() -> list[str]:
    """What the first visit's URL asked for that the lab ignored, in the session's language (the
    ``Message``s are kept, so a language switch re-renders them)."""
    return [render(w, i18n.translator_now()) for w in st.session_state.get(URL_WARNINGS, [])]


def speed_labels(tr: Callable[[str], str]) -> Callable[[str], str]:
    """The Speed control's format_func in ``tr``'s language: ``"5/s"`` as it is, ``"max"`` in
    words. (Bound to a translator when drawn: AppTest calls a format_func outside the run.)"""
    return lambda option: tr(MAX_LABEL) if option == FULL_SPEED else option


def one_at_a_time(control: Callable[..., None]) -> Callable[..., None]:
    """Run the callback ``control`` holding the session's run's lock. Streamlit starts a new script
    thread for a press that comes while the last one's callback still runs (``runner.fastReruns``):
    Play pressed while Reset starts a fresh worker would otherwise interleave with it."""

    @functools.wraps(control)
    def serialized(*args, **kwargs) -> None:
        entry = registry().get(session_id())
        if entry is None:
            return control(*args, **kwargs)
        with entry.controls:
            return control(*args, **kwargs)

    return serialized


def _entry() -> SessionRun | None:
    """This session's run, with a fresh runner in place of one that stopped (its worker failed):
    a control pressed after a failure starts over instead of raising on the page."""
    entry = registry().get(session_id())
    if entry is not None and entry.runner.is_stopped:
        start_new_run(current_config())
    return entry


@one_at_a_time
def set_playing(play: bool) -> None:
    """Play or pause, as the button the user saw said: an intent, not a toggle. Streamlit 1.67 now
    and then runs a button's callback twice for one click (seen on Pause while the charts refresh
    themselves; both calls get that button's args), and a toggle would then pause and play again."""
    entry = _entry()
    if entry is None:
        return
    if not play:
        registry().pause(session_id())
    elif not entry.wants_to_train and not registry().play(session_id()):
        st.session_state[NOTICE] = BUSY


@one_at_a_time
def step_once(n: int = 10) -> None:
    """Step ×10 takes a training slot while it steps: a full server says so instead."""
    entry = _entry()
    if entry is not None and not entry.training and not registry().step(session_id(), n):
        st.session_state[NOTICE] = BUSY


@one_at_a_time
def reset_run() -> None:
    entry = registry().get(session_id())
    if entry is None:
        return
    if entry.runner.is_stopped:  # its worker failed: a fresh run on a live worker is the reset
        start_new_run(current_config())
    else:
        entry.runner.reset()


@one_at_a_time
def apply_speed() -> None:
    entry = _entry()
    if entry is not None:
        entry.runner.set_speed(_speed())


@one_at_a_time
def apply_lr() -> None:
    entry = _entry()
    lr = float(st.session_state[Key.LR])
    if entry is not None:
        entry.runner.set_lr(lr)
    st.query_params["lr"] = f"{lr:g}"


def pending_config() -> RunConfig | str:
    """The config the network widgets describe (LR: the live one), or the reason it is invalid."""
    s, cfg = st.session_state, current_config()
    depth, width = int(s[Key.DEPTH]), int(s[Key.WIDTH])
    # Unchanged widgets keep a mixed-width network from a link.
    hidden = cfg.hidden if (depth, width) == (len(cfg.hidden), cfg.hidden[0]) else (width,) * depth
    try:
        return dataclasses.replace(
            cfg,
            variants=tuple(s.get(Key.VARIANTS, cfg.variants)),
            groups=int(s.get(Key.GROUPS, cfg.groups)),
            dataset=s[Key.DATASET],
            activation=s[Key.ACTIVATION],
            hidden=hidden,
            init=s[Key.INIT],
            optimizer=s[Key.OPTIMIZER],
            batch_size=int(s[Key.BATCH_SIZE]),
            seed=int(s[Key.SEED]),
            lr=float(s.get(Key.LR, cfg.lr)),
        )
    except ValueError as err:
        return i18n.error(err)


@one_at_a_time
def start_new_run(cfg: RunConfig) -> None:
    """Replace the session's run with a fresh one for ``cfg`` and put it in the URL (the
    language stays in it; presenter mode puts itself back on the next run)."""
    st.session_state[CFG] = cfg
    registry().replace_runner(session_id(), Runner(cfg, steps_per_second=_speed()))
    st.query_params.from_dict(
        {**cfg.to_query_params(only_changed=True), i18n.PARAM: i18n.current()}
    )


def default_shown(variants: tuple[str, ...]) -> str:
    """The variant a single view shows first: bn when it runs (the lab's protagonist), else the last."""
    return "bn" if "bn" in variants else variants[-1]


def shown_variant(variants: tuple[str, ...]) -> str:
    """The variant the Show control picks, kept among ``variants`` (a new run may drop it)."""
    chosen = st.session_state.get(Key.SHOWN)
    return chosen if chosen in variants else default_shown(variants)


@one_at_a_time
def keep_current_run() -> None:
    _widgets_from(dataclasses.replace(current_config(), lr=float(st.session_state[Key.LR])))


def network_changes(entry: SessionRun) -> None:
    """Apply changed network settings: at once on a fresh run, after a confirmation otherwise."""
    pending, cfg = pending_config(), current_config()
    if isinstance(pending, str):
        st.sidebar.error(plain(pending))
        return
    if dataclasses.replace(pending, lr=cfg.lr) == cfg:
        return
    if entry.runner.snapshot().step == 0:
        start_new_run(pending)
        return
    with st.sidebar.container(border=True):
        st.warning(_("These settings start a **new run**; the current one will be lost."))
        left, right = st.columns(2)
        left.button(_("Start new run"), on_click=start_new_run, args=(pending,), type="primary")
        right.button(_("Keep current"), on_click=keep_current_run)
