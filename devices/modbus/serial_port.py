"""The serial port under an RS-485 link: why it cannot be opened, and its tuning once it is open.

- `problem(path)`: a note for a port that is missing (an unplugged adapter), busy (another program holds
  it: pymodbus and pyserial open ports exclusively) or not permitted (the group owning the device, `dialout` on
  Debian, `uucp` on Arch), or None.
- `tune(client, rs485)`: on an open pymodbus serial client, where the OS offers them, the driver's low-latency
  flag (on FTDI adapters the latency timer drops from 16 ms to 1 ms, so a reply is not held back) and, with
  ``rs485 = "auto"``, pyserial's RS-485 mode (the UART drives RTS for the transmitter; USB adapters switch
  direction themselves and refuse it). What the OS refuses is returned as notes, never raised.

Both say it in Korean and English (`Text`: ``note("ko")``, ``note.en`` for logs and errors).

`serial_of` is the one place that reaches into pymodbus for the pyserial object (tests/unit/... fails loudly
when pymodbus moves it).
"""

from __future__ import annotations

import errno

import serial
import serial.rs485
from pymodbus.client.base import ModbusBaseClient

from ..device_files import owning_group
from ..profiles.model import Text

_TEXTS = {
    "missing": ("시리얼 포트 {path}가 없습니다: 어댑터가 꽂혀 있나요? (/dev/serial/by-id 확인)",
                "serial port {path} is missing: is the adapter plugged in? (see /dev/serial/by-id)"),
    "busy": ("시리얼 포트 {path}를 다른 프로그램이 쓰고 있습니다 (에이전트, 터미널 프로그램)",
             "serial port {path} is busy: another program has it open (an agent, a terminal program)"),
    "denied": (("시리얼 포트 {path}: 권한이 없습니다: 사용자를 {group} 그룹에 넣고 다시 로그인하세요"
                " (sudo usermod -aG {group} $USER)"),
               ("serial port {path}: permission denied: add the user to the {group} group and log in again"
                " (sudo usermod -aG {group} $USER)")),
    "other": ("시리얼 포트 {path}: {detail}", "serial port {path}: {detail}"),
    "unreachable": ("시리얼 포트를 조정하려 했으나 찾을 수 없습니다", "the serial port could not be reached to tune it"),
    "no_low_latency": ("저지연 모드를 지원하지 않습니다 ({detail})", "low-latency mode not offered ({detail})"),
    "no_rs485": ("RS-485 모드를 지원하지 않습니다: 어댑터가 송수신 방향을 스스로 바꿉니다 ({detail})",
                 "RS-485 mode not offered, the adapter switches direction itself ({detail})"),
}


def serial_of(client: ModbusBaseClient) -> serial.Serial | None:
    """The open pyserial port of a connected pymodbus serial client (pymodbus internals: ctx.transport)."""
    transport = getattr(client.ctx, "transport", None)
    return getattr(transport, "sync_serial", None)


def problem(path: str) -> Text | None:
    """Why the port cannot be opened; None when it opens."""
    try:
        serial.Serial(path, exclusive=True).close()
    except serial.SerialException as exc:
        code = exc.errno
        if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return Text.filled(_TEXTS["missing"], path=path)
        if code in (errno.EAGAIN, errno.EBUSY) or "lock" in str(exc):
            return Text.filled(_TEXTS["busy"], path=path)
        if code in (errno.EACCES, errno.EPERM):
            return Text.filled(_TEXTS["denied"], path=path, group=owning_group(path, "dialout"))
        return Text.filled(_TEXTS["other"], path=path, detail=exc)
    return None


def tune(client: ModbusBaseClient, rs485: str = "auto") -> list[Text]:
    """Low latency and (rs485 = "auto") RS-485 mode where the OS offers them; notes on what it refused."""
    port = serial_of(client)
    if port is None:
        return [Text.filled(_TEXTS["unreachable"])]
    notes = []
    try:
        port.set_low_latency_mode(True)
    except (ValueError, AttributeError, OSError) as exc:  # not Linux, or a driver without the flag
        notes.append(Text.filled(_TEXTS["no_low_latency"], detail=exc))
    if rs485 == "auto":
        try:
            port.rs485_mode = serial.rs485.RS485Settings()
        except (ValueError, OSError) as exc:  # the adapter switches direction itself
            notes.append(Text.filled(_TEXTS["no_rs485"], detail=exc))
    return notes
