"""Sparkplug test set-up: a Mosquitto, a line of two simulated PLCs with an [mqtt] table, and a host application.

The fixtures `broker` and `plant_ports` reach every test through tests/conftest.py's pytest_plugins.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import aiomqtt
import pytest

from smarthall.devices.profiles import load_profile
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.sparkplug import payloads
from smarthall.edge.sparkplug.sparkplug_b_pb2 import Payload
from smarthall.simulators.modbus import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig
from tests.broker import PASSWORDS, Mosquitto

CONVEYOR = load_profile("conveyor").device("conveyor")
FEEDER = load_profile("feeder").device("feeder")


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
                                     identifier=f"test-host-{id(self)}", clean_session=True,
                                     timeout=30)  # aiomqtt's 10 s for a subscribe's ack: missed on a loaded CI
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


def line_file(tmp_path, broker: Mosquitto, feeder_port: int, conveyor_port: int, mqtt_extra: str = "",
              url: str | None = None, name: str = "line1", keepalive_s: int = 2) -> str:
    """A line of the feeder and conveyor at these ports publishing as edge node `name` (its own files)."""
    password_file = f"{name}-mqtt-password"
    (tmp_path / password_file).write_text(PASSWORDS[name] + "\n")
    path = tmp_path / f"{name}.toml"
    path.write_text(f"""
[line]
name = "{name}"
ko = "{name}"
en = "{name}"

[historian]
path = "{tmp_path / f'{name}-history.db'}"
flush_s = 0.1

[[connections]]
name = "feeder"
profile = "feeder"
host = "127.0.0.1"
port = {feeder_port}

[[connections]]
name = "conveyor"
profile = "conveyor"
host = "127.0.0.1"
port = {conveyor_port}

[[scan_groups]]
name = "fast"
rate_ms = 50
tags = ["conveyor.*", "feeder.*"]

[northbound]
enabled = false  # not the default port 4850: two tests (xdist workers) side by side both bound it, one failed

[mqtt]
broker = "{url or broker.url}"
group_id = "hall1"
edge_node_id = "{name}"
username = "{name}"
password_file = "{password_file}"
keepalive_s = {keepalive_s}
{mqtt_extra}
""", encoding="utf-8")
    return path


@pytest.fixture
async def broker(tmp_path):
    async with running_broker(tmp_path) as mosquitto:
        yield mosquitto


@pytest.fixture
async def tls_broker(tmp_path):
    async with running_broker(tmp_path, tls=True) as mosquitto:
        yield mosquitto


@contextlib.asynccontextmanager
async def running_broker(tmp_path, tls: bool = False):
    folder = tmp_path / "broker"
    folder.mkdir()
    mosquitto = Mosquitto(folder, tls)
    await mosquitto.start()
    try:
        yield mosquitto
    finally:
        await mosquitto.stop()


@pytest.fixture
async def plant_ports():
    async with running_plant() as ports:
        yield ports


@contextlib.asynccontextmanager
async def running_plant(seed: int = 3):
    """A plant with its feeder and conveyor served on free ports: (plant, feeder port, conveyor port)."""
    plant = Plant(PlantConfig(seed=seed))
    stations = [ModbusTcpStation(plant, FEEDER, "127.0.0.1", 0), ModbusTcpStation(plant, CONVEYOR, "127.0.0.1", 0)]
    for station in stations:
        await station.start()
    try:
        yield plant, stations[0].port, stations[1].port
    finally:
        for station in stations:
            await station.close()


async def start_agent(path) -> EdgeAgent:
    agent = EdgeAgent(load_line(path))
    await agent.start(serve=True)
    return agent
