"""Hostile and careless input through the real pages (AppTest): random links and editor payloads.

Whatever arrives, a page shows no exception, says why it refused a value (escaped, never rendered as
Markdown), keeps its last valid state, and the server's memory stays flat over many sessions.
"""

import re
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from bnviz.config import RunConfig
from tests.conftest import PAGES, shown
from tests.sessions import release_sessions

HOSTILE = [
    "[Session expired - sign in](https://example.org)",
    "https://example.org/login",
    ":red[alarm] :material/warning:",
    "<script>alert(1)</script>",
    "$\\frac{1}{0}$",
    "**bold** _it_ # heading",
    "1e309",
    "nan",
    "-1",
    "1" * 5000,
    "1024," * 50,
]
MARKDOWN = re.compile(r"[\[\]()<>:$*_`#!|]")  # what would make Markdown out of plain text


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def assert_escaped(markdown: str) -> None:
    """Every Markdown-special character of the element's text is backslash-escaped."""
    assert not MARKDOWN.search(re.sub(r"\\.", "", markdown)), markdown


values = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str), st.floats().map(str)
)
keys = st.one_of(
    st.sampled_from(["lr", "hidden", "batch_size", "dataset", "activation", "init_std", "seed",
                     "bn_eps", "bn_momentum", "record_every", "eval_every", "optimizer"]),
    st.text(min_size=1, max_size=12),
)  # fmt: skip


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    phases=[Phase.generate],  # no shrinking: an AppTest run takes a second, shrinking minutes
)
@given(params=st.dictionaries(keys, values, max_size=4))
def test_fuzzed_links_are_refused_with_an_escaped_warning_each(params):
    at = AppTest.from_file(str(PAGES / "live_lab.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    try:
        at.run()
        assert not at.exception, at.exception
        warnings = [w.value for w in at.warning]
        for w in warnings:
            assert_escaped(w)
        texts = [shown(w) for w in warnings]
        for key, value in params.items():
            if RunConfig.from_query_params({key: value})[1]:  # a value the server refuses...
                named = " ".join(key.split())[:39]  # as the warning shows it: one line, cut
                assert any(named in t for t in texts), (key, value, texts)  # ...says so
        assert any("Step 0" in m.value for m in at.markdown)  # and the lab is there
    finally:
        release_sessions()


cells = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=20), st.floats().map(str), st.none(), st.integers()
)
payloads = st.fixed_dictionaries(
    {
        "edited_rows": st.dictionaries(
            st.integers(-5, 80),
            st.dictionaries(st.sampled_from(["feature 1", "feature 3", "feature 9", "_index", "x"]),
                            cells, max_size=3),
            max_size=4,
        ),
        "added_rows": st.lists(st.dictionaries(st.sampled_from(["feature 1", "feature 2"]), cells),
                               max_size=3),
        "deleted_rows": st.lists(st.integers(-2, 5), max_size=2),
    }
)  # fmt: skip


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    phases=[Phase.generate],  # no shrinking: an AppTest run takes a second, shrinking minutes
)
@given(payload=payloads, eps=st.one_of(st.just(1e-5), st.floats(-1e300, 1e300)))
def test_fuzzed_editor_payloads_never_break_the_page(payload, eps):
    at = AppTest.from_file(str(PAGES / "bn_arithmetic.py"), default_timeout=60)
    at.run()
    at.session_state["bn_x_editor_0"] = payload
    at.session_state["bn_eps"] = eps
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error if "vs torch" not in e.value]
    for e in errors:
        assert_escaped(e.split("  \n")[0])  # the refused input's sentence; the rest is ours
    if errors:  # refused: the steps still show the last valid tensor, at most 64 x 16
        assert any("last valid tensor" in shown(e) for e in errors)
    table = at.session_state["bn_sheet"].shown.x
    assert 1 <= table.shape[0] <= 64 and 1 <= table.shape[1] <= 16


def test_memory_stays_flat_over_many_hostile_sessions():
    def one_session(i: int) -> None:
        at = AppTest.from_file(str(PAGES / "live_lab.py"), default_timeout=60)
        at.query_params["lr"] = HOSTILE[i % len(HOSTILE)]
        at.query_params["hidden"] = "1024," * 8
        at.run()
        assert not at.exception
        release_sessions()

    for i in range(3):  # warm-up: caches, MNIST, torch's allocator
        one_session(i)
    before = rss_mb()
    for i in range(12):
        one_session(i)
    assert rss_mb() - before < 40, f"grew {rss_mb() - before:.0f} MB over 12 sessions"
