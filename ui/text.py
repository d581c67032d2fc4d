"""Text that came from a user, made safe to show in Streamlit's Markdown elements.

``st.warning``, ``st.error``, ``st.markdown`` and their kin parse Markdown: links and images, raw
URLs (auto-linked), ``:red[...]`` directives, ``:material/...:`` icons and ``$...$`` math. A URL
parameter, a table cell or an error sentence that quotes one must show as the characters typed, not
as a link on the course's own domain. :func:`plain` is the one way such text reaches the page.
"""

from __future__ import annotations

import re

MAX_CHARS = 300  # a sentence with its quoted value; longer input is cut, not echoed in full

# Every ASCII punctuation character: CommonMark shows a backslash-escaped one literally, which also
# breaks the patterns of links, auto-linked URLs, directives, emphasis and math.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as Markdown that renders exactly as its characters, on one line, cut to ``limit``."""
    one_line = " ".join(str(text).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    return _PUNCTUATION.sub(r"\\\1", one_line)
