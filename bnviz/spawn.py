"""Starting helper processes (``multiprocessing`` with ``spawn``) from inside a web server.

A spawned child first re-imports its parent's ``__main__`` module, so that functions defined there
can be unpickled. Under Streamlit, ``__main__`` is whichever page script the starting thread happens
to run (Streamlit executes each page as ``__main__``): the child would run a page with no browser
behind it, and load everything that page imports. ``spawn_context()`` therefore hands out the spawn
context and ``bare_main()`` hides the parent's ``__main__`` while processes start: the children
import only what their target needs. Everything a child runs must live in an importable module
(``bnviz...``), never in ``__main__``.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import SpawnContext

_swap_lock = threading.Lock()


def spawn_context() -> SpawnContext:
    return multiprocessing.get_context("spawn")


@contextmanager
def bare_main() -> Iterator[None]:
    """While processes start in this block, the child sees an empty ``__main__`` to re-import."""
    with _swap_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main
