"""Wire :class:`bnviz.train.sessions.SessionRegistry` to Streamlit's session lifecycle.

- One registry per server process (``st.cache_resource``), configured from the environment, with its
  monitor thread sweeping idle and released sessions.
- One handle per browser session: ``st.cache_resource(scope="session", on_release=...)`` is released by
  Streamlit when the session disconnects (tab closed), which tells the registry to pause the run at once
  and stop it after the reconnect grace.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit import config
from streamlit.runtime.scriptrunner import get_script_run_ctx

from bnviz.train.sessions import SessionRegistry, SessionRun


@st.cache_resource(show_spinner=False)
def worker_pool() -> Any:
    """The process-wide pool of training processes (``BNVIZ_WORKERS``, default one per core;
    0: train in threads of this process), installed as every ``Runner``'s default."""
    from bnviz.train.pool import WorkerPool, default_workers  # noqa: PLC0415 - torch-free import
    from bnviz.train.runner import use_pool  # noqa: PLC0415

    workers = default_workers()
    if workers == 0:
        return None
    pool = WorkerPool(workers)
    atexit.register(pool.close)
    use_pool(pool)
    return pool


def new_job(target: str, *args: Any, **kwargs: Any) -> Any:
    """A ``Job`` (``"module:Class"`` built with ``args``), in the worker pool when there is one."""
    from bnviz.train.pool import Build  # noqa: PLC0415

    build = Build(target, *args, **kwargs)
    pool = worker_pool()
    if pool is not None:
        return pool.open_job(build)
    from bnviz.train.experiment import configure_torch_threads  # noqa: PLC0415 - loads torch

    configure_torch_threads(1)  # process-wide, as the live lab sets it: one thread per network
    return build()


def new_sweep_job(grid: Any) -> Any:
    """A live sweep of ``grid``: spread over every worker of the pool (one shard each), or one
    ``SweepJob`` in a thread of this process without a pool."""
    pool = worker_pool()
    if pool is None:
        return new_job("bnviz.sweep.job:SweepJob", grid)
    from bnviz.sweep.live import open_sharded  # noqa: PLC0415
    from bnviz.train.pool import Build  # noqa: PLC0415

    return open_sharded(pool, grid, Build)


@st.cache_resource(show_spinner=False)
def registry() -> SessionRegistry:
    """The process-wide registry (its knobs come from BNVIZ_* environment variables)."""
    # A run outlives a dropped connection for at least as long as Streamlit keeps its session.
    reg = SessionRegistry.from_env(float(config.get_option("server.disconnectedSessionTTL")))
    reg.start_monitor()
    return reg


def session_id() -> str:
    ctx = get_script_run_ctx()
    # AppTest and bare-mode runs have a context too; "local" only guards odd embeddings.
    return ctx.session_id if ctx is not None else "local"


class _SessionHandle:
    """What the session-scoped cache holds: releasing it releases the run under ``key``."""

    def __init__(self, key: str):
        self.key = key


def _release(handle: _SessionHandle) -> None:
    registry().release(handle.key)


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_handle(key: str) -> _SessionHandle:
    return _SessionHandle(key)


def run_key(name: str = "") -> str:
    """The registry key of this browser session's run called ``name`` ("": the live lab's), with the
    hook that releases it when the tab closes registered."""
    key = f"{session_id()}:{name}" if name else session_id()
    _session_handle(key)
    return key


def session_run(make_runner: Callable[[], Any]) -> SessionRun:
    """This browser session's live-lab run, created with ``make_runner()`` on first use (the
    worker pool starts with the first run, so pages that train nothing never load torch)."""
    worker_pool()
    return registry().get_or_create(run_key(), make_runner)
