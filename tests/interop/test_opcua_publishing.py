"""The OPC UA driver's subscriptions against node-opcua servers that cap their publish responses.

tests/peers/rewriting_server.js rewrites its Doubles every 100 ms (node-opcua, default settings); capped
at 10 notifications a response, 50 of them take 5 messages a publishing cycle. The driver keeps as many
PublishRequests in flight as a cycle takes, a client that stalls sees the changes the server had to
drop counted in its health, a message lost on the way is asked for again and handed on before the ones
after it, and answers that come in while the driver closes are not warned of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator
from itertools import pairwise

import pytest

from smarthall.devices import Quality, Timeouts
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.opcua.driver import SESSION_TIMEOUT_MS
from smarthall.devices.opcua.subscriptions import MAX_IN_FLIGHT
from smarthall.devices.profiles import DataType, Device, Kind, Point, Text
from tests.peers.node_peer import NodePeer
from tests.waiting import until

pytestmark = [pytest.mark.interop, pytest.mark.debian("node"), pytest.mark.debian("npm")]  # npm: node_modules

SIZE, CAP = 50, 10
TIMEOUTS = Timeouts(connect=10.0, read=10.0, write=5.0, backoff_min=0.05, backoff_max=0.2)
BENCH = Device(name="bench", title=Text("벤치", "bench"), object="Bench", points=tuple(
    Point(name=f"v{i}", kind=Kind.NODE, type=DataType.FLOAT64, text=Text("v", "v"), node=f"ns=1;s=Bench.V{i}")
    for i in range(SIZE)))


@pytest.fixture(scope="module")
def capped(tmp_path_factory) -> Iterator[str]:
    with NodePeer("rewriting_server.js", "--size", str(SIZE), "--cap", str(CAP),
                  "--pki", str(tmp_path_factory.mktemp("rewriting-pki"))) as url:
        yield url


class Relay:
    """A TCP relay to the server whose answers can be held back: the client stalls as a busy one does."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("opc.tcp://").rsplit(":", 1)
        self.upstream = (host, int(port))
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.held = 0  # reads from the server held back at the gate
        self.writers: list[asyncio.StreamWriter] = []
        self.connections: set[asyncio.Task] = set()

    async def __aenter__(self) -> Relay:
        self.server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.url = f"opc.tcp://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc) -> None:
        self.flowing.set()
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        await asyncio.gather(*self.connections, return_exceptions=True)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(asyncio.current_task())
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer, None), self._pipe(up_reader, writer, self.flowing),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gate: asyncio.Event | None) -> None:
        try:
            while data := await reader.read(65536):
                if gate is not None and not gate.is_set():
                    self.held += 1
                    await gate.wait()
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


PUBLISH_RESPONSE, REPUBLISH_RESPONSE = b"\x01\x00\x3d\x03", b"\x01\x00\x43\x03"  # type ids 829, 835


class GapRelay(Relay):
    """A relay that loses one PublishResponse with data on the way to the client and holds the server's answer
    to the RepublishRequest that follows until `late` more PublishResponses went by. The chunks it lets through
    are numbered anew (no security: nothing signs them), so the client's secure channel sees no gap."""

    def __init__(self, url: str, late: int) -> None:
        super().__init__(url)
        self.late = late
        self.armed = False
        self.dropped = 0
        self.passed = 0  # PublishResponses let through since the republish answer was held
        self.held: list[bytes] = []
        self.sequence: int | None = None

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(asyncio.current_task())
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer, None), self._answers(up_reader, writer),
                             return_exceptions=True)

    async def _answers(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pending = b""
        try:
            while data := await reader.read(65536):
                pending += data
                while len(pending) >= 8 and len(pending) >= (size := int.from_bytes(pending[4:8], "little")):
                    chunk, pending = pending[:size], pending[size:]
                    for out in self._route(chunk):
                        writer.write(self._numbered(out))
                await writer.drain()
        finally:
            writer.close()

    def _route(self, chunk: bytes) -> list[bytes]:
        if chunk[:4] != b"MSGF":
            return [chunk]
        kind = chunk[24:28]
        if kind == PUBLISH_RESPONSE and self.armed and len(chunk) > 300:  # data, not a keep-alive
            self.armed = False
            self.dropped += 1
            return []
        if kind == REPUBLISH_RESPONSE and not self.held:
            self.held.append(chunk)
            return []
        if kind == PUBLISH_RESPONSE and self.held:
            self.passed += 1
            if self.passed >= self.late:
                return [chunk, self.held.pop()]
        return [chunk]

    def _numbered(self, chunk: bytes) -> bytes:
        if chunk[:3] != b"MSG":
            return chunk
        if self.sequence is None:
            self.sequence = int.from_bytes(chunk[16:20], "little")
        else:
            self.sequence += 1
        return chunk[:16] + self.sequence.to_bytes(4, "little") + chunk[20:]


class Latest:
    """Every good value per point, as delivered."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {p.name: [] for p in BENCH.points}

    def __call__(self, point: Point, reading) -> None:
        if reading.quality is Quality.GOOD:
            self.values[point.name].append(reading.value)

    def all_after(self, moment: float) -> bool:
        return all(v and v[-1] > moment for v in self.values.values())


@contextlib.asynccontextmanager
async def subscribed(url: str) -> AsyncIterator[tuple[OpcUaDriver, Latest]]:
    """A driver subscribed to every variable every 100 ms, once each has delivered a value; closed after."""
    driver = OpcUaDriver(url, "", TIMEOUTS, rng=random.Random(0))
    latest = Latest()
    try:
        await driver.subscribe(BENCH, BENCH.points, latest, interval_ms=100)
        await until(lambda: latest.all_after(0), timeout=30)
        yield driver, latest
    finally:
        await driver.close()


@pytest.mark.timeout(120)
async def test_requests_in_flight_follow_the_messages_a_cycle_takes(capped):
    """5 messages a cycle: 6 in flight (more when the loaded server runs cycles together), never the 20 cap."""
    async with subscribed(capped) as (driver, latest):
        await until(lambda: driver.health.messages >= 15 * SIZE // CAP, timeout=60)
        assert SIZE // CAP + 1 <= driver.health.target < MAX_IN_FLIGHT
        now = time.time()
        await until(lambda: latest.all_after(now), timeout=30)  # every variable keeps coming
        assert driver.health.lost == 0


@pytest.mark.timeout(120)
async def test_a_client_that_stalls_sees_the_changes_the_server_dropped_as_lost(capped):
    """Held back for 20 rounds, the items' queues (1 s of 100 ms intervals) overflow: counted, not silent."""
    watcher = OpcUaDriver(capped, "", TIMEOUTS, rng=random.Random(0))
    v0 = BENCH.points[:1]
    try:
        async with Relay(capped) as relay, subscribed(relay.url) as (driver, _):
            assert driver.health.lost == 0
            relay.flowing.clear()
            held = time.time()

            async def rounds_written_since_held() -> bool:
                (reading,) = await watcher.read(BENCH, v0)
                return reading.quality is Quality.GOOD and reading.value > held + 2.0

            await until(rounds_written_since_held, timeout=30, every=0.1)
            relay.flowing.set()
            await until(lambda: driver.health.overflows > 0, timeout=30)
            assert driver.health.lost >= driver.health.overflows
    finally:
        await watcher.close()


@pytest.mark.timeout(120)
async def test_answers_that_come_in_while_the_driver_closes_are_not_warned_of(capped, caplog):
    """The server's answers to the PublishRequests in flight are held back, then let through as the driver
    closes; the server answers the rest with BadSessionClosed as the session closes. No one waits for them any
    more, and asyncua warned of each ('Future ... is already done', 'ServiceFault (BadSessionClosed ...')."""
    async with Relay(capped) as relay, subscribed(relay.url):
        relay.flowing.clear()
        await until(lambda: relay.held > 0, timeout=30)  # the server answered a request in flight
        relay.flowing.set()  # as the driver closes
    assert [r.getMessage() for r in caplog.records
            if r.name.startswith("asyncua.client.ua_client") and r.levelno >= logging.WARNING] == []


@pytest.mark.timeout(120)
async def test_a_message_asked_for_again_comes_before_the_ones_after_it(capped):
    """A PublishResponse lost on the way: the driver asks for it again (Republish) and the server still has it.
    Its answer comes two publishing cycles late, behind newer values of the same items; delivered as it came,
    each of those items went back to its older value. Held until it is in, every item's values come in order."""
    async with GapRelay(capped, late=2 * SIZE // CAP) as relay, subscribed(relay.url) as (driver, latest):
        relay.armed = True
        await until(lambda: driver.health.republished == 1, timeout=30)
        now = time.time()
        await until(lambda: latest.all_after(now), timeout=30)
        assert (relay.dropped, relay.held, driver.health.lost) == (1, [], 0)
        backwards = {name: values for name, values in latest.values.items()
                     if any(b <= a for a, b in pairwise(values))}
        assert backwards == {}


async def test_the_session_asked_for_is_the_one_granted(capped, caplog):
    """A minute, which node-opcua grants as asked: no warning of a revised timeout (asyncua's hour was cut)."""
    async with subscribed(capped) as (driver, _):
        assert driver._client.session_timeout == SESSION_TIMEOUT_MS
    assert not [r for r in caplog.records if "session timeout" in r.getMessage()]
