"""The simulated line's start error, apart from the servers: a command can catch it without importing them."""

from __future__ import annotations


class SimStartError(RuntimeError):
    """An endpoint of the simulated line could not be opened: `what`, its `port` when it is in use, the `flag` to change."""

    def __init__(self, message: str, what: str, flag: str, busy_port: int | None = None, host: str = "") -> None:
        super().__init__(message)
        self.what, self.flag, self.busy_port, self.host = what, flag, busy_port, host
