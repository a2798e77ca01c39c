"""A request the agent never answers is given up after wire.ANSWER_TIMEOUT with one line naming the agent and the
request, by the async client (the panels, the console) and the blocking one (one-shot commands), never waited for
for ever (a classroom team's panel once waited for ever on a read)."""

from __future__ import annotations

import asyncio
import json

import pytest

from smarthall.edge import wire
from smarthall.edge.blocking import BlockingClient
from smarthall.edge.client import Client
from smarthall.edge.errors import AgentUnavailable
from tests.waiting import until


class SilentAgent:
    """Signs everyone in, then answers nothing; keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            request = json.loads(line)
            self.received.append(request)
            if request["op"] == "whoami":
                writer.write(wire.dump({"id": request["id"], "ok": True, "result": {"name": "kim"}}))
        writer.close()


@pytest.fixture
async def silent_agent(tmp_path, monkeypatch):
    monkeypatch.setattr(wire, "ANSWER_TIMEOUT", 0.5)
    agent = SilentAgent()
    path = tmp_path / "agent.sock"
    server = await asyncio.start_unix_server(agent.serve, path=str(path))
    yield agent, path
    server.close()
    await server.wait_closed()


async def test_the_async_client_gives_up_an_unanswered_read_and_cancels_it(silent_agent):
    agent, path = silent_agent
    client = await Client.connect_unix(path)
    try:
        async with asyncio.timeout(10):
            with pytest.raises(AgentUnavailable, match=rf"the edge agent at unix:{path} did not answer 'read' within"):
                await client.read(["conveyor.speed_actual"])
            read = next(r for r in agent.received if r["op"] == "read")
            await until(lambda: {"id": read["id"], "op": "cancel"} in agent.received)  # the agent may drop it
    finally:
        await client.close()


async def test_the_blocking_client_gives_up_an_unanswered_write(silent_agent):
    _agent, path = silent_agent

    def write() -> None:
        with BlockingClient.connect_unix(path) as client:
            client.write("conveyor.speed_setpoint", 300)

    async with asyncio.timeout(10):
        with pytest.raises(AgentUnavailable, match=rf"the edge agent at unix:{path} did not answer 'write' within"):
            await asyncio.to_thread(write)
