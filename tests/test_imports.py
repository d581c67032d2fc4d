"""The core's import graph: pure (no streamlit), light where it promises to be, and free of cycles."""

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import bnviz


def core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(bnviz.__path__, "bnviz.")]


def fresh_interpreter(code: str) -> subprocess.CompletedProcess:
    # A fresh interpreter: this test process may already hold streamlit or torch from other tests.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_import_bnviz_leaves_streamlit_out():
    modules = ["bnviz", *core_modules()]
    result = fresh_interpreter(
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'streamlit' not in sys.modules, sorted(m for m in sys.modules if 'streamlit' in m)\n"
    )
    assert result.returncode == 0, result.stderr


def test_light_modules_do_not_load_torch():
    # `import bnviz` is cheap, and a RunConfig or a shipped Figure 1 result is read without torch.
    light = ["bnviz", "bnviz.config", "bnviz.style", "bnviz.figure1.result", "bnviz.figure1.plots"]
    result = fresh_interpreter(
        "import importlib, sys\n"
        f"for name in {light!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'streamlit' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


def test_stable_entry_points_import_from_bnviz():
    result = fresh_interpreter(
        "from bnviz import RunConfig, Experiment, Runner, batchnorm_steps\n"
        "from bnviz.config import RunConfig as C\n"
        "from bnviz.train.experiment import Experiment as E\n"
        "from bnviz.train.runner import Runner as R\n"
        "from bnviz.arith.batchnorm import batchnorm_steps as b\n"
        "assert (RunConfig, Experiment, Runner, batchnorm_steps) == (C, E, R, b)\n"
    )
    assert result.returncode == 0, result.stderr


def imports_of(path: Path, module: str) -> set[str]:
    """The ``bnviz`` modules that ``module`` (the file ``path``) imports, at any depth of its code.

    ``from bnviz.x import y`` counts as importing ``bnviz.x.y`` when that is a module, else
    ``bnviz.x``. Imports inside functions and under ``if TYPE_CHECKING:`` count too: a cycle that
    only a type checker or a lazy import walks is still a cycle for the reader.
    """
    known = set(core_modules()) | {"bnviz"}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    return {
        name: imports_of(Path(importlib.util.find_spec(name).origin), name)
        for name in ["bnviz", *core_modules()]
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_bnviz_has_no_import_cycle():
    graph = import_graph()
    assert "bnviz.train.experiment" in graph["bnviz.train.runner"]  # the walk sees real imports
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_no_core_module_is_over_300_lines():
    lines = {
        name: len(Path(importlib.util.find_spec(name).origin).read_text().splitlines())
        for name in core_modules()
    }
    long = {name: n for name, n in lines.items() if n > 300}
    assert not long, f"split these modules: {long}"
