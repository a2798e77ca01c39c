"""One timer per event loop and period for every server's housekeeping checks.

A line (or a classroom process) runs many servers that each look at their faults and idle
connections a few times a second; a task sleeping per server costs a wake-up each, and at 50
stations those wake-ups were a tenth of the simulator's CPU. Servers `add` a check here and
share one timer per period: one wake-up per period runs every check, in the order added.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    """Calls every added check each `period` seconds from one timer on the running loop."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._checks: dict[Callable[[], None], None] = {}
        self._next: asyncio.TimerHandle | None = None

    def add(self, check: Callable[[], None]) -> None:
        self._checks[check] = None
        if self._next is None:
            self._next = asyncio.get_running_loop().call_later(self.period, self._tick)

    def remove(self, check: Callable[[], None]) -> None:
        self._checks.pop(check, None)
        if not self._checks and self._next is not None:
            self._next.cancel()
            self._next = None

    def _tick(self) -> None:
        self._next = asyncio.get_running_loop().call_later(self.period, self._tick)
        for check in list(self._checks):
            try:
                check()
            except Exception:
                log.exception("housekeeping check %r failed", check)


_tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, Ticker]] = weakref.WeakKeyDictionary()


def ticker(period: float) -> Ticker:
    """The running loop's ticker for `period` seconds (made on first use)."""
    by_period = _tickers.setdefault(asyncio.get_running_loop(), {})
    if period not in by_period:
        by_period[period] = Ticker(period)
    return by_period[period]
