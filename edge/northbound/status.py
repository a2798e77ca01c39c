"""A tag value's quality and reason as an OPC UA status code (pure).

GOOD is Good. STALE is Uncertain (the device's own Uncertain status when it sent
one, else UncertainLastUsableValue). BAD keeps an OPC UA device's own Bad status
(the process station's BadSensorFailure for an open thermocouple) and maps the
drivers' reasons: not connected, timeout (CRC errors too), a Modbus exception
from the device, settings the driver cannot use, a camera that stalled, a derived
tag with no value yet.
"""

from __future__ import annotations

from asyncua import ua

from smarthall.devices.quality import Quality

_BY_REASON = {
    "not connected": ua.StatusCodes.BadNotConnected,
    "timeout": ua.StatusCodes.BadTimeout,
    "bad settings": ua.StatusCodes.BadConfigurationError,
    "out of service": ua.StatusCodes.BadOutOfService,
    "no value": ua.StatusCodes.BadNoCommunication,
}
_GATEWAY_EXCEPTIONS = ("exception 0A", "exception 0B")  # the gateway could not reach the device


def status_code(quality: Quality, reason: str) -> int:
    """The status code of a value with this quality and reason."""
    if quality is Quality.GOOD:
        return ua.StatusCodes.Good
    named = getattr(ua.StatusCodes, reason, None) if reason.isidentifier() else None
    if quality is Quality.STALE:
        return named if named is not None and reason.startswith("Uncertain") else ua.StatusCodes.UncertainLastUsableValue
    if named is not None and reason.startswith("Bad"):
        return named
    if reason in _BY_REASON:
        return _BY_REASON[reason]
    if reason.startswith(_GATEWAY_EXCEPTIONS):
        return ua.StatusCodes.BadNoCommunication
    if reason.startswith("exception "):
        return ua.StatusCodes.BadDeviceFailure
    if reason.startswith("no value yet"):
        return ua.StatusCodes.BadWaitingForInitialData
    return ua.StatusCodes.BadCommunicationError
