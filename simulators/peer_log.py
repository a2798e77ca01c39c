"""Logging of malformed input that a flood cannot turn into a flood of lines.

`PeerLog.warning` writes one line per peer address per interval; the lines
it held back are counted in the next one. The peers remembered are bounded,
so a scan from many addresses cannot grow it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_INTERVAL_S = 60.0
MAX_PEERS = 1024


class PeerLog:
    """One warning per peer address per interval, for one server (`what`)."""

    def __init__(self, logger: logging.Logger, what: str, interval_s: float = DEFAULT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._what = what
        self._interval_s = interval_s
        self._clock = clock
        self._peers: OrderedDict[str, tuple[float, int]] = OrderedDict()  # address: (last logged, held back)

    def warning(self, peer: object, message: str, *args: object) -> None:
        """Log message (with %-args) for peer, unless this peer's last line is younger than the interval."""
        address = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        now = self._clock()
        last, held = self._peers.pop(address, (None, 0))
        if last is not None and now - last < self._interval_s:
            self._peers[address] = (last, held + 1)
            return
        more = f" ({held} more like it held back)" if held else ""
        self._logger.warning("%s: peer %s: " + message + more, self._what, address, *args)
        self._peers[address] = (now, 0)
        while len(self._peers) > MAX_PEERS:
            self._peers.popitem(last=False)
