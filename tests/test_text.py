"""ui.text.plain: user text shows as its characters, never as Markdown."""

import re

from hypothesis import given
from hypothesis import strategies as st

from ui.text import MAX_CHARS, plain


def test_links_urls_directives_math_and_html_are_escaped():
    assert plain("[Session expired - sign in](https://example.org)") == (
        r"\[Session expired \- sign in\]\(https\:\/\/example\.org\)"
    )
    assert plain(":red[alarm] :material/warning: $x^2$ <b>hi</b> **bold**") == (
        r"\:red\[alarm\] \:material\/warning\: \$x\^2\$ \<b\>hi\<\/b\> \*\*bold\*\*"
    )


def test_one_line_and_cut_to_the_limit():
    assert plain("a\n\n# title\tb") == r"a \# title b"
    long = plain("x" * 10_000)
    assert len(long) == MAX_CHARS and long.endswith("…")


@given(st.text(max_size=400))
def test_every_punctuation_character_is_escaped_and_nothing_is_lost(text):
    out = plain(text)
    # Undoing the escapes gives back the text (made one line and cut).
    expected = " ".join(text.split())
    if len(expected) > MAX_CHARS:
        expected = expected[: MAX_CHARS - 1] + "…"
    assert re.sub(r"\\(.)", r"\1", out) == expected
    # No ASCII punctuation is left bare.
    bare = re.sub(r"\\.", "", out)
    assert not re.search(r"[!-/:-@\[-`{-~]", bare)
