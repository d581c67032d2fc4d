"""The core is pure: importing bnviz (and its modules) never pulls in streamlit."""

import pkgutil
import subprocess
import sys

import bnviz


def core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(bnviz.__path__, "bnviz.")]


def test_import_bnviz_leaves_streamlit_out():
    modules = ["bnviz", *core_modules()]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'streamlit' not in sys.modules, sorted(m for m in sys.modules if 'streamlit' in m)\n"
    )
    # A fresh interpreter: this test process may already hold streamlit from the page tests.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
