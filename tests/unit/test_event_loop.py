"""The event loop of long-running processes: epoll is asked for the whole milliseconds the selector rounded the timeout to."""

from __future__ import annotations

import math

import pytest

from smarthall.event_loop import TimelyEpollSelector, new_event_loop


def epoll_ms(seconds: float) -> int:
    """The milliseconds epoll_wait gets for a poll timeout: CPython rounds seconds up to ns, then ns up to ms."""
    return math.ceil(math.ceil(seconds * 1e9) / 1e6)


def test_selectors_own_rounding_adds_a_millisecond():
    """Why the selector exists: EpollSelector passes k * 1e-3, and for k = 9 that rounds up to 10 ms."""
    assert epoll_ms(math.ceil(0.0083 * 1e3) * 1e-3) == 10


@pytest.mark.parametrize("timeout", [0.0083, 0.0001, 0.0125, 0.0669, 1.2345, 10.0])
def test_epoll_gets_the_milliseconds_the_selector_asked_for(monkeypatch, timeout):
    asked: list[float] = []
    selector = TimelyEpollSelector()
    epoll = selector._selector._epoll  # AttributeError: selectors no longer makes its epoll from _selector_cls
    try:
        monkeypatch.setattr(selector._selector, "_epoll", _Recording(asked))
        assert selector.select(timeout) == []
    finally:
        epoll.close()
    assert [epoll_ms(seconds) for seconds in asked] == [math.ceil(timeout * 1e3)]


def test_no_timeout_and_zero_pass_unchanged(monkeypatch):
    asked: list[float] = []
    selector = TimelyEpollSelector()
    epoll = selector._selector._epoll
    try:
        monkeypatch.setattr(selector._selector, "_epoll", _Recording(asked))
        selector.select(0)
        selector.select(None)
    finally:
        epoll.close()
    assert asked == [0, -1]


def test_the_loop_runs_coroutines_on_the_selector():
    loop = new_event_loop()
    try:
        assert isinstance(loop._selector, TimelyEpollSelector)  # type: ignore[attr-defined]
        assert loop.run_until_complete(_answer()) == 42
    finally:
        loop.close()


async def _answer() -> int:
    return 42


class _Recording:
    def __init__(self, asked: list[float]) -> None:
        self.asked = asked

    def poll(self, timeout: float, maxevents: int) -> list:
        self.asked.append(timeout)
        return []

