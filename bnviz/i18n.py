"""Korean and English: message catalogs (stdlib ``gettext``, made with Babel) and how code marks words.

English is the source language: a msgid *is* the English sentence, a full sentence with named
placeholders (``"After {steps:,} steps, {accuracy:.2%} with BN."``), so English needs no catalog and
every caller that passes no translator gets English. Korean lives in
``bnviz/locale/ko/LC_MESSAGES/bnviz.po`` (reviewed like code; terms from ``docs/glossary.md``) and its
compiled ``bnviz.mo`` next to it, committed; a test checks that the ``.mo`` matches the ``.po``.

How to add a string:

- In a function that shows words: ``_("Sentence with {name}.").format(name=value)``. Core functions
  take the translator as a keyword argument ``_: Translator = ENGLISH``; ``ui/`` code gets the
  session's with ``ui.i18n.translator()`` (``from ui.i18n import _`` in pages). Never build a sentence
  from translated pieces: the word order differs between the languages; translate the whole sentence.
- Module-level constants (registries, headings, labels): ``N_("...")`` marks them for extraction and
  returns them unchanged; translate them where they are shown, ``_(HEADINGS[key])``.
- A ``ValueError`` a student reads: ``raise UserError(N_("The cell at {where} is empty."), where=...)``.
  ``str(err)`` is English (logs, the CLI, existing callers); ``err.render(_)`` or
  ``ui.i18n.error_text(err)`` is the session's language. A parameter may itself be a ``Message``.
- Plurals: ``_.ngettext("{n} seed", "{n} seeds", n).format(n=n)``.
- Then ``make messages``: it extracts every marked string into ``bnviz/locale/bnviz.pot``, merges it
  into the ``.po``, and compiles the ``.mo``. Translate the new entries (``msgstr ""``), run
  ``make messages`` again, commit ``.pot``, ``.po`` and ``.mo``. The tests fail on an untranslated,
  fuzzy or unused entry, and on a translation whose placeholders differ from its msgid's.

Numbers are formatted the same way in both languages (decimal point, ``1,000`` separators).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bnviz"
# Code -> the language's own name, as the selector shows it. The first is the default.
LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT_LANGUAGE = "ko"  # the classroom reads Korean first
SOURCE_LANGUAGE = "en"  # msgids are English


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark, don't translate"
    """Mark ``message`` for extraction and return it unchanged (translate it where it is shown)."""
    return message


@dataclass(frozen=True)
class Translator:
    """One language's ``gettext`` (call the translator itself) and ``ngettext``."""

    lang: str
    catalog: gettext.NullTranslations = field(repr=False, compare=False)

    def __call__(self, message: str) -> str:
        return self.catalog.gettext(message)

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)


ENGLISH = Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
Gettext = Callable[[str], str]


@cache
def translator(lang: str) -> Translator:
    """The translator of ``lang`` (a key of ``LANGUAGES``); its catalog is read once per process.
    A missing ``.mo`` raises ``FileNotFoundError``: a half-translated page must not pass for Korean."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}.")
    if lang == SOURCE_LANGUAGE:
        return ENGLISH
    return Translator(lang, gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang]))


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of ``LANGUAGES`` for an HTTP ``Accept-Language`` header (``"ko-KR,ko;q=0.9,en;q=0.8"``
    or a single locale such as ``"en-US"``); ``default`` when none of them is acceptable."""
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().replace("_", "-").split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, position, primary))
    return min(ranked)[2] if ranked else default


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The command line's language: Korean if the locale (``LC_ALL``, else ``LANG``) starts with
    ``ko`` (``ko_KR.UTF-8``), else English, the source language."""
    environ = os.environ if environ is None else environ
    locale = environ.get("LC_ALL") or environ.get("LANG") or ""
    return "ko" if locale.lower().startswith("ko") else SOURCE_LANGUAGE


class Message(str):
    """A msgid and its named parameters, rendered in any language later (``render(_)``). It *is*
    its English rendering (a ``str``), so code that only knows strings keeps working."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, _render(msgid, params, ENGLISH))
        self.msgid, self.params = msgid, params
        return self

    def render(self, _: Gettext = ENGLISH) -> str:
        return _render(self.msgid, self.params, _)

    def __reduce__(self):  # crosses a worker's pipe as a msgid and its parameters
        return Message, (self.msgid, dict(self.params))


def _render(msgid: str, params: Mapping[str, object], _: Gettext) -> str:
    nested = {k: v.render(_) if isinstance(v, Message) else v for k, v in params.items()}
    return _(msgid).format(**nested)


def render(text: str, _: Gettext = ENGLISH) -> str:
    """``text`` in ``_``'s language if it is a ``Message``; any other string as it is."""
    return text.render(_) if isinstance(text, Message) else text


class UserError(ValueError):
    """A ``ValueError`` whose sentence a student reads: ``str()`` is English, ``render(_)`` any
    language. ``msgid`` is marked with ``N_`` at the raise."""

    def __init__(self, msgid: str, /, **params: object):
        self.message = Message(msgid, params)
        super().__init__(self.message.render())

    def render(self, _: Gettext = ENGLISH) -> str:
        return self.message.render(_)


def error_text(err: BaseException, _: Gettext = ENGLISH) -> str:
    """``err``'s sentence in ``_``'s language: a ``UserError``, or any exception with a
    ``render(_)`` (a failed run's reason); any other exception: its English ``str``."""
    render_in = getattr(err, "render", None)
    return render_in(_) if callable(render_in) else str(err)


def error_message(err: BaseException) -> str:
    """What to send for ``err`` where the reader's language is not known yet: a ``UserError``'s
    ``Message`` (rendered later in any language), else the English sentence."""
    return err.message if isinstance(err, UserError) else (str(err) or type(err).__name__)
