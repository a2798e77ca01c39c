"""Modbus TCP station server: one device of a profile, served from the plant.

An asyncio protocol around the sans-IO pieces (`mbap` framing, `pdu.handle`):
each request is answered in the callback that received it, with no task or
stream buffer between (a third less CPU per request than asyncio streams);
a plant tick that falls due meanwhile runs before the next reply
(`simulators.clock.keep_time`), not after the whole burst.
Requests of one connection are answered in order, so pipelined requests get
their replies in order. The station's unit id, 0 and 255 are answered; other
unit ids get exception 0x0B (gateway target device failed to respond). Bad
MBAP headers drop the connection (logged once per peer address a minute).

Idle and slow clients cannot lock others out: a connection without a whole
request for ``idle_timeout_s`` is closed (slow senders and clients that do not
read their replies included; checked every ``fault_poll_s`` on a timer the
process's stations share, `simulators.ticker`), a
connection answers at most FRAMES_PER_TURN buffered requests before the others
get a turn, and a new connection beyond ``max_connections`` closes another:
the oldest that never sent a request, else the one whose last request is
oldest (the Modbus messaging implementation guide's "oldest unused
connection"), so a polling client keeps being served while idle ones hold the
slots.

Communication faults come from ``plant.fault(device, kind)``: ``offline``
closes the listener and every connection and listens again on the same port
once cleared (checked every ``fault_poll_s``); ``latency`` {"ms"} delays replies
(the connection answers nothing else meanwhile); ``drop`` {"fraction"} leaves
that fraction of requests unanswered, chosen by a seeded RNG. A busy port
makes `start` raise OSError (errno EADDRINUSE).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque

from smarthall.devices.peer_log import PeerLog
from smarthall.devices.profiles import Device
from smarthall.stopping import stop

from ..clock import keep_time
from ..options import DEFAULT_IDLE_TIMEOUT_S
from ..ticker import Ticker, ticker
from . import mbap
from .errors import FrameError
from .image import DeviceImage, PlantPort
from .pdu import exception_response, handle

log = logging.getLogger(__name__)

GATEWAY_TARGET_FAILED = 0x0B
ALWAYS_ANSWERED_UNITS = (0, 255)
FRAMES_PER_TURN = 16  # requests of one connection answered before the others get a turn
RECEIVE_BUFFER = 4096  # bytes read from a connection at once: 15 of the longest requests


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
        self._connections: dict[_Connection, None] = {}  # open connections, oldest first
        self._ticker: Ticker | None = None  # calls _check every fault_poll_s while started
        self._switching: asyncio.Task | None = None  # going offline or listening again
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
        self._ticker = ticker(self.fault_poll_s)
        self._ticker.add(self._check)
        self._check()

    async def close(self) -> None:
        """Stop listening, close every connection and wait until all is gone."""
        if self._ticker is not None:
            self._ticker.remove(self._check)
            self._ticker = None
        if self._switching is not None:
            await stop(self._switching)
            self._switching = None
        for _ in range(2):  # read requests that already arrived (a socket closed with unread data resets the
            await asyncio.sleep(0)  # peer): a loop turn runs what is ready before it polls, the second one reads
        await self._stop_serving()

    async def _listen(self) -> None:
        self._server = await asyncio.get_running_loop().create_server(lambda: _Connection(self), self.host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]

    async def _stop_serving(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        connections = list(self._connections)
        for connection in connections:
            connection.close(abort=connection.stalled)  # a client that reads nothing must not hold up close()
        await asyncio.gather(*(connection.gone for connection in connections))
        if server is not None:
            await server.wait_closed()

    def _fault(self, kind: str):
        return self.plant.fault(self.device.name, kind)

    def _check(self) -> None:
        """Follow the offline fault and close connections idle longer than idle_timeout_s (the ticker's call)."""
        if self._switching is None or self._switching.done():
            offline = self._fault("offline") is not None
            if offline and self.serving:
                self._switching = asyncio.create_task(self._stop_serving())
            elif not offline and not self.serving:
                self._switching = asyncio.create_task(self._listen_again())
        idle_since = asyncio.get_running_loop().time() - self.idle_timeout_s
        for connection in [c for c in self._connections if c.last_request < idle_since]:
            connection.close()

    async def _listen_again(self) -> None:
        try:
            await self._listen()
        except OSError as exc:
            log.warning("%s: cannot listen again on port %d: %s", self.device.name, self._port, exc)

    def _opened(self, connection: _Connection) -> None:
        self._connections[connection] = None
        if len(self._connections) > self.max_connections:
            self._close_least_recent(connection)
        if self._fault("offline") is not None:
            connection.close()

    def _close_least_recent(self, newcomer: _Connection) -> None:
        """Make room for newcomer: close the oldest never used, else the one whose last request is oldest."""
        others = (connection for connection in self._connections if connection is not newcomer)
        unused = min(others, key=lambda connection: (connection.answered, connection.last_request))
        unused.close()  # counted out at once: a burst of newcomers must not all pick this one

    def _reply(self, frame: mbap.Frame) -> bytes | None:
        if frame.unit in (self.device.unit, *ALWAYS_ANSWERED_UNITS):
            pdu = handle(frame.pdu, self._image)
        else:
            pdu = exception_response(frame.pdu[0], GATEWAY_TARGET_FAILED)
        return None if pdu is None else mbap.encode(frame.transaction, frame.unit, pdu)

    def _dropped(self) -> bool:
        drop = self._fault("drop")
        return drop is not None and self._rng.random() < float(drop.params["fraction"])


class _Connection(asyncio.BufferedProtocol):
    """One client connection: its whole requests answered in order, in turns, as the station's faults say.

    Received bytes land in one small buffer of the connection's (`get_buffer`): asyncio's plain protocols
    receive into a new 256 KiB bytes object per read, which glibc maps, shrinks and unmaps each time.
    """

    def __init__(self, station: ModbusTcpStation) -> None:
        self.station = station
        self.loop = asyncio.get_running_loop()
        self.decoder = mbap.Decoder()
        self.received = memoryview(bytearray(RECEIVE_BUFFER))
        self.frames: deque[mbap.Frame] = deque()  # whole requests not answered yet
        self.transport: asyncio.Transport | None = None
        self.last_request = self.loop.time()  # or when it opened
        self.answered = False  # sent a whole request
        self.gone: asyncio.Future[None] = self.loop.create_future()  # done once the connection is closed
        self._writable = True  # asyncio's flow control: the peer reads what is sent
        self._ended = False  # the peer sent EOF: close once every request is answered
        self._next: asyncio.Handle | None = None  # the next turn, or a reply the latency fault holds back

    @property
    def stalled(self) -> bool:
        """Replies wait in the send buffer: the peer does not read them."""
        return self.transport is not None and self.transport.get_write_buffer_size() > 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.station._opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._next is not None:
            self._next.cancel()
        self.station._connections.pop(self, None)
        if not self.gone.done():
            self.gone.set_result(None)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.received

    def buffer_updated(self, nbytes: int) -> None:
        try:
            self.frames.extend(self.decoder.feed(self.received[:nbytes]))
        except FrameError as exc:
            self.station._malformed.warning(self.transport.get_extra_info("peername"), "%s; connection dropped", exc)
            self.close()
            return
        self._serve()

    def eof_received(self) -> bool:
        self._ended = True
        self._serve()
        return True  # closed by _serve once the requests before the EOF are answered

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        self._serve()

    def close(self, abort: bool = False) -> None:
        """Count the connection out now and close it (abort: drop what is still unsent)."""
        self.station._connections.pop(self, None)
        if self._next is not None:
            self._next.cancel()
            self._next = None
        if abort:
            self.transport.abort()
        else:
            self.transport.close()

    def _serve(self) -> None:
        """Answer up to FRAMES_PER_TURN waiting requests; the rest wait for the next turn, after the others'."""
        if self._next is not None or not self._writable or self.transport.is_closing():
            return
        station = self.station
        for _ in range(FRAMES_PER_TURN):
            if not self.frames:
                break
            keep_time(self.loop)  # a plant tick due now runs before this reply, not after the whole burst
            if station._fault("offline") is not None:
                self.close()
                return
            frame = self.frames.popleft()
            self.last_request, self.answered = self.loop.time(), True
            reply = station._reply(frame)
            if reply is None or station._dropped():
                continue
            if latency := station._fault("latency"):
                self._next = self.loop.call_later(float(latency.params["ms"]) / 1000, self._send_late, reply)
                break
            self.transport.write(reply)
            if not self._writable:
                break
        else:
            if self.frames:
                self._next = self.loop.call_soon(self._next_turn)
        if self.frames or self._next is not None or not self._writable:
            self.transport.pause_reading()
        elif self._ended:
            self.close()
        else:
            self.transport.resume_reading()

    def _next_turn(self) -> None:
        self._next = None
        self._serve()

    def _send_late(self, reply: bytes) -> None:
        self._next = None
        self.transport.write(reply)
        self._serve()
