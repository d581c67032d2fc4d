"""The variants a run compares: one network recipe each, built from the same initial weights.

Per hidden layer, with ``u = W h`` the layer's linear map of its input ``h`` and ``f`` the
activation:

- **plain**: ``Linear(bias) → f``;
- **bn**: ``Linear(no bias) → BatchNorm1d → f`` (β takes the bias's role); each unit normalized
  over the minibatch; running averages for inference;
- **noisy_bn**: as bn, then a random per-unit scale and shift that change at every training step
  (``bnviz.train.model.draw_noise``), so the distribution the next layer sees keeps moving: the
  control of Santurkar et al. (2018) for "does batch norm work by reducing internal covariate shift?";
- **ln**: ``Linear(no bias) → LayerNorm → f``: each example normalized over the layer's units
  (γ, β per unit); no running statistics, so training and inference compute the same thing;
- **gn**: ``Linear(no bias) → GroupNorm(G) → f``: each example normalized over each of ``G``
  groups of ``width / G`` consecutive units (``RunConfig.groups``); no running statistics;
- **bn_after**: ``Linear(bias) → f → BatchNorm1d``: BN on the activation's output. The recorded
  "input to the nonlinearity" is ``u + b``, which nothing normalizes; the next layer sees BN's output.

Every variant of a run starts from the same weight matrices, sees the same minibatches and uses the
same optimizer and learning rate, so a difference between them comes from the normalization alone
(for that seed, init and learning rate). Names travel into URLs, file columns and chart legends; this
module imports nothing heavy, so readers of shipped results can use it without torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from bnviz.i18n import N_, Message

NORMS = ("bn", "ln", "gn")  # the kinds of bnviz.train.norms; None: no normalization


@dataclass(frozen=True)
class Variant:
    """A registry entry: ``label`` for legends and captions, ``color`` for every chart, ``formula``
    (LaTeX, for ``st.latex``) of one hidden layer with input ``x``, ``where`` what its symbols are
    (Markdown with inline LaTeX, for a caption); ``norm`` the normalization's kind (None: plain),
    ``after`` whether it acts on the activation's output instead of its input. ``label`` and
    ``where`` are English msgids: translate them where they are shown (``_(v.label)``)."""

    name: str
    label: str
    color: str
    formula: str
    where: str
    norm: str | None = None
    after: bool = False
    noisy: bool = False  # noise after BN while training (never at inference)

    @property
    def batch_norm(self) -> bool:
        return self.norm == "bn"

    @property
    def normalizes_input(self) -> bool:
        """Whether the nonlinearity's input is normalized: then ``u = W h`` before it is recorded."""
        return self.norm is not None and not self.after

    @property
    def running_stats(self) -> bool:
        """Whether inference differs from training (running averages): then it is recorded too."""
        return self.norm == "bn"


VARIANTS: dict[str, Variant] = {
    # Okabe-Ito colours (orange, blue, green, reddish purple, vermillion, sky blue): distinguishable
    # with every common colour-vision deficiency; the palette's yellow is too pale on white.
    "plain": Variant(
        "plain", N_("without BN"), "#E69F00", r"h = f(Wx + b)", N_("No normalization.")
    ),
    "bn": Variant(
        "bn",
        N_("with BN"),
        "#0072B2",
        r"h = f\Big(\gamma\,\frac{Wx - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta\Big)",
        N_(
            r"$\mu_B, \sigma_B^2$: each unit's mean and variance over the minibatch; running "
            "averages at test time."
        ),
        norm="bn",
    ),
    "noisy_bn": Variant(
        "noisy_bn",
        N_("noisy BN"),
        "#009E73",
        r"h = f\big(s \odot \mathrm{BN}(Wx) + m\big)",
        N_(
            r"$s, m$: a random scale and shift per unit, drawn anew every training step; none at "
            "test time."
        ),
        norm="bn",
        noisy=True,
    ),
    "ln": Variant(
        "ln",
        N_("layer norm"),
        "#CC79A7",
        r"h = f\Big(\gamma\,\frac{Wx - \mu_i}{\sqrt{\sigma_i^2 + \epsilon}} + \beta\Big)",
        N_(
            r"$\mu_i, \sigma_i^2$: each example's mean and variance over the layer's units; the "
            "same at test time."
        ),
        norm="ln",
    ),
    "gn": Variant(
        "gn",
        N_("group norm"),
        "#D55E00",
        r"h = f\Big(\gamma\,\frac{Wx - \mu_{i,g}}{\sqrt{\sigma_{i,g}^2 + \epsilon}} + \beta\Big)",
        N_(
            r"$\mu_{i,g}, \sigma_{i,g}^2$: each example's mean and variance over each group $g$ of "
            "the layer's units; the same at test time."
        ),
        norm="gn",
    ),
    "bn_after": Variant(
        "bn_after",
        N_("BN after the nonlinearity"),
        "#56B4E9",
        r"h = \mathrm{BN}\big(f(Wx + b)\big)",
        N_(
            "The nonlinearity's input $Wx + b$ is not normalized; BN acts on its output, which the "
            "next layer sees."
        ),
        norm="bn",
        after=True,
    ),
}
TWINS = ("plain", "bn")  # the twins of Figure 1, and the live lab's default pair
# What the live lab offers. Noisy BN is left out: its point (the ICS page's experiment) needs the
# measurements of gradient change that only that page makes; in the lab it would read as "BN, worse".
LAB_VARIANTS = ("plain", "bn", "ln", "gn", "bn_after")
MIN_VARIANTS, MAX_VARIANTS = 2, 4  # a comparison needs two; four still fit side by side


def check_variants(value: object) -> str | None:
    """Why ``value`` is not a choice of live-lab variants (a ``Message``), or None if it is one."""
    names = ", ".join(LAB_VARIANTS)
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return Message(
            N_("Variants must be a list of names among {names}, got {value}."),
            {"names": names, "value": repr(value)},
        )
    if unknown := [v for v in value if v not in LAB_VARIANTS]:
        shown = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:39] + "…"
        return Message(
            N_("Unknown variant '{name}'; choose {min} to {max} of: {names}."),
            {"name": shown, "min": MIN_VARIANTS, "max": MAX_VARIANTS, "names": names},
        )
    if len(set(value)) != len(value):
        twice = next(v for v in value if value.count(v) > 1)
        return Message(
            N_("The variant '{name}' is listed twice; list each variant once."), {"name": twice}
        )
    if not MIN_VARIANTS <= len(value) <= MAX_VARIANTS:
        return Message(
            N_("Choose between {min} and {max} variants to compare, got {count}."),
            {"min": MIN_VARIANTS, "max": MAX_VARIANTS, "count": len(value)},
        )
    return None


def check_groups(hidden: tuple[int, ...], groups: int, variants: tuple[str, ...]) -> str | None:
    """Why group norm (when among ``variants``) cannot split layers of these widths into ``groups``
    groups of equal size (a ``Message``), or None."""
    if "gn" not in variants:
        return None
    uneven = sorted({w for w in hidden if w % groups})
    if not uneven:
        return None
    return Message(
        N_(
            "Group norm splits each layer into {groups} groups of equal size, but {groups} does "
            "not divide {widths} units: choose widths that are multiples of {groups}, or a number "
            "of groups that divides every width."
        ),
        {"groups": groups, "widths": ", ".join(map(str, uneven))},
    )
