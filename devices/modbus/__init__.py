"""Modbus TCP and RTU (serial, or framed over TCP) drivers built on pymodbus."""

from .driver import ModbusDriver
from .link import Link

__all__ = ["Link", "ModbusDriver"]
