"""The session's language: which one, the sidebar selector, and ``_()`` bound to it.

The language comes from, in this order: ``?lang=ko`` / ``?lang=en`` in the URL (a shared link keeps
it), the session's last choice (page switches drop the URL's parameters), the browser's
``Accept-Language`` (``st.context.locale`` when the header is absent), and ``default_language()``
(Korean unless ``BNVIZ_DEFAULT_LANGUAGE`` says otherwise). The router calls
:func:`setup` once per run, before the page: it settles the language, writes it back to the URL
(other parameters stay as they are) and draws the selector. Pages and ``ui/`` modules then call
``_("...")`` or pass :func:`translator` to the core's caption builders. How to add a string: see
``bnviz.i18n``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import streamlit as st

from bnviz.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, error_text, negotiate, translator

PARAM = "lang"  # the URL parameter
# A course site whose students mostly read English may set this to "en"; the tests run with it.
ENV = "BNVIZ_DEFAULT_LANGUAGE"
_CHOSEN = "_bnviz_lang"  # session_state: the language this session settled on
_KEPT = "_bnviz_lang_kept"  # session_state: keys of widgets whose options are shown translated
SELECTOR_KEY = "bnviz_lang_selector"  # the sidebar widget (public: tests find it by its key)


def default_language() -> str:
    """The language when the browser states none we have: ``BNVIZ_DEFAULT_LANGUAGE`` or Korean."""
    lang = os.environ.get(ENV, "").strip().lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _browser_language() -> str:
    headers = {k.lower(): v for k, v in dict(st.context.headers or {}).items()}
    wanted = headers.get("accept-language") or getattr(st.context, "locale", None)
    return negotiate(wanted, default_language())


def current() -> str:
    """The session's language code (a key of ``LANGUAGES``), resolved as the module says."""
    asked = st.query_params.get(PARAM)
    if asked in LANGUAGES:
        return asked
    chosen = st.session_state.get(_CHOSEN)
    return chosen if chosen in LANGUAGES else _browser_language()


def translator_now() -> Translator:
    return translator(current())


def _(message: str) -> str:
    """``message`` in the session's language."""
    return translator_now()(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translator_now().ngettext(singular, plural, n)


def error(err: BaseException) -> str:
    """A ValueError's sentence in the session's language (escape it before showing it)."""
    return error_text(err, translator_now())


def keep_across_languages(keys: Iterable[str]) -> None:
    """Keep the values of these keyed widgets when the language changes. A selectbox, radio,
    multiselect or segmented control whose options are shown translated gets back from the
    browser the *shown* label; in the next language no option has that label, and Streamlit
    would reset the widget to its default (a run's dataset, say). Call before drawing them."""
    st.session_state.setdefault(_KEPT, set()).update(keys)


def _on_select() -> None:
    lang = st.session_state[SELECTOR_KEY]
    st.session_state[_CHOSEN] = lang
    st.query_params[PARAM] = lang
    # Before this run: a value set through session_state outranks the stale label the browser
    # sends, and the widget is redrawn with the new language's label.
    state = st.session_state
    for key in state.get(_KEPT, ()):
        if key in state:
            state[key] = state[key]


def setup() -> Translator:
    """The router's call, once per run before the page: settle the language, keep it in the URL,
    draw the selector in the sidebar. Returns the session's translator."""
    lang = current()
    st.session_state[_CHOSEN] = lang
    if st.query_params.get(PARAM) != lang:
        st.query_params[PARAM] = lang  # only this key: the page's own parameters stay
    st.session_state[SELECTOR_KEY] = lang
    st.sidebar.segmented_control(
        "Language · 언어",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=SELECTOR_KEY,
        required=True,
        on_change=_on_select,
    )
    return translator(lang)
