"""The agent as the northbound server's thread sees it: its configuration, and calls run on the agent's own loop.

The server runs in a thread of its own (edge.northbound.server); everything it asks of the
agent (a client's write or method call, an acknowledgement, the health figures, the alarms
at start) runs on the agent's loop through `AgentLink.run`, so the agent's state is only ever
touched from its own thread and a slow client never holds the scan.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any


class AgentLink:
    def __init__(self, agent, loop: asyncio.AbstractEventLoop) -> None:
        self.agent = agent
        self.config = agent.config  # frozen: read from any thread
        self._loop = loop

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` on the agent's loop (awaited there if it is a coroutine function); its result or exception."""
        async def job() -> Any:
            result = function(*args)
            return await result if inspect.isawaitable(result) else result

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(job(), self._loop))
