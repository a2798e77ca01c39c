"""Where a Modbus transport is and how to open it: TCP, a serial port (RTU), or RTU framed over TCP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.client.base import ModbusBaseClient
from pymodbus.framer import FramerType

from ..errors import SettingsError
from .timing import silence_time

MODBUS_TCP_PORT = 502


@dataclass(frozen=True)
class Link:
    """A Modbus TCP station, an RS-485 bus on a serial port, or a serial gateway speaking RTU over TCP."""

    rtu: bool
    host: str | None = None
    port: int = MODBUS_TCP_PORT
    serial: str | None = None
    baudrate: int = 19200
    bytesize: int = 8
    parity: str = "E"
    stopbits: int = 1
    rs485: str = "auto"  # "auto": pyserial's RS-485 mode where the port offers it; "off": never (serial_port.tune)

    @property
    def frame_gap_s(self) -> float:
        """The silence a serial line keeps between frames at its baud rate (3.5 characters; 0 over TCP)."""
        return 0.0 if self.serial is None else silence_time(self.baudrate)

    @property
    def over_tcp(self) -> bool:
        return self.serial is None

    def client(self, timeout: float) -> ModbusBaseClient:
        """A pymodbus client that never retries or reconnects by itself (the driver's backoff does)."""
        quiet = {"timeout": timeout, "retries": 0, "reconnect_delay": 0}
        if self.serial is not None:
            return AsyncModbusSerialClient(self.serial, framer=FramerType.RTU, baudrate=self.baudrate,
                                           bytesize=self.bytesize, parity=self.parity, stopbits=self.stopbits,
                                           **quiet)
        return AsyncModbusTcpClient(self.host, port=self.port,
                                    framer=FramerType.RTU if self.rtu else FramerType.SOCKET, **quiet)

    def __str__(self) -> str:
        if self.serial is not None:
            return f"modbus-rtu {self.serial} {self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"
        return f"{'modbus-rtu over tcp' if self.rtu else 'modbus-tcp'} {self.host}:{self.port}"

    @classmethod
    def from_settings(cls, protocol: str, settings: Mapping[str, object]) -> Link:
        """modbus-tcp: host, port. modbus-rtu: link (serial port) and line settings, or host and port."""
        rtu = protocol == "modbus-rtu"
        if protocol not in ("modbus-tcp", "modbus-rtu"):
            raise SettingsError(f"protocol: expected modbus-tcp or modbus-rtu, got {protocol!r}")
        port = _get(settings, "port", int, MODBUS_TCP_PORT)
        if not rtu or "host" in settings:
            return cls(rtu=rtu, host=_get(settings, "host", str), port=port)
        parity = _get(settings, "parity", str, "E")
        if parity not in ("N", "E", "O"):
            raise SettingsError(f"parity: expected N, E or O, got {parity!r}")
        rs485 = _get(settings, "rs485", str, "auto")
        if rs485 not in ("auto", "off"):
            raise SettingsError(f"rs485: expected auto or off, got {rs485!r}")
        return cls(rtu=True, serial=_get(settings, "link", str), baudrate=_get(settings, "baudrate", int, 19200),
                   bytesize=_get(settings, "bytesize", int, 8), parity=parity,
                   stopbits=_get(settings, "stopbits", int, 1), rs485=rs485)


def _get(settings: Mapping[str, object], key: str, kind: type, default: object = ...):
    if key not in settings:
        if default is ...:
            raise SettingsError(f"missing setting {key!r}")
        return default
    value = settings[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SettingsError(f"setting {key!r}: expected {kind.__name__}, got {value!r}")
    return value
