"""A simulated line on free ports with its edge agent and client API in this process: what a panel connects to.

`live_line(folder)` yields the running `SimulatedLine`, the `EdgeAgent` (scanning lines/sim.toml's stations
there, history in folder) and the `Service` (its socket beside that history, sim control for instructors).
`connector(service)` is the panel's `connect(user, password)` for that service.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.client import Client
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.service import Service
from smarthall.lessons.sim_control import SimControl
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS


@contextlib.asynccontextmanager
async def live_line(folder: Path, listen: tuple[str, int] | None = None):
    async with contextlib.AsyncExitStack() as stack:
        line = await stack.enter_async_context(SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(folder / "bus"))))
        sim = await stack.enter_async_context(SimControl(line.control.endpoint_url))
        config = load_line(DEFAULT_LINE, {**line.line_overrides(), "historian": {"path": str(folder / "history.db")}})
        agent = await stack.enter_async_context(EdgeAgent(config))
        methods = {"InjectFault": sim.inject_fault, "ClearFaults": sim.clear_faults, "Reset": sim.reset}
        service = await stack.enter_async_context(Service(agent, config.users, methods, listen))
        yield line, agent, service


def connector(service: Service):
    async def connect(user: str, password: str) -> Client:
        return await Client.connect_unix(service.socket, user, password)
    return connect


@contextlib.contextmanager
def live_line_in_thread(folder: Path):
    """live_line, with the client API on TCP too, run by a thread of its own: for a test that blocks (a browser)."""
    ready, served = threading.Event(), []

    async def run() -> None:
        stop = asyncio.Event()
        served.extend((asyncio.get_running_loop(), stop))
        async with live_line(folder, ("127.0.0.1", 0)) as running:
            served.append(running)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="live line")
    thread.start()
    try:
        if not ready.wait(120):
            raise TimeoutError("the simulated line and its agent did not start in 120 s")
        yield served[2]
    finally:
        if served:
            served[0].call_soon_threadsafe(served[1].set)
        thread.join(60)
