"""The event loop of every long-running process (sim, lab, edge run): asyncio's, with timers that wake
when due, not up to 2 ms later.

`selectors.EpollSelector.select` rounds a timeout up to whole milliseconds and hands epoll
k * 1e-3 seconds; for many k (9, 13, 18, 26, ...) that float is a hair above k ms, and epoll
rounds it up once more: a timer due in 8.3 ms woke after 10 (Python 3.11; measured 1.8 ms late
against 0.8 ms with this selector). The pacer's 10 ms tick lost that much of its time on a third
of its ticks, and the edge's scan cycles as much. This selector's epoll waits the k milliseconds the
selector asked for.
"""

from __future__ import annotations

import asyncio
import select
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _WholeMillisecondEpoll:
    """select.epoll (which cannot be subclassed) whose poll waits exactly the whole milliseconds it is given."""

    def __init__(self) -> None:
        self._epoll = select.epoll()

    def poll(self, timeout: float = -1, maxevents: int = -1) -> list[tuple[int, int]]:
        if timeout > 0:  # k * 1e-3 from the selector: half a millisecond less still makes epoll wait k ms
            timeout = (round(timeout * 1000) - 0.5) / 1000
        return self._epoll.poll(timeout, maxevents)

    def __getattr__(self, name: str):
        return getattr(self._epoll, name)


class TimelyEpollSelector(selectors.EpollSelector):
    """An epoll selector whose timeouts end when asked (to the millisecond)."""

    _selector_cls = _WholeMillisecondEpoll


def new_event_loop() -> asyncio.AbstractEventLoop:
    """An event loop whose timers wake when due (`asyncio.Runner(loop_factory=new_event_loop)`)."""
    if hasattr(select, "epoll"):
        return asyncio.SelectorEventLoop(TimelyEpollSelector())
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on an event loop whose timers wake when due."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
