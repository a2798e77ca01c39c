"""Modbus TCP station server: one device of a profile, served from the plant.

asyncio streams around the sans-IO pieces (`mbap` framing, `pdu.handle`).
Each connection is one task answering its requests in order, so pipelined
requests get their replies in order. The station's unit id, 0 and 255 are
answered; other unit ids get exception 0x0B (gateway target device failed to
respond). Bad MBAP headers drop the connection (logged once per peer address
a minute).

Idle and slow clients cannot lock others out: a connection without a whole
request for ``idle_timeout_s`` is closed (slow senders and clients that do not
read their replies included), and a new connection beyond
``max_connections`` closes another: the oldest that never sent a request,
else the one whose last request is oldest (the Modbus messaging
implementation guide's "oldest unused connection"), so a polling client
keeps being served while idle ones hold the slots.

Communication faults come from ``plant.fault(device, kind)``: ``offline``
closes the listener and every connection and listens again on the same port
once cleared (a watcher polls for it); ``latency`` {"ms"} delays replies;
``drop`` {"fraction"} leaves that fraction of requests unanswered, chosen by
a seeded RNG. A busy port makes `start` raise OSError (errno EADDRINUSE).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass

from smarthall.devices.peer_log import PeerLog
from smarthall.devices.profiles import Device
from smarthall.stopping import stop

from ..options import DEFAULT_IDLE_TIMEOUT_S
from . import mbap
from .errors import FrameError
from .image import DeviceImage, PlantPort
from .pdu import exception_response, handle

log = logging.getLogger(__name__)

GATEWAY_TARGET_FAILED = 0x0B
ALWAYS_ANSWERED_UNITS = (0, 255)
FRAMES_PER_TURN = 16  # requests of one connection answered before the others get a turn


@dataclass
class _Connection:
    writer: asyncio.StreamWriter
    last_request: float  # or when it opened
    answered: bool = False  # sent a whole request


class ModbusTcpStation:
    """Serves one device over Modbus TCP on host:port (port 0 picks a free one)."""

    def __init__(self, plant: PlantPort, device: Device, host: str = "127.0.0.1", port: int = 0, *,
                 max_connections: int = 16, idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S, seed: int = 0,
                 fault_poll_s: float = 0.05) -> None:
        self.plant = plant
        self.device = device
        self.host = host
        self.max_connections = max_connections
        self.idle_timeout_s = idle_timeout_s
        self.fault_poll_s = fault_poll_s
        self._port = port
        self._image = DeviceImage(plant, device)
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task, _Connection] = {}
        self._watcher: asyncio.Task | None = None
        self._malformed = PeerLog(log, f"{device.name} (Modbus TCP)")

    @property
    def port(self) -> int:
        """The TCP port, bound once `start` returned."""
        return self._port

    @property
    def connections(self) -> int:
        """Connections open now."""
        return len(self._connections)

    @property
    def serving(self) -> bool:
        """Whether the listener is open (False while the station is offline)."""
        return self._server is not None

    async def start(self) -> None:
        """Listen; raises OSError when the port cannot be bound."""
        await self._listen()
        self._watcher = asyncio.create_task(self._watch_offline(), name=f"modbus-tcp {self.device.name} faults")

    async def close(self) -> None:
        """Stop listening, close every connection and wait until all is gone."""
        if self._watcher is not None:
            await stop(self._watcher)
            self._watcher = None
        await self._stop_serving()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connection, self.host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]

    async def _stop_serving(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    def _fault(self, kind: str):
        return self.plant.fault(self.device.name, kind)

    async def _watch_offline(self) -> None:
        while True:
            offline = self._fault("offline") is not None
            if offline and self.serving:
                await self._stop_serving()
            elif not offline and not self.serving:
                try:
                    await self._listen()
                except OSError as exc:
                    log.warning("%s: cannot listen again on port %d: %s", self.device.name, self._port, exc)
            await asyncio.sleep(self.fault_poll_s)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        connection = _Connection(writer, asyncio.get_running_loop().time())
        self._connections[task] = connection
        try:
            if len(self._connections) > self.max_connections:
                self._close_least_recent(task)
            if self._fault("offline") is None:
                await self._serve(reader, connection)
        except FrameError as exc:
            self._malformed.warning(writer.get_extra_info("peername"), "%s; connection dropped", exc)
        except (ConnectionError, TimeoutError) as exc:
            log.debug("%s: dropping a connection: %r", self.device.name, exc)
        except asyncio.CancelledError:
            pass  # close(), offline or a newer connection; asyncio's stream callback would log a cancelled task
        finally:
            self._connections.pop(task, None)  # gone already when a newer connection closed it
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _close_least_recent(self, newcomer: asyncio.Task) -> None:
        """Make room for newcomer: close the oldest never used, else the one whose last request is oldest."""
        others = (task for task in self._connections if task is not newcomer)
        unused = min(others, key=lambda task: (self._connections[task].answered, self._connections[task].last_request))
        del self._connections[unused]  # counted out now: a burst of newcomers must not all pick this one
        unused.cancel()

    async def _serve(self, reader: asyncio.StreamReader, connection: _Connection) -> None:
        decoder, loop, writer = mbap.Decoder(), asyncio.get_running_loop(), connection.writer
        async with asyncio.timeout_at(loop.time() + self.idle_timeout_s) as deadline:
            while data := await reader.read(4096):
                for count, frame in enumerate(decoder.feed(data), 1):
                    if count % FRAMES_PER_TURN == 0:  # requests back to back: neither read nor drain waits while
                        await asyncio.sleep(0)  # data is buffered, so let the others in (a flood held the loop 0.8 s)
                    if self._fault("offline") is not None:
                        return
                    connection.last_request, connection.answered = loop.time(), True
                    deadline.reschedule(connection.last_request + self.idle_timeout_s)
                    reply = self._reply(frame)
                    if reply is None or self._dropped():
                        continue
                    if latency := self._fault("latency"):
                        await asyncio.sleep(float(latency.params["ms"]) / 1000)
                    writer.write(reply)
                    await writer.drain()

    def _reply(self, frame: mbap.Frame) -> bytes | None:
        if frame.unit in (self.device.unit, *ALWAYS_ANSWERED_UNITS):
            pdu = handle(frame.pdu, self._image)
        else:
            pdu = exception_response(frame.pdu[0], GATEWAY_TARGET_FAILED)
        return None if pdu is None else mbap.encode(frame.transaction, frame.unit, pdu)

    def _dropped(self) -> bool:
        drop = self._fault("drop")
        return drop is not None and self._rng.random() < float(drop.params["fraction"])
