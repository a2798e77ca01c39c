"""The RS-485 field bus: every device of a Modbus RTU profile on one pty pair.

The simulator keeps the pty master; clients open the slave path (`path`, and
the stable symlink `link`) with pyserial as they would /dev/ttyUSB0. An
asyncio reader on the master feeds the sans-IO `rtu.Decoder`; one task
answers the requests in order, as on a half-duplex line. No threads. A flood
of garbage is dropped as it arrives (the decoder keeps at most one ADU), and
requests beyond MAX_QUEUED waiting ones are missed.

As real RTU devices do, the bus stays silent for unknown unit ids, bad CRCs
and broadcasts (unit 0: applied to every device, never answered). Line
settings: the bus answers only a client whose port speed is the profile's
baud rate, read from the master with termios (on Linux it reports the
slave's settings). Linux ptys drop the parity bit, so parity cannot be
checked; a parity mismatch can only be taught. (A pyserial client asking for
even parity on a pty fails its second tcsetattr with EINVAL, glibc noticing
PARENB was dropped: pymodbus clients of the pty must use parity "N".) Bytes a client left unread
when the next reply goes out are flushed, as if they had passed on the wire
while its receiver was not listening.

Faults, from ``plant.fault(target, kind)`` with target "fieldbus" or a
device name: ``offline`` and ``serial_mismatch`` (device) silence it,
``drop`` {"fraction"} leaves requests unanswered, ``latency`` {"ms"} delays
replies, ``crc_noise`` {"fraction"} corrupts the reply's CRC. With
``emulate_wire_time`` a reply goes out no sooner than the request's and the
reply's wire time at the baud rate (11-bit characters) plus the 3.5-character
silence and the turnaround after the request arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import termios
import tty
from pathlib import Path

from smarthall.devices.profiles import Profile
from smarthall.stopping import stop

from . import rtu
from .errors import LinkError
from .image import DeviceImage, PlantPort
from .pdu import handle

BUS = "fieldbus"
DEFAULT_LINK = "/tmp/smarthall-fieldbus"
DEFAULT_BAUDRATE = 19200
MIN_QUIET_S = 0.02  # a pty delivers a write at once; wait this long before calling the line quiet
MAX_QUEUED = 8  # requests waiting for their answer; more are missed, as by a device still replying


class RtuBus:
    """Serves every device of an RTU profile on a pty; clients open `path` or `link`."""

    def __init__(self, plant: PlantPort, profile: Profile, link: str | os.PathLike | None = None,
                 emulate_wire_time: bool = False, *, turnaround_s: float = 0.0, seed: int = 0) -> None:
        self.plant = plant
        self.baudrate = int(profile.transport.get("baudrate", DEFAULT_BAUDRATE))
        self.link = Path(link if link is not None else profile.transport.get("link", DEFAULT_LINK))
        self.emulate_wire_time = emulate_wire_time
        self.turnaround_s = turnaround_s
        self.path = ""
        self._images = {device.unit: DeviceImage(plant, device) for device in profile.devices}
        self._speed = getattr(termios, f"B{self.baudrate}")
        self._rng = random.Random(seed)
        self._decoder = rtu.Decoder(self._images)
        self._requests: asyncio.Queue[tuple[rtu.Frame, float]] = asyncio.Queue(MAX_QUEUED)
        self._master = self._slave = -1
        self._quiet: asyncio.TimerHandle | None = None
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        """Open the pty pair, link it and start answering; LinkError if the link path is taken."""
        self._master, self._slave = os.openpty()
        try:
            tty.setraw(self._slave)
            attrs = termios.tcgetattr(self._slave)
            attrs[4] = attrs[5] = self._speed
            termios.tcsetattr(self._slave, termios.TCSANOW, attrs)
            os.set_blocking(self._master, False)
            self.path = os.ttyname(self._slave)
            self._make_link()
        except BaseException:
            self._close_fds()
            raise
        loop = asyncio.get_running_loop()
        loop.add_reader(self._master, self._on_readable)
        self._worker = asyncio.create_task(self._serve(), name="modbus-rtu fieldbus")

    async def close(self) -> None:
        """Stop answering, close the pty and remove the link."""
        if self._worker is None:
            return
        asyncio.get_running_loop().remove_reader(self._master)
        if self._quiet is not None:
            self._quiet.cancel()
        await stop(self._worker)
        self._worker = None
        if self.link.is_symlink() and os.readlink(self.link) == self.path:
            self.link.unlink()
        self._close_fds()

    def _make_link(self) -> None:
        """Point the link at our pty; an old symlink (pty numbers get reused) is replaced."""
        if self.link.is_symlink():
            self.link.unlink()
        elif self.link.exists():
            raise LinkError(f"{self.link} exists and is not a symlink; remove it or choose another link path")
        self.link.symlink_to(self.path)

    def _close_fds(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        arrived = asyncio.get_running_loop().time()
        self._queue(self._decoder.feed(data), arrived)
        if self._quiet is not None:
            self._quiet.cancel()
        if self._decoder.pending:
            quiet = max(rtu.silence_time(self.baudrate), MIN_QUIET_S)
            self._quiet = asyncio.get_running_loop().call_later(quiet, self._on_quiet, arrived)

    def _on_quiet(self, arrived: float) -> None:
        self._quiet = None
        self._queue(self._decoder.silence(), arrived)

    def _queue(self, frames: list[rtu.Frame], arrived: float) -> None:
        for frame in frames:
            with contextlib.suppress(asyncio.QueueFull):
                self._requests.put_nowait((frame, arrived))

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame, arrived = await self._requests.get()
            reply = self._reply(frame)
            if reply is None:
                continue
            delay = self._delay(frame, len(reply))
            if delay > 0:
                await asyncio.sleep(arrived + delay - loop.time())
            termios.tcflush(self._slave, termios.TCIFLUSH)
            with contextlib.suppress(BlockingIOError):
                os.write(self._master, reply)

    def _reply(self, frame: rtu.Frame) -> bytes | None:
        """The reply frame, or None where the device stays silent."""
        if not self._line_matches():
            return None
        if frame.unit == 0:
            for image in self._images.values():
                handle(frame.pdu, image)
            return None
        image = self._images.get(frame.unit)
        if image is None or self._silenced(image.device.name):
            return None
        pdu = handle(frame.pdu, image)
        if pdu is None:
            return None
        reply = rtu.encode(frame.unit, pdu)
        if self._chance(image.device.name, "crc_noise"):
            reply = reply[:-2] + bytes(b ^ 0xFF for b in reply[-2:])
        return reply

    def _line_matches(self) -> bool:
        """Whether the client's port runs at the bus's speed (parity cannot be seen on a pty)."""
        attrs = termios.tcgetattr(self._master)
        return attrs[4] == self._speed and attrs[5] == self._speed

    def _fault(self, device: str, kind: str):
        return self.plant.fault(device, kind) or self.plant.fault(BUS, kind)

    def _silenced(self, device: str) -> bool:
        return (self._fault(device, "offline") is not None
                or self.plant.fault(device, "serial_mismatch") is not None
                or self._chance(device, "drop"))

    def _chance(self, device: str, kind: str) -> bool:
        fault = self._fault(device, kind)
        return fault is not None and self._rng.random() < float(fault.params["fraction"])

    def _delay(self, frame: rtu.Frame, reply_bytes: int) -> float:
        """Seconds after the request arrived before the reply may go out."""
        latency = self._fault(self._images[frame.unit].device.name, "latency")
        delay = float(latency.params["ms"]) / 1000 if latency else 0.0
        if self.emulate_wire_time:
            delay += rtu.transaction_time(frame.size, reply_bytes, self.baudrate, self.turnaround_s)
        return delay
