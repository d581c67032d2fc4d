"""Which words of a Korean page are leftover English: the allow-list and the rule, in one place.

Used by the AppTest page tests (``tests/test_i18n_pages.py``) and the browser test
(``tests/e2e/test_i18n.py``). A Korean sentence may hold English only in formulas (``$...$``),
code (`` `...` ``), chart markup, the English term in parentheses on its first use, paths,
links' targets, numbers such as ``1e-05``, single-letter symbols (``x``, ``N``, ``W2``) and the names below.
"""

from __future__ import annotations

import re

# Words that stay English in Korean text: names, the paper's title, code names and symbols.
ALLOWED = frozenset(
    [
        # people and venues
        "Ioffe",
        "Szegedy",
        "Santurkar",
        "Tsipras",
        "Ilyas",
        "Madry",
        "Wu",
        "et",
        "al",
        "NeurIPS",
        # the papers' titles
        "How",
        "Does",
        "Batch",
        "Normalization",
        "Help",
        "Optimization",
        "Figure",
        # data sets, networks and abbreviations
        "MNIST",
        "CIFAR",
        "VGG",
        "MLP",
        "Xavier",
        "He",
        "BN",
        "SGD",
        "ICS",
        "ETA",
        "NaN",
        # code: modules, parameters, commands
        "bnviz",
        "torch",
        "nn",
        "autograd",
        "BatchNorm",
        "BatchNorm1d",
        "BatchNorm2d",
        "LayerNorm",
        "InstanceNorm",
        "InstanceNorm2d",
        "GroupNorm",
        "eps",
        "momentum",
        "gamma",
        "beta",
        "running_mean",
        "running_var",
        "float64",
        "sqrt",
        "var",
        "cos",
        "max",
        "dx",
        "plain",
        "train",
        "eval",
        "python",
        "npz",
        "figure1",
        "ics",
        "ship",
        "binary",
        "data",
        # the language selector's label, and the server's name
        "Language",
        "Server",
    ]
)
_SKIP = [
    re.compile(r"\$[^$]*\$"),  # inline math
    re.compile(r"`[^`]*`"),  # code
    re.compile(r"<[^>]+>"),  # chart markup
    re.compile(r":material/\w+:"),  # icons
    re.compile(r"\([A-Za-z][A-Za-z -]*\)"),  # the English term in parentheses, on first use
    re.compile(r"만든 방법:.*"),  # provenance: the command, the machine, library versions
    re.compile(r"%\{[^}]*\}"),  # plotly hover fields
    re.compile(r"\bbnviz/[\w/.]+"),  # paths
    re.compile(r"\d[\d.]*e[+-]?\d+"),  # 1e-05
    re.compile(r"\]\([^)]*\)"),  # a Markdown link's target: live-lab?lang=ko
]


def english_words(text: str) -> list[str]:
    """The words of ``text`` that a Korean page should not show in English."""
    for pattern in _SKIP:
        text = pattern.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_']*", text)
    return [w for w in words if w not in ALLOWED and not re.fullmatch(r"[A-Za-z]\d*", w)]
