"""The driver layer's exception tree (described in the `devices` package docstring).

Every error has a short `reason`, the text a BAD reading carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .profiles.model import Text


class DriverError(Exception):
    """Base of every error a driver raises."""

    reason = "driver error"

    def __init__(self, message: str = "", reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(message or self.reason)


class SettingsError(DriverError, ValueError):
    """Transport settings a driver cannot use; the message names the key and what was expected."""

    reason = "bad settings"


class ConnectFailed(DriverError):
    """The transport could not be opened within the connect timeout; `said`: why, in Korean and English, where known."""

    reason = "not connected"

    def __init__(self, message: str = "", reason: str | None = None, said: Text | None = None) -> None:
        super().__init__(message, reason)
        self.said = said


class NotConnected(DriverError):
    """No connection (lost, or waiting for the reconnect backoff)."""

    reason = "not connected"


class RequestTimeout(DriverError):
    """No reply within the read or write timeout."""

    reason = "timeout"


class ProtocolViolation(DriverError):
    """A reply that does not answer its request (wrong transaction id, unit, function code, byte count,
    length, CRC); `reason` names the violation. The driver no longer trusts the stream and reconnects."""

    reason = "protocol violation"


class WriteFailed(DriverError):
    """A write did not happen; `reason` says why, `__cause__` holds the named error."""


class CallFailed(DriverError):
    """An OPC UA method call did not happen; `reason` says why."""


class DeviceError(DriverError):
    """The device answered with an error."""


class ModbusException(DeviceError):
    """A Modbus exception response; subclasses name the codes a driver reacts to."""

    code = 0

    def __init__(self, message: str = "", code: int | None = None) -> None:
        if code is not None:
            self.code = code
        reason = f"exception {self.code:02X} {MODBUS_EXCEPTIONS.get(self.code, 'unknown')}"
        super().__init__(f"{message}: {reason}" if message else reason, reason)

    @staticmethod
    def of(code: int, message: str = "") -> ModbusException:
        """The named exception for a code (a plain ModbusException for the others); message says where."""
        kind = next((k for k in ModbusException.__subclasses__() if k.code == code), None)
        return kind(message) if kind else ModbusException(message, code)


class IllegalFunction(ModbusException):
    code = 0x01


class IllegalDataAddress(ModbusException):
    code = 0x02


class IllegalDataValue(ModbusException):
    code = 0x03


class ServerDeviceFailure(ModbusException):
    code = 0x04


class GatewayTargetFailed(ModbusException):
    code = 0x0B


MODBUS_EXCEPTIONS = {
    0x01: "illegal function", 0x02: "illegal data address", 0x03: "illegal data value",
    0x04: "server device failure", 0x05: "acknowledge", 0x06: "server device busy", 0x08: "memory parity error",
    0x0A: "gateway path unavailable", 0x0B: "gateway target device failed to respond",
}


class BadStatus(DeviceError):
    """An OPC UA Bad status code; `reason` is its name (``BadSensorFailure``), `code` its number."""

    def __init__(self, code: int, name: str, message: str = "") -> None:
        self.code = code
        super().__init__(message or name, name)
