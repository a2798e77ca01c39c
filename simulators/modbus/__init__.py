"""Simulated Modbus side of the line: the TCP stations and the RS-485 field bus.

Small sans-IO core (`pdu`, `image`, `mbap`, `rtu`) with asyncio transports
(`tcp`, `rtu_bus`); see `pdu` for why we do not use pymodbus's server.

Public API for the composition root:
    ModbusTcpStation(plant, device, host, port)  async start(), port, async close()
    RtuBus(plant, profile, link=None, emulate_wire_time=False)  async start(), path, link, async close()

Exceptions:
    ModbusSimError            base of every error raised on purpose
     ├── ModbusException      answered as a Modbus exception response (.code)
     │    ├── IllegalFunction       01
     │    ├── IllegalDataAddress    02
     │    ├── IllegalDataValue      03
     │    └── ServerDeviceFailure   04
     ├── FrameError           not a Modbus TCP frame: the connection is dropped
     └── LinkError            the field bus's link path holds a file, not a symlink
    A busy TCP port surfaces as OSError (errno EADDRINUSE) from `start`.
"""

from .errors import (
                     FrameError,
                     IllegalDataAddress,
                     IllegalDataValue,
                     IllegalFunction,
                     LinkError,
                     ModbusException,
                     ModbusSimError,
                     ServerDeviceFailure,
)
from .rtu_bus import RtuBus
from .tcp import ModbusTcpStation

__all__ = [
    "FrameError", "IllegalDataAddress", "IllegalDataValue", "IllegalFunction", "LinkError", "ModbusException",
    "ModbusSimError", "ModbusTcpStation", "RtuBus", "ServerDeviceFailure",
]
