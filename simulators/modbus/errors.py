"""The Modbus simulators' exception tree (see the package docstring)."""

from __future__ import annotations


class ModbusSimError(Exception):
    """Base of every error the Modbus simulators raise on purpose."""


class ModbusException(ModbusSimError):
    """A request the device answers with a Modbus exception response."""

    code: int = 0

    def __init__(self, message: str = "") -> None:
        super().__init__(message or type(self).__name__)


class IllegalFunction(ModbusException):
    """01: the function code is not supported."""

    code = 0x01


class IllegalDataAddress(ModbusException):
    """02: an address in the request is not served (or not writable, or splits a value)."""

    code = 0x02


class IllegalDataValue(ModbusException):
    """03: a quantity, byte count or value is not acceptable."""

    code = 0x03


class ServerDeviceFailure(ModbusException):
    """04: the device failed while serving the request (a broken sensor, a bug)."""

    code = 0x04


class FrameError(ModbusSimError):
    """Bytes that cannot be a Modbus frame; a TCP connection sending them is dropped."""


class LinkError(ModbusSimError):
    """The field bus's link path holds a file or directory, not a symlink."""
