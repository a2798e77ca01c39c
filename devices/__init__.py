"""The driver layer: Modbus TCP/RTU and OPC UA behind one small interface.

`driver_for(profile, settings, timeouts)` returns a `Driver` (connect / read a
batch of points / write / close); reads return one `Reading` per point with a
`Quality` and a source timestamp and never raise for a bad point or a dead
device. Reconnects are paced by a jittered exponential `Backoff`.

Exceptions (devices.errors), each with a short `reason` (what a BAD reading says)::

    DriverError
    ├── SettingsError (also a ValueError)  transport settings that cannot be used
    ├── ConnectFailed                      the transport did not open within the connect timeout
    ├── NotConnected                       lost, or waiting for the backoff: "not connected"
    ├── RequestTimeout                     no reply within the timeout: "timeout"
    ├── ProtocolViolation                  a reply that does not answer its request: "byte count 4, expected 6"
    ├── WriteFailed                        write(); reason from the error in __cause__
    ├── CallFailed                         OPC UA method call; reason likewise
    └── DeviceError                        the device answered with an error
        ├── ModbusException                "exception 02 illegal data address"; code
        │   ├── IllegalFunction (01), IllegalDataAddress (02), IllegalDataValue (03)
        │   └── ServerDeviceFailure (04), GatewayTargetFailed (0B)
        └── BadStatus                      OPC UA Bad status; reason its name ("BadSensorFailure"), code

Names are imported when first used, so `import smarthall.devices.quality` (what the edge's client needs)
loads no driver and no profile.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backoff import Backoff, RetryGate
    from .driver import Driver, Timeouts, driver_for
    from .errors import (
        BadStatus,
        CallFailed,
        ConnectFailed,
        DeviceError,
        DriverError,
        GatewayTargetFailed,
        IllegalDataAddress,
        IllegalDataValue,
        IllegalFunction,
        ModbusException,
        NotConnected,
        ProtocolViolation,
        RequestTimeout,
        ServerDeviceFailure,
        SettingsError,
        WriteFailed,
    )
    from .quality import Quality, Reading

_WHERE = {
    "backoff": ("Backoff", "RetryGate"),
    "driver": ("Driver", "Timeouts", "driver_for"),
    "errors": ("BadStatus", "CallFailed", "ConnectFailed", "DeviceError", "DriverError", "GatewayTargetFailed",
               "IllegalDataAddress", "IllegalDataValue", "IllegalFunction", "ModbusException", "NotConnected",
               "ProtocolViolation", "RequestTimeout", "ServerDeviceFailure", "SettingsError", "WriteFailed"),
    "quality": ("Quality", "Reading"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = [
    "Backoff", "BadStatus", "CallFailed", "ConnectFailed", "DeviceError", "Driver", "DriverError",
    "GatewayTargetFailed", "IllegalDataAddress", "IllegalDataValue", "IllegalFunction", "ModbusException",
    "NotConnected", "ProtocolViolation", "Quality", "Reading", "RequestTimeout", "RetryGate",
    "ServerDeviceFailure", "SettingsError", "Timeouts", "WriteFailed", "driver_for",
]


def __getattr__(name: str):
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE[name]}", __name__), name)
