"""A Sparkplug host application for the tests: subscribes to everything as the broker's centre user."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import aiomqtt
from smarthall.edge.sparkplug import payloads
from smarthall.edge.sparkplug.sparkplug_b_pb2 import Payload

from tests.broker import PASSWORDS, Mosquitto


@dataclass(frozen=True)
class Received:
    topic: str
    verb: str
    device: str | None
    payload: Payload | None  # None for STATE (JSON)
    raw: bytes


class Host:
    """Collects every Sparkplug message; publishes STATE and commands as the primary host 'centre'."""

    def __init__(self, broker: Mosquitto, host_id: str = "centre") -> None:
        self.broker = broker
        self.host_id = host_id
        self.received: list[Received] = []
        self.client: aiomqtt.Client | None = None
        self._task: asyncio.Task | None = None
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Host:
        self.client = aiomqtt.Client("127.0.0.1", self.broker.port, username="centre", password=PASSWORDS["centre"],
                                     identifier=f"test-host-{id(self)}", clean_session=True)
        await self._stack.enter_async_context(self.client)
        await self.client.subscribe("spBv1.0/#", qos=1)
        self._task = asyncio.create_task(self._collect())
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._stack.aclose()

    async def _collect(self) -> None:
        async for message in self.client.messages:
            parts = str(message.topic).split("/")
            raw = bytes(message.payload)
            if parts[1] == "STATE":
                self.received.append(Received(str(message.topic), "STATE", None, None, raw))
                continue
            self.received.append(Received(str(message.topic), parts[2], parts[4] if len(parts) > 4 else None,
                                          Payload.FromString(raw), raw))

    def of(self, *verbs: str) -> list[Received]:
        return [r for r in self.received if r.verb in verbs]

    async def state(self, online: bool, timestamp_ms: int) -> None:
        await self.client.publish(payloads.Topics.state(self.host_id), payloads.state(online, timestamp_ms), qos=1,
                                  retain=True)

    async def command(self, topic: str, payload: Payload) -> None:
        await self.client.publish(topic, payload.SerializeToString(), qos=0)
