"""What an OPC UA client can make the simulated servers hold, and how their bad-input logs are kept short.

asyncua's defaults let one connection hold a 100 MB message (1601 chunks)
and 500 queued messages, accept 1000 connections, and after a chunk flood
the buffers sit in reference cycles until a full collection (asyncua issues
#1962, #1964): 280-350 MB stayed after the attacker left. The simulators
serve small address spaces, so `apply` caps a message at 64 chunks (4 MB),
the queue at 16 messages, connections at 64 and a connection that opens no
session at 10 s; `Collector` runs a full collection once connections have
closed, and gives the freed heap back to the system (glibc's malloc_trim). `quiet_bad_input_logs` turns asyncua's per-message tracebacks about
bad client input into one line per kind of message a minute.

asyncua also keeps reading a message whose header claims any body size (up
to 4 GB), growing one bytes object as it comes (a copy per read): 41 MB
arrived in 10 s on one connection and stayed. `cap_receive_buffer` wraps
asyncua's server protocol (its private `_buffer`; tests/integration
test_opcua_process fails loudly if that changes) to close a connection whose
unread bytes pass one chunk, the most a client may send at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable

from asyncua import Server
from asyncua.common.connection import TransportLimits
from asyncua.server.binary_server_asyncio import OPCUAProtocol

from ..peer_log import PeerLog

CHUNK_BYTES = 65535
MAX_CHUNKS = 64
MAX_QUEUED_MESSAGES = 16
MAX_CONNECTIONS = 64
MAX_SECONDS_WITHOUT_SESSION = 10.0
MAX_UNREAD_BYTES = 8 + CHUNK_BYTES  # a header and the largest chunk
ASYNCUA_INPUT_LOGGERS = ("asyncua.server.binary_server_asyncio", "asyncua.server.uaprocessor",
                         "asyncua.common.connection")


def apply(server: Server) -> None:
    """Bound what one client and all of them can make server hold."""
    server.limits = TransportLimits(max_recv_buffer=CHUNK_BYTES, max_send_buffer=CHUNK_BYTES,
                                    max_chunk_count=MAX_CHUNKS, max_message_size=MAX_CHUNKS * CHUNK_BYTES)
    server.iserver.max_pending_messages_per_connection = MAX_QUEUED_MESSAGES
    server.iserver.max_connections = MAX_CONNECTIONS
    server.iserver.max_pending_activation_seconds = MAX_SECONDS_WITHOUT_SESSION


def connections(server: Server) -> int:
    """Client connections open now (asyncua's transport list)."""
    return len(server.iserver.asyncio_transports)


class Collector:
    """A full garbage collection after connections closed, so a flood's buffers go when the flooder does."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._open = 0

    def check(self) -> bool:
        """Collect when fewer connections are open than at the last check; whether it did."""
        open_now = connections(self._server)
        closed, self._open = open_now < self._open, open_now
        if closed:
            gc.collect()
            _trim_heap()
        return closed


def _load_libc():
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _load_libc()


def _trim_heap() -> None:
    """Give the freed heap back to the system (glibc keeps a flood's 64 KB chunks otherwise)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class _OneLinePerMinute(logging.Filter):
    """Warnings and errors: one per logger and message a minute, a traceback shortened to its exception."""

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._interval_s = interval_s
        self._clock = clock
        self._last: dict[tuple[str, object], float] = {}  # bounded: asyncua's message templates

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key, now = (record.name, record.msg), self._clock()
        if key in self._last and now - self._last[key] < self._interval_s:
            return False
        self._last[key] = now
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {error}", ()
            record.exc_info, record.exc_text = None, None
        return True


def quiet_bad_input_logs() -> None:
    """Keep asyncua's logs about bad client input to one line per message a minute (once per process)."""
    for name in ASYNCUA_INPUT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLinePerMinute) for f in logger.filters):
            logger.addFilter(_OneLinePerMinute())


def cap_receive_buffer() -> None:
    """Make asyncua servers close a connection holding more unread bytes than one chunk (once per process)."""
    if getattr(OPCUAProtocol.data_received, "capped", False):
        return
    receive = OPCUAProtocol.data_received
    oversized = PeerLog(logging.getLogger(__name__), "OPC UA server")

    def data_received(self, data: bytes) -> None:
        receive(self, data)
        if len(self._buffer) > MAX_UNREAD_BYTES and self.transport is not None and not self.transport.is_closing():
            oversized.warning(self.peer_name, "a message of more than %d bytes; connection closed", MAX_UNREAD_BYTES)
            self._buffer = b""
            self.transport.close()

    data_received.capped = True
    OPCUAProtocol.data_received = data_received
