"""Logging of malformed input that a flood cannot turn into a flood of lines.

Servers (the simulators' and the edge's northbound OPC UA server) say what a
peer sent wrong through one `PeerLog`: one line per peer address per
interval, the lines held back counted in the next one. The peers remembered
are bounded, so a scan from many addresses cannot grow it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_INTERVAL_S = 60.0
MAX_PEERS = 1024


def peer_address(peer: object) -> str:
    """The address of a peer given as a socket's (host, port, ...) tuple, or as text."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


class PeerLog:
    """One warning per peer address per interval, for one server (`what`)."""

    def __init__(self, logger: logging.Logger, what: str, interval_s: float = DEFAULT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._what = what
        self._interval_s = interval_s
        self._clock = clock
        self._peers: OrderedDict[str, tuple[float, int]] = OrderedDict()  # address: (last said, held back)

    def warning(self, peer: object, message: str, *args: object) -> None:
        """Log message (with %-args) for peer, unless this peer's last line is younger than the interval."""
        line = self.say(peer, message % args if args else message)
        if line is not None:
            self._logger.warning("%s", line)

    def say(self, peer: object, text: str) -> str | None:
        """The line to log for text from peer, or None while this peer's last line is younger than the interval."""
        address, now = peer_address(peer), self._clock()
        last, held = self._peers.pop(address, (None, 0))
        if last is not None and now - last < self._interval_s:
            self._peers[address] = (last, held + 1)
            return None
        self._peers[address] = (now, 0)
        while len(self._peers) > MAX_PEERS:
            self._peers.popitem(last=False)
        return f"{self._what}: peer {address}: {text}" + (f" ({held} more like it held back)" if held else "")
