"""A lecturer's run on every student's laptop: "Share this run", and ``/live-lab?watch=<token>``.

- The owner's sidebar has a share panel: a name for the banner and a link (``bnviz.train.shares``).
  While shared, the owner's page tells the share what it shows (network, layer, view), so viewers
  follow the owner's Batch norm toggle and see the owner's learning-rate changes as they happen.
- A viewer's page has no controls: a banner saying whose run it is, its status, and the owner's two
  main charts, refreshed twice a second. The charts are built once per report of the run and per
  view, and the same prepared bytes go to every viewer (``ui.chart_bridge.prepare``).
- A wrong or ended token gets a clear message and a link to start one's own run.
- Every link it makes (the share link, "Start your own run", the offer) carries the session's
  ``?lang=``, so whoever opens it reads the language the link was made in.

Across replicas, the token starts with the owner's sticky-route key, and the proxy routes a
``?watch=`` request by it (deploy/nginx.conf), so the viewer lands on the replica that trains the run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import streamlit as st

from bnviz import style
from bnviz.i18n import N_
from bnviz.style import VARIANT_LABELS
from bnviz.train import plots
from bnviz.train.sessions import SERVER_FULL
from bnviz.train.shares import DEFAULT_OWNER, MAX_OWNER_CHARS, Share, ShareRegistry
from ui import i18n
from ui.chart_bridge import PreparedChart, live_chart, prepare
from ui.i18n import _
from ui.session_runs import registry, run_key
from ui.text import plain

PARAM = "watch"
ROUTE_COOKIE = "bnviz_route"  # deploy/nginx.conf's sticky-route cookie
REFRESH_S = 0.5
CACHED_VIEWS = 64  # prepared chart sets kept: a few per shared run
OWNER_KEY = "share_owner"
SHARE_KEY = "share_button"
STOP_KEY = "share_stop"
# The name a share gets when its owner types none (bnviz.train.shares.DEFAULT_OWNER), translated.
DEFAULT_OWNER_MSGID = N_("The lecturer")


@st.cache_resource(show_spinner=False)
def shares() -> ShareRegistry:
    """The process-wide share table; a share lives as long as its run is in the registry."""
    return ShareRegistry(lambda key: registry().get(key) is not None)


# -- the owner's side ---------------------------------------------------------------------------------


def share_panel() -> None:
    """The sidebar's "Share this run" section."""
    key = run_key()
    current = shares().of_session(key)
    st.header(_("Share this run"))
    st.text_input(
        _("Your name, as viewers see it"),
        max_chars=MAX_OWNER_CHARS,
        key=OWNER_KEY,
        placeholder=_(DEFAULT_OWNER_MSGID),
    )
    st.button(
        _("Update the shared name") if current else _("Share this run"),
        key=SHARE_KEY,
        on_click=_share,
        icon=":material/share:",
        width="stretch",
    )
    error = st.session_state.pop("share_error", None)
    if error:
        st.error(plain(error))
    if current is not None:
        st.caption(_("Anyone with this link sees this run live, read-only:"))
        with st.container(key="share_link"):
            st.code(_link(current), language=None, wrap_lines=True)
        st.button(_("Stop sharing"), key=STOP_KEY, on_click=_stop_sharing, width="stretch")


def _share() -> None:
    route = st.context.cookies.get(ROUTE_COOKIE)
    try:  # no name: the registry's default, which every viewer reads in their own language
        shares().share(run_key(), st.session_state.get(OWNER_KEY) or "", route=route)
    except ValueError as exc:
        st.session_state["share_error"] = i18n.error(exc)


def _stop_sharing() -> None:
    shares().stop_sharing(run_key())


def _query(token: str | None = None) -> str:
    """``?watch=<token>&lang=<the session's>``, or only the language without a token."""
    lang = f"{i18n.PARAM}={i18n.current()}"
    return f"?{PARAM}={token}&{lang}" if token else f"?{lang}"


def _link(share: Share) -> str:
    base = (st.context.url or "").rstrip("/")
    page = base if base.endswith("/live-lab") else f"{base}/live-lab"
    return f"{page}{_query(share.token)}"


def _owner(share: Share) -> str:
    """The owner's name as typed (escaped), or the default name in the session's language."""
    return _(DEFAULT_OWNER_MSGID) if share.owner == DEFAULT_OWNER else plain(share.owner)


def _start_own_run() -> str:
    return "[{text}](live-lab{query})".format(text=_("Start your own run"), query=_query())


def follow(view: dict[str, Any]) -> None:
    """The owner's page shows ``view`` (keys: main, layer, unit, inference); viewers follow it."""
    shares().follow(run_key(), view)


def offer_text() -> str | None:
    """A sentence with a link to the newest shared run on this server, or None."""
    share = shares().newest()
    if share is None:
        return None
    return _("Meanwhile, watch {owner}'s run: [open it]({link}).").format(
        owner=_owner(share), link=f"live-lab{_query(share.token)}"
    )


def server_full(message: str) -> None:
    """The page of a session the server has no room for: why, a retry, and a shared run.
    ``message`` is ``ServerFull``'s sentence (English); the registry's own is shown translated."""
    st.title(_("Live lab"))
    n = registry().max_sessions
    st.error(plain(_(SERVER_FULL).format(n=n) if message == SERVER_FULL.format(n=n) else message))
    offer = offer_text()
    if offer:
        st.markdown(offer)
    st.button(_("Try again"), key="server_full_retry", icon=":material/refresh:", type="primary")


# -- the viewer's side ---------------------------------------------------------------------------------


def token_in_url() -> str | None:
    value = st.query_params.get(PARAM)
    return None if value is None else str(value)


def render(token: str) -> None:
    """The whole page of a viewer of ``token``'s run."""
    share = shares().find(token)
    if share is None:
        st.title(_("Live lab"))
        st.warning(
            _(
                "This link does not lead to a shared run: the run has ended, its owner stopped "
                "sharing it, or the link is incomplete. Ask for a new link, or start your own run."
            )
        )
        st.markdown(_start_own_run())
        return
    st.title(_("Live lab: a shared run"))
    st.info(
        _(
            "You are watching **{owner}**'s run, live and read-only: its owner plays, pauses and "
            "changes the learning rate. {start_link} to try it yourself."
        ).format(owner=_owner(share), start_link=_start_own_run())
    )
    with st.sidebar:
        st.caption(_("The controls of this run are its owner's."))
    st.fragment(run_every=REFRESH_S)(_viewer_body)(share.token)


def _viewer_body(token: str) -> None:
    share = shares().find(token)
    entry = None if share is None else registry().get(share.session_key)
    if share is None or entry is None:
        st.warning(_("The shared run has ended. {start_link}").format(start_link=_start_own_run()))
        return
    runner = entry.runner
    snap = runner.snapshot()
    status = (
        _("**Step {step:,}** · training · {rate:,.0f} steps/s · lr {lr:g}")
        if entry.training
        else _("**Step {step:,}** · paused · lr {lr:g}")
    )
    with st.container(key="watch_status"):
        st.markdown(status.format(step=snap.step, rate=snap.steps_per_second, lr=snap.lr))
    view = _view(share.view, snap)
    st.subheader(_("Loss and test accuracy"))
    charts = _charts(token, runner, snap, view)
    live_chart(charts[0], key="watch_curves")
    st.subheader(
        _("{label}: input to a `{activation}` during training, 15th/50th/85th percentiles").format(
            label=_(VARIANT_LABELS[view["main"]]), activation=snap.activation
        )
    )
    live_chart(charts[1], key="watch_pct")
    st.caption(_("Dotted lines mark the owner's learning-rate changes."))


def _view(view: dict[str, Any], snap) -> dict[str, Any]:
    names = list(snap.twins)
    depth = len(next(iter(snap.twins.values())).layers)
    main = view.get("main") if view.get("main") in names else names[-1]
    layer = view.get("layer") if isinstance(view.get("layer"), int) else depth - 1
    return {
        "main": main,
        "layer": min(max(layer, 0), depth - 1),
        "unit": bool(view.get("unit", True)),
        "inference": bool(view.get("inference", False)),
    }


_cache: OrderedDict[tuple, list[PreparedChart]] = OrderedDict()
_cache_lock = threading.Lock()


def _charts(token: str, runner: Any, snap, view: dict[str, Any]) -> list[PreparedChart]:
    """The viewers' charts of one report of the run, one view and one language: built by the
    first viewer to ask, then shared by all."""
    version = getattr(runner, "version", None)
    if version is None:  # a run in this process: its snapshot says what changed
        version = (snap.step, snap.lr, len(snap.events), snap.steps_per_second)
    lang = i18n.current()
    key = (token, version, lang, tuple(sorted(view.items())))
    with _cache_lock:
        charts = _cache.get(key)
        if charts is not None:
            _cache.move_to_end(key)
            return charts
    tr = i18n.translator_now()
    charts = [
        prepare(plots.curves_figure(snap, look=style.LOOK, _=tr)),
        prepare(
            plots.percentile_figure(
                snap,
                [view["main"]],
                layer=view["layer"],
                unit=view["unit"],
                inference=view["inference"],
                _=tr,
            )
        ),
    ]
    with _cache_lock:
        _cache[key] = charts
        while len(_cache) > CACHED_VIEWS:
            _cache.popitem(last=False)
    return charts
