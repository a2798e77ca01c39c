"""Long-running tasks that never die silently: an unexpected exception is logged, reported and the task restarted.

`supervised(name, run, on_failure)` runs `run()` until it returns or is cancelled. When it raises,
the exception is logged once with the task's name (the traceback goes to the log, never a screen),
`on_failure(exc)` lets the owner mark what the task served (a scanner's tags BAD with
``internal error``, its communication alarm raised), and `run()` starts again after a jittered
backoff that grows while it keeps failing and starts over once a run lasted longer than the
longest delay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from smarthall.devices.backoff import Backoff

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error"
RESTART_MIN_S = 0.5
RESTART_MAX_S = 10.0


async def supervised(name: str, run: Callable[[], Awaitable[None]],
                     on_failure: Callable[[Exception], None] = lambda exc: None,
                     backoff: Backoff | None = None) -> None:
    """Run `run()` again after each unexpected exception, until it returns or the task is cancelled."""
    backoff = backoff or Backoff(RESTART_MIN_S, RESTART_MAX_S)
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        try:
            await run()
            return
        except Exception as exc:
            if loop.time() - started > backoff.max:
                backoff.reset()
            delay = backoff.next_delay()
            log.error("%s failed (%s: %s); restarting in %.1f s", name, type(exc).__name__, exc, delay,
                      exc_info=exc)
            try:
                on_failure(exc)
            except Exception:
                log.exception("%s: reporting the failure failed", name)
            await asyncio.sleep(delay)
