"""What an OPC UA client can make an asyncua server hold, and how its bad-input logs are kept short.

One module for every OPC UA server of the project: the simulated stations'
and the edge's northbound server.

asyncua's defaults let one connection hold a 100 MB message (1601 chunks)
and 500 queued messages, accept 1000 connections, and after a chunk flood
the buffers sit in reference cycles until a full collection (asyncua issues
#1962, #1964): 280-350 MB stayed after the attacker left. `apply` caps a
message at 64 chunks (4 MB), the queue at 16 messages, connections at 64 and
a connection that opens no session at 10 s; `Collector` runs a full
collection once connections have closed, and gives the freed heap back to
the system (glibc's malloc_trim). `guard` applies all of it to one server.

asyncua also keeps reading a message whose header claims any body size (up
to 4 GB), growing one bytes object as it comes (a copy per read): 41 MB
arrived in 10 s on one connection and stayed. The guard wraps asyncua's
server protocol class (its private `_buffer`; tests/integration
test_opcua_process fails loudly if that changes) to close a connection of a
guarded server whose unread bytes pass one chunk, the most a client may send
at once.

asyncua logs bad client input (with a traceback) per message and mostly
without saying from whom. The wrapper also marks the work done for each
connection with its peer (a context variable its tasks inherit), and a
filter lets one line per peer a minute through asyncua's input loggers, the traceback shortened to its exception, the lines held back
counted: a flood from one address is one line a minute, and another peer's
trouble still shows.
"""

from __future__ import annotations

import contextvars
import ctypes
import ctypes.util
import gc
import logging

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

_PEER: contextvars.ContextVar[object] = contextvars.ContextVar("opcua_peer", default=None)
_BAD_INPUT = PeerLog(logging.getLogger(__name__), "OPC UA server")


def guard(server: Server) -> None:
    """Bound what one client and all of them can make server hold (call before it starts), and keep the bad
    input logs short."""
    _apply(server)
    _quiet_bad_input_logs()
    _wrap_protocol()
    server.iserver.smarthall_guarded = True  # type: ignore[attr-defined]  # read by the wrapped protocol


def _apply(server: Server) -> None:
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


class _OneLinePerPeer(logging.Filter):
    """Warnings and errors: one per peer a minute (`_BAD_INPUT`), a traceback shortened to its exception.

    A record logged outside any connection's work has no peer: it is limited
    by its logger and message instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text = f"{text}: {type(error).__name__}: {error}"
        peer = _PEER.get()
        line = _BAD_INPUT.say(peer if peer is not None else f"({record.name}: {record.msg})", text)
        if line is None:
            return False
        record.msg = line if peer is not None else text  # no peer to name: the record's own words
        record.args, record.exc_info, record.exc_text = (), None, None
        return True


def _quiet_bad_input_logs() -> None:
    """Keep asyncua's logs about bad client input to one line per peer a minute (once per process)."""
    for name in ASYNCUA_INPUT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLinePerPeer) for f in logger.filters):
            logger.addFilter(_OneLinePerPeer())


def _wrap_protocol() -> None:
    """Make guarded asyncua servers close a connection holding more unread bytes than one chunk, and mark each
    connection's work with its peer for the logs (once per process)."""
    if getattr(OPCUAProtocol.data_received, "guarded", False):
        return
    made, receive = OPCUAProtocol.connection_made, OPCUAProtocol.data_received

    def connection_made(self, transport) -> None:
        token = _PEER.set(transport.get_extra_info("peername"))
        try:
            made(self, transport)  # the connection's tasks start here and keep the peer
        finally:
            _PEER.reset(token)

    def data_received(self, data: bytes) -> None:
        token = _PEER.set(self.peer_name)
        try:
            receive(self, data)
            if getattr(self.iserver, "smarthall_guarded", False) and len(self._buffer) > MAX_UNREAD_BYTES and self.transport is not None and not self.transport.is_closing():
                _BAD_INPUT.warning(self.peer_name, "a message of more than %d bytes; connection closed",
                                   MAX_UNREAD_BYTES)
                self._buffer = b""
                self.transport.close()
        finally:
            _PEER.reset(token)

    data_received.guarded = True  # type: ignore[attr-defined]
    OPCUAProtocol.connection_made = connection_made  # type: ignore[method-assign]
    OPCUAProtocol.data_received = data_received  # type: ignore[method-assign]
