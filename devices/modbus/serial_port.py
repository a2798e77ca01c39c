"""The serial port under an RS-485 link: why it cannot be opened, and its tuning once it is open.

- `problem(path)`: one line for a port that is missing (an unplugged adapter), busy (another program holds
  it: pymodbus and pyserial open ports exclusively) or not permitted (the dialout group), or None.
- `tune(client, rs485)`: on an open pymodbus serial client, where the OS offers them, the driver's low-latency
  flag (on FTDI adapters the latency timer drops from 16 ms to 1 ms, so a reply is not held back) and, with
  ``rs485 = "auto"``, pyserial's RS-485 mode (the UART drives RTS for the transmitter; USB adapters switch
  direction themselves and refuse it). What the OS refuses is returned as notes, never raised.

`serial_of` is the one place that reaches into pymodbus for the pyserial object (tests/unit/... fails loudly
when pymodbus moves it).
"""

from __future__ import annotations

import errno

import serial
import serial.rs485
from pymodbus.client.base import ModbusBaseClient


def serial_of(client: ModbusBaseClient) -> serial.Serial | None:
    """The open pyserial port of a connected pymodbus serial client (pymodbus internals: ctx.transport)."""
    transport = getattr(client.ctx, "transport", None)
    return getattr(transport, "sync_serial", None)


def problem(path: str) -> str | None:
    """Why the port cannot be opened, in one line; None when it opens."""
    try:
        serial.Serial(path, exclusive=True).close()
    except serial.SerialException as exc:
        code = exc.errno
        if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return f"serial port {path} is missing: is the adapter plugged in? (see /dev/serial/by-id)"
        if code in (errno.EAGAIN, errno.EBUSY) or "lock" in str(exc):
            return f"serial port {path} is busy: another program has it open (an agent, a terminal program)"
        if code == errno.EACCES:
            return f"serial port {path}: permission denied: add the user to the dialout group"
        return f"serial port {path}: {exc}"
    return None


def tune(client: ModbusBaseClient, rs485: str = "auto") -> list[str]:
    """Low latency and (rs485 = "auto") RS-485 mode where the OS offers them; notes on what it refused."""
    port = serial_of(client)
    if port is None:
        return ["the serial port could not be reached to tune it"]
    notes = []
    try:
        port.set_low_latency_mode(True)
    except (ValueError, AttributeError, OSError) as exc:  # not Linux, or a driver without the flag
        notes.append(f"low-latency mode not offered ({exc})")
    if rs485 == "auto":
        try:
            port.rs485_mode = serial.rs485.RS485Settings()
        except (ValueError, OSError) as exc:  # the adapter switches direction itself
            notes.append(f"RS-485 mode not offered, the adapter switches direction itself ({exc})")
    return notes
