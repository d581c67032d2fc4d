"""``RunConfig``: everything that defines a live-lab run, its validation, and its URL form.

``RunConfig()`` is the paper's setup (Ioffe & Szegedy 2015, §4.1). A config survives a round trip
through ``st.query_params`` (a dict of strings), so a shared link reproduces a run, seed included:

    params = cfg.to_query_params()                       # {"lr": "0.5", "hidden": "100,100,100", ...}
    cfg2, warnings = RunConfig.from_query_params(params)  # cfg2 == cfg, warnings == []

One generic (de)serializer walks ``dataclasses.fields()`` and the field types; a per-field check
table gives the readable messages. Bad input never raises from ``from_query_params``: garbage,
out-of-range values and unknown keys each fall back to the default and add one warning.
Every message is a ``bnviz.i18n.Message``: a ``str`` in English, ``.render(_)`` in another language.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bnviz.budget import check_size
from bnviz.field_checks import (  # noqa: F401 (ECHO_CHARS, ConfigError: re-exports)
    ECHO_CHARS,
    ConfigError,
    choice,
    clip,
    number,
    widths,
)
from bnviz.i18n import ENGLISH, N_, Gettext, Message
from bnviz.train.variants import check_groups, check_variants

LR_RANGE = (1e-6, 1e3)  # wide on purpose: a huge LR is how the lab shows divergence
MAX_DEPTH = 8
MAX_WIDTH = 1024
MAX_BATCH = 1000  # the toy sets have 3,000 training points
# What a shared link may not set: how often a run measures itself is the server's business (one
# record per step would make every step evaluate 2,000 test examples).
NOT_FROM_LINKS = frozenset({"record_every", "eval_every"})
# URL parameters every page shares (the language), never a run's: links keep them, runs ignore them.
SHARED_PARAMS = frozenset({"lang"})


@dataclass(frozen=True)
class RunConfig:
    """One run of the twin networks. Defaults: the paper's MNIST experiment.

    The paper does not state its optimizer, learning rate or the Gaussian's std. Measured on the
    embedded MNIST (3,000 steps): plain SGD at lr 0.5 from N(0, 0.05²) gives test accuracy 0.88
    without BN and 0.96 with it, and the plain twin's typical last-layer sigmoid input drifts
    (median 0.3 → -1.8 → -1.1) while the bn twin's stays near 0. A smaller std (0.01) mostly shows
    vanishing signals (plain 0.47); a larger one (0.1) leaves little gap between the twins: how much
    BN helps here depends on this choice, and the Figure 1 page says so.
    """

    variants: tuple[str, ...] = ("plain", "bn")  # what trains side by side (bnviz.train.variants)
    dataset: str = "mnist"  # the paper's benchmark; the 2-D toy sets train in milliseconds
    hidden: tuple[int, ...] = (100, 100, 100)  # the paper: 3 fully connected layers x 100 units
    activation: str = "sigmoid"  # the paper: sigmoid, whose saturation BN is meant to avoid
    init: str = "gaussian"  # the paper: "small random Gaussian values"
    init_std: float = 0.05  # our choice (see the class docstring); used by init="gaussian" only
    optimizer: str = "sgd"  # plain SGD: no adaptive step sizes that would mask the drift
    lr: float = 0.5  # large enough that the plain twin's inputs visibly drift
    batch_size: int = 60  # the paper
    seed: int = 0  # initial weights and minibatch order
    bn_momentum: float = 0.1  # torch's convention: running = (1 - m) * running + m * batch
    bn_eps: float = 1e-5  # torch's default; every normalization's eps
    groups: int = 4  # GroupNorm's groups (variant "gn"): 25 units each in a 100-unit layer
    # A record (probe forward + stats, ~3-7 ms) every 100 steps and an evaluation (~8-16 ms) every
    # 500 cost ~5% of training; the Runner adds records by time so the live page still gets >= 4/s.
    record_every: int = 100  # steps between records on the probe batch
    eval_every: int = 500  # steps between test-accuracy evaluations (2,000 held-out examples)

    def __post_init__(self) -> None:
        for name in ("hidden", "variants"):  # accept a list, store the hashable tuple
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        errors = [check_field(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]
        errors = [msg for msg in errors if msg]
        if errors:
            raise ConfigError(errors)
        if msg := check_size(self.hidden, self.batch_size, len(self.variants)):
            raise ConfigError([msg])
        if msg := check_groups(self.hidden, self.groups, self.variants):
            raise ConfigError([msg])

    # -- URL round trip --

    def to_query_params(self, only_changed: bool = False) -> dict[str, str]:
        """Every field a link may set (or only those that differ from the defaults) as strings, in
        field order."""
        default = RunConfig()
        return {
            f.name: _format(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in NOT_FROM_LINKS
            and (not only_changed or getattr(self, f.name) != getattr(default, f.name))
        }

    @classmethod
    def from_query_params(
        cls, params: Mapping[str, object], ignore: Iterable[str] = ()
    ) -> tuple[RunConfig, list[str]]:
        """Parse URL parameters; never raises. Returns the config and one warning per bad key.

        Values may be strings or lists of strings (the last one wins, like ``st.query_params``).
        Keys in ``ignore`` belong to someone else (e.g. the page's view state) and are skipped.
        Fields in ``NOT_FROM_LINKS`` keep their defaults. Quoted values are cut to ``ECHO_CHARS``.
        """
        default, hints = cls(), typing.get_type_hints(cls)
        ignored = set(ignore) | SHARED_PARAMS
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, object] = {}
        warnings: list[str] = []
        for key, raw in params.items():
            if key in ignored:
                continue
            if isinstance(raw, list | tuple):
                raw = raw[-1] if raw else ""
            text = str(raw)
            if key not in names:
                warnings.append(
                    Message(N_("Ignored the unknown URL parameter '{key}'."), {"key": clip(key)})
                )
                continue
            if key in NOT_FROM_LINKS:
                warnings.append(
                    Message(
                        N_("Ignored the URL parameter '{key}': a link cannot set it."), {"key": key}
                    )
                )
                continue
            fallback = _format(getattr(default, key))
            try:
                value = _parse(hints[key], text)
            except ValueError:
                warnings.append(
                    Message(
                        N_(
                            "URL parameter {key}='{text}' is not a valid {kind}; using the default "
                            "{fallback}."
                        ),
                        {"key": key, "text": clip(text), "kind": Message(_KIND[hints[key]]),
                         "fallback": fallback},
                    )
                )  # fmt: skip
                continue
            if msg := check_field(key, value):
                warnings.append(
                    Message(
                        N_("URL parameter {key}='{text}': {reason} Using the default {fallback}."),
                        {"key": key, "text": clip(text), "reason": msg, "fallback": fallback},
                    )
                )
                continue
            values[key] = value

        def get(key: str):
            return values.get(key, getattr(default, key))

        # Each fallback keeps what it can; the defaults pass every check, with up to 4 variants.
        if msg := check_groups(get("hidden"), get("groups"), get("variants")):
            dropped_groups = values.pop("groups", None) is not None
            dropped_network = False
            if check_groups(get("hidden"), get("groups"), get("variants")):
                values.pop("hidden", None)  # the default widths (100) split into 4 groups
                dropped_network = True
            fallback = {
                (True, False): N_("{reason} Using the default number of groups."),
                (False, True): N_("{reason} Using the default network."),
                (True, True): N_("{reason} Using the default number of groups and network."),
            }[dropped_groups, dropped_network]
            warnings.append(Message(fallback, {"reason": msg}))
        if msg := check_size(get("hidden"), get("batch_size"), len(get("variants"))):
            values.pop("hidden", None)
            values.pop("batch_size", None)
            warnings.append(
                Message(N_("{reason} Using the default network and batch size."), {"reason": msg})
            )
            if msg := check_groups(get("hidden"), get("groups"), get("variants")):
                values.pop("groups", None)
                warnings.append(
                    Message(N_("{reason} Using the default number of groups."), {"reason": msg})
                )
        return dataclasses.replace(default, **values), warnings

    # -- for people --

    def summary(self, _: Gettext = ENGLISH, code: bool = False) -> str:
        """One line for a status bar, e.g. ``mnist · 3×100 sigmoid · gaussian σ=0.05 · sgd lr 0.5 ·
        batch 60 · seed 0``, in ``_``'s language; ``code``: registry names in Markdown backticks."""
        return " · ".join(self.summary_parts(_, code).values())

    def summary_parts(self, _: Gettext = ENGLISH, code: bool = False) -> dict[str, str]:
        """The pieces of :meth:`summary` by topic: see :func:`summary_parts`."""
        return summary_parts(dataclasses.asdict(self), _, code)


def summary_parts(
    fields: Mapping[str, object], _: Gettext = ENGLISH, code: bool = False
) -> dict[str, str]:
    """A summary's pieces by topic (``data``, ``network``, ``init``, ``optimizer``, ``batch``,
    ``seed``) from a config's field values, unchecked (so a page can describe a shipped result's
    setup without loading the registries); a sweep swaps the piece it varies."""
    name = (lambda text: f"`{text}`") if code else str
    hidden = tuple(fields["hidden"])
    shape = f"{len(hidden)}×{hidden[0]}" if len(set(hidden)) == 1 else "-".join(map(str, hidden))
    gaussian = f"{name('gaussian')} σ={fields['init_std']:g}"
    return {
        "data": name(fields["dataset"]),
        "network": f"{shape} {name(fields['activation'])}",
        "init": gaussian if fields["init"] == "gaussian" else name(fields["init"]),
        "optimizer": _("{optimizer} lr {lr:g}").format(
            optimizer=name(fields["optimizer"]), lr=fields["lr"]
        ),
        "batch": _("batch {batch}").format(batch=fields["batch_size"]),
        "seed": _("seed {seed}").format(seed=fields["seed"]),
    }


# --- the generic (de)serializer: driven by the field types ----------------------------------------

_KIND = {
    str: N_("name"),
    int: N_("whole number"),
    float: N_("number"),
    tuple[int, ...]: N_("list of widths"),
    tuple[str, ...]: N_("list of names"),
}


def _format(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)  # shortest string that parses back to the same float
    return str(value)


def _parse(kind: object, text: str) -> object:
    """Raises ValueError for text that is not a value of ``kind`` at all (range is checked later)."""
    text = text.strip()
    if kind is str:
        return text
    if kind is int:
        return int(text)
    if kind is float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    if kind == tuple[int, ...]:
        return tuple(int(part) for part in text.replace(" ", "").split(","))
    if kind == tuple[str, ...]:
        return tuple(part for part in text.replace(" ", "").split(",") if part)
    raise TypeError(f"No URL parser for {kind!r}")  # a new field type needs a parser here


# --- per-field checks: None if fine, else a sentence a student can act on --------------------------

_CHECKS: dict[str, Callable[[object], str | None]] = {
    "variants": check_variants,
    "dataset": choice(N_("dataset"), "bnviz.data", "DATASETS"),
    "hidden": widths(MAX_DEPTH, MAX_WIDTH),
    "activation": choice(N_("activation"), "bnviz.train.activations", "ACTIVATIONS"),
    "init": choice(N_("weight init"), "bnviz.train.inits", "INITS"),
    "init_std": number(N_("The init std"), 0.0, 10.0, lo_open=True),
    "optimizer": choice(N_("optimizer"), "bnviz.train.optim", "OPTIMIZERS"),
    "lr": number(N_("The learning rate"), *LR_RANGE),
    "batch_size": number(N_("The batch size"), 2, MAX_BATCH, integer=True),  # BN needs 2 examples
    "seed": number(N_("The seed"), 0, 2**31 - 1, integer=True),
    "bn_momentum": number(N_("The BN momentum"), 0.0, 1.0, lo_open=True),
    "bn_eps": number(N_("The BN eps"), 0.0, 1.0, lo_open=True),
    "groups": number(N_("The number of groups (group norm)"), 1, MAX_WIDTH, integer=True),
    "record_every": number("record_every", 1, 10_000, integer=True),
    "eval_every": number("eval_every", 1, 100_000, integer=True),
}


def check_field(name: str, value: object) -> str | None:
    """Why ``value`` is not acceptable for field ``name`` (a sentence), or None if it is."""
    return _CHECKS[name](value)


def check_lr(lr: float) -> float:
    """``lr`` as a float if it is in ``LR_RANGE``; raises ValueError with a readable message."""
    if msg := check_field("lr", lr):
        raise ValueError(msg)
    return float(lr)


# Every field needs a check: a new field without one fails at import, not in a lecture.
if set(_CHECKS) != {f.name for f in dataclasses.fields(RunConfig)}:
    raise RuntimeError("Every RunConfig field needs an entry in config._CHECKS.")
