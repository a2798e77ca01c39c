"""Shared pieces of the MQTT benchmarks: a Mosquitto on a free port, synthetic stations, an edge node's settings."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import shutil
import socket
from pathlib import Path

from smarthall.devices.profiles import DataType, Device, Kind, Point, Text
from smarthall.edge.config import Tag
from smarthall.edge.sparkplug.settings import MqttSettings, StoreSettings


class Broker:
    """An anonymous Mosquitto on loopback (the benchmarks measure the protocol, not the ACL); stop and start keep the port."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.config = folder / "mosquitto.conf"
        self.config.write_text(f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n"
                               "persistence false\nmax_queued_messages 1000000\nset_tcp_nodelay true\n")
        self.binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
        if self.binary is None:
            raise SystemExit("mosquitto is not installed: apt-get install mosquitto (python3 dev.py test installs it)")
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(self.binary, "-c", str(self.config),
                                                            stdout=asyncio.subprocess.DEVNULL,
                                                            stderr=asyncio.subprocess.DEVNULL)
        for _ in range(500):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.process.terminate()
        await self.process.wait()


@contextlib.asynccontextmanager
async def mosquitto(folder: Path):
    """A running Broker; yields its port."""
    broker = Broker(folder)
    await broker.start()
    try:
        yield broker.port
    finally:
        await broker.stop()


def synthetic_tags(count: int, stations: int = 4) -> dict[str, Tag]:
    """count float64 tags spread over `stations` devices (stations), as a line's scan would publish them."""
    tags = {}
    for i in range(count):
        station = f"station{i % stations}"
        point = Point(name=f"value{i}", kind=Kind.NODE, type=DataType.FLOAT64, text=Text("값", "value"), unit="u")
        device = Device(station, Text(station, station), (point,))
        tags[f"{station}.value{i}"] = Tag(f"{station}.value{i}", station, device, point, "fast")
    return tags


def node_settings(port: int, node_id: str, store: Path, drain_per_s: float = 500, keepalive_s: int = 10,
                  host: str | None = None) -> MqttSettings:
    return MqttSettings(host="127.0.0.1", port=port, tls=False, group_id="bench", edge_node_id=node_id, username=None,
                        password_env=None, password_file=None, ca_file=None, primary_host=host, command_user=None,
                        keepalive_s=keepalive_s, store=StoreSettings(store, 10**9, 86400, drain_per_s))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")
