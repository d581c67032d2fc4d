"""The checks of ``bnviz.config``'s table, one factory per kind of field: each check returns None
for an acceptable value, else a sentence a student can act on (a ``bnviz.i18n.Message``: English as
a ``str``, ``.render(_)`` translated). Quoted values are cut to ``ECHO_CHARS``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

from bnviz.i18n import ENGLISH, N_, Gettext, Message, UserError, render

ECHO_CHARS = 40  # a value quoted back in a message is cut to this many characters


class ConfigError(UserError):
    """A ``RunConfig`` that fails its checks: every reason (each a ``Message``), joined, in
    English as ``str()`` and in any language as ``render(_)``."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        ValueError.__init__(self, self.render())

    def render(self, _: Gettext = ENGLISH) -> str:
        return " ".join(render(reason, _) for reason in self.reasons)

    def __reduce__(self):  # pickled across the worker pool: keep the reasons, not their English
        return type(self), (self.reasons,)


def clip(text: str, limit: int = ECHO_CHARS) -> str:
    """``text`` cut to ``limit`` characters (a quoted value must not flood a message)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choice(label: str, module: str, registry: str) -> Callable[[object], str | None]:
    """A check that ``value`` names an entry of ``module.registry``. The registry is imported on
    first use, not here: the registries live beside torch, and reading a config must not load it."""

    def check(value: object) -> str | None:
        names = list(getattr(importlib.import_module(module), registry))
        if value not in names:
            return Message(
                N_("Unknown {label} '{value}'; choose one of: {names}."),
                {"label": Message(label), "value": clip(str(value)), "names": ", ".join(names)},
            )
        return None

    return check


def number(label: str, lo: float, hi: float, integer: bool = False, lo_open: bool = False):
    def check(value: object) -> str | None:
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        name = Message(label)
        if isinstance(value, bool) or not ok_type:
            text = (
                N_("{label} must be a whole number, got {value}.")
                if integer
                else N_("{label} must be a number, got {value}.")
            )
            return Message(text, {"label": name, "value": clip(repr(value))})
        if not math.isfinite(value) or value > hi or (value <= lo if lo_open else value < lo):
            text = (
                N_("{label} must be above {lo} and at most {hi}, got {value}.")
                if lo_open
                else N_("{label} must be at least {lo} and at most {hi}, got {value}.")
            )
            numbers = {"lo": show(lo), "hi": show(hi), "value": show(value)}
            return Message(text, {"label": name, **numbers})
        return None

    return check


def show(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


def widths(max_depth: int, max_width: int) -> Callable[[object], str | None]:
    """A check of hidden layer widths: 1 to ``max_depth`` layers of 1 to ``max_width`` units."""

    def check(value: object) -> str | None:
        return _check_widths(value, max_depth, max_width)

    return check


def _check_widths(value: object, max_depth: int, max_width: int) -> str | None:
    if not isinstance(value, tuple) or not all(
        isinstance(w, int) and not isinstance(w, bool) for w in value
    ):
        return Message(
            N_("Hidden layer widths must be whole numbers, got {value}."),
            {"value": clip(repr(value))},
        )
    if not 1 <= len(value) <= max_depth:
        return Message(
            N_("Use between 1 and {max} hidden layers, got {count}."),
            {"max": max_depth, "count": len(value)},
        )
    if not all(1 <= w <= max_width for w in value):
        return Message(
            N_("Each hidden layer needs between 1 and {max} units, got {value}."),
            {"max": max_width, "value": value},
        )
    return None
