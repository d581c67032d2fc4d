"""Helpers for page tests that start runs in the server-wide session registry."""

import gc

import streamlit as st


class Busy:
    """A runner that holds a training slot (another session's run)."""

    is_running = True

    def start(self):
        pass

    pause = resume = stop = start


def release_sessions() -> None:
    """Stop every run the test started and forget the process-wide caches (registry included)."""
    from ui.session_runs import registry

    registry().shutdown()
    st.cache_resource.clear()
    # A stopped run's objects hold reference cycles (threads, bound methods): Python frees them at
    # its next collection. Collect now, so a memory measurement sees what stays, not what is pending.
    gc.collect()
