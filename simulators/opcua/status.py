"""Errors as OPC UA status codes: one mapping for writes and method calls.

`StatusError` is what handlers raise to answer a client with a Bad status; the
plant's own errors map to the status a PLC would give.
"""

from __future__ import annotations

from asyncua import ua

from smarthall.simulators.plant import FaultError, SensorFailure, WriteRejected

# Ranges and types are checked against the profile before the plant sees a
# request, so a WriteRejected that still comes back is about the plant's state
# (HeaterOutput in auto mode, StartBatch while a batch runs).
_PLANT_STATUS: dict[type[Exception], int] = {
    SensorFailure: ua.StatusCodes.BadSensorFailure,
    WriteRejected: ua.StatusCodes.BadInvalidState,
    FaultError: ua.StatusCodes.BadInvalidArgument,
}


class StatusError(Exception):
    """A request answered with a Bad status; the message says why."""

    def __init__(self, code: int, message: str, argument: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.argument = argument


def as_status_error(exc: Exception) -> StatusError | None:
    """The StatusError for a handler's exception, None for a bug (not a plant error)."""
    if isinstance(exc, StatusError):
        return exc
    for kind, code in _PLANT_STATUS.items():
        if isinstance(exc, kind):
            return StatusError(code, str(exc))
    return None
