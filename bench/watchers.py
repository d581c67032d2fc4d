"""Many watchers of one shared run, without a browser per watcher: Streamlit's own websocket protocol.

Fifty Chromium tabs do not fit on the two cores that also run the server (the load test's try took
over 20 minutes to open 45 of them), so each watcher here is what a browser tab is to the server: one
websocket on ``/_stcore/stream`` that asks for the page (``BackMsg.rerun_script`` with the share
link's query string), then reruns the page's auto-refreshing fragment every time the server's
``auto_rerun`` message says, as the frontend's timer does, and tells the server which large messages
it holds already (``cached_message_hashes``), as the frontend's message cache does. It draws nothing:
the server does all of its usual work for every refresh, the watcher's share of the client's work is
nil.

    with Watchers(url, "live-lab", "watch=<token>&lang=en", 50) as watchers:
        ...  # watchers.refreshes(): each one's refreshes so far
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

STEP = re.compile(r"Step ([\d,]+)")


@dataclass
class Watcher:
    """What one watcher saw: page runs finished, refreshes that showed a new step, the last step."""

    runs: int = 0
    refreshes: int = 0
    step: int | None = None
    errors: list[str] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)


def _rerun(page: str, query: str, hashes: set[str], fragment: str = "", trigger: str = "") -> bytes:
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string, state.page_name = query, page
    if fragment:
        state.fragment_id, state.is_auto_rerun = fragment, True
    if trigger:  # a button pressed
        state.widget_states.widgets.add(id=trigger, trigger_value=True)
    state.cached_message_hashes.extend(sorted(hashes))
    return msg.SerializeToString()


def _button_id(msg: ForwardMsg, key: str) -> str | None:
    """The widget id of the button with Streamlit key ``key`` this message draws, if it does."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    if element.WhichOneof("type") == "button" and element.button.id.endswith(key):
        return element.button.id
    return None


def _step_in(msg: ForwardMsg) -> int | None:
    """The step number of a status line this message draws, if it draws one."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    if element.WhichOneof("type") != "markdown":
        return None
    match = STEP.search(element.markdown.body)
    return int(match[1].replace(",", "")) if match else None


async def _one(
    url: str, page: str, query: str, stop: asyncio.Event, seen: Watcher, press: str = ""
) -> None:
    ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    hashes: set[str] = set()
    async with websockets.connect(
        ws_url, subprotocols=["streamlit"], origin=url, max_size=None, open_timeout=60
    ) as ws:
        await ws.send(_rerun(page, query, hashes))
        interval, fragment, running, due = 0.0, "", True, float("inf")
        shown: int | None = None
        button_id: str | None = None
        while not stop.is_set():
            wait = max(0.01, min(0.2, due - time.monotonic()))
            try:
                data = await asyncio.wait_for(ws.recv(), wait)
            except TimeoutError:
                data = None
            if data is not None:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if msg.metadata.cacheable:
                    hashes.add(msg.hash)
                kind = msg.WhichOneof("type")
                step = _step_in(msg)
                if step is not None:
                    shown = step
                button_id = (_button_id(msg, press) if press else None) or button_id
                if kind == "auto_rerun" and msg.auto_rerun.fragment_id:
                    interval, fragment = msg.auto_rerun.interval, msg.auto_rerun.fragment_id
                    due = min(due, time.monotonic() + interval)
                elif kind == "script_finished":
                    running = False
                    seen.runs += 1
                    if press and button_id:  # the page is drawn: press the button, once
                        await ws.send(_rerun(page, query, hashes, trigger=button_id))
                        running, press = True, ""
                        continue
                    if shown is not None:
                        seen.connected.set()
                        if shown != seen.step:
                            seen.refreshes += 1
                        seen.step = shown
            if fragment and not running and time.monotonic() >= due:
                await ws.send(_rerun(page, query, hashes, fragment))
                running, due = True, time.monotonic() + interval


class Watchers:
    """``n`` websocket watchers of ``url``'s ``page`` with ``query``, on an event loop in a thread
    of their own (the load test's Playwright calls are synchronous). With ``press`` (a button's
    Streamlit key, e.g. ``"lab_play"``) each one presses that button once its page is drawn: a
    tab that trains its own run.

        with Watchers(url, "live-lab", "watch=<token>&lang=en", 50) as w:
            before = w.refreshes(); time.sleep(10); after = w.refreshes()
    """

    def __init__(self, url: str, page: str, query: str, n: int, press: str = ""):
        self.url, self.page, self.query, self.press = url, page, query, press
        self.seen = [Watcher() for _ in range(n)]
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Watchers:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._connect(), self._loop).result(timeout=180)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def refreshes(self) -> list[int]:
        """Each watcher's refreshes so far (page runs that showed a new step)."""
        return [w.refreshes for w in self.seen]

    def errors(self) -> list[str]:
        return [e for w in self.seen for e in w.errors]

    async def _connect(self) -> None:
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self._guarded(w)) for w in self.seen]
        await asyncio.wait_for(asyncio.gather(*(w.connected.wait() for w in self.seen)), 150)

    async def _guarded(self, w: Watcher) -> None:
        try:
            await _one(self.url, self.page, self.query, self._stop, w, self.press)
        except Exception as exc:  # reported with the figures, never a crash of the load test
            w.errors.append(f"{type(exc).__name__}: {exc}")
            w.connected.set()

    async def _drain(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
