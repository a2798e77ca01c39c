"""A simulated twin of any device profile, over the profile's own protocol, for tests and `smarthall sim --device`.

    async with DeviceTwin("autonics_tk", seed=0) as twin:      # a name, a path or a loaded Profile
        twin.endpoint             # ("127.0.0.1", port) | the pty path | "opc.tcp://127.0.0.1:port"
        twin.connection_table()   # the line file's [[connections]] entry for it
        twin.line_file()          # a whole line file with that one connection, every tag scanned
        twin.set("pv", 123.4)     # from the test's side: held until written again
        twin.get("pv")

Modbus TCP (one device per port, `simulators.modbus.ModbusTcpStation`), Modbus RTU on
a pty pair (every device of the profile on one bus, `simulators.modbus.RtuBus`, at
the profile's baud rate; the client must use parity N: a pty keeps no parity),
OPC UA (`ua_server.ProfileUaServer`, at the profile's NodeIds and paths) or, for a
camera profile, MJPEG over HTTP (`camera.pattern_source` at the profile's size and
rate; its entry is a line file's ``[vision.camera]``, offline is its one fault). Values
come from `values.ProfilePlant`. ``unit`` serves a one-device Modbus profile at
another unit id (the connection entry then says ``unit``). Errors: `TwinError`,
one line (a profile that cannot be served that way, a busy port).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from smarthall.devices.profiles import Profile, ProfileError, find_profile
from smarthall.simulators.camera import CameraServer
from smarthall.simulators.plant import Fault
from smarthall.stopping import stop

from ..clock import Pacer
from ..modbus.rtu_bus import RtuBus
from ..modbus.tcp import ModbusTcpStation
from .camera import FPS, pattern_source
from .ua_server import ProfileUaServer, TwinAddressError
from .values import ProfilePlant, Value

TRANSPORTS = {"modbus-tcp": "tcp", "modbus-rtu": "rtu", "opcua": "opcua", "uvc": "mjpeg"}
TICK_S = 0.05


class TwinError(RuntimeError):
    """A twin that cannot be served as asked; the message says which profile and why."""


class DeviceTwin:
    """Serves one profile's devices from held values and waveforms; an async context manager."""

    def __init__(self, profile: Profile | str | Path, transport: str | None = None, port: int = 0,
                 unit: int | None = None, seed: int = 0, host: str = "127.0.0.1") -> None:
        self.profile = _profile(profile)
        expected = TRANSPORTS[self.profile.protocol]
        if transport not in (None, expected):
            raise TwinError(f"profile {self.profile.name!r} is {self.profile.protocol}: its twin serves"
                            f" transport {expected!r}, got {transport!r}")
        self.transport = expected
        self.unit = unit
        if unit is not None:
            self.profile = _at_unit(self.profile, unit)
        self.host, self.port = host, port
        self.plant = ProfilePlant(self.profile, seed)
        self._server: ModbusTcpStation | RtuBus | ProfileUaServer | CameraServer | None = None
        self._pacer: asyncio.Task | None = None
        self._folder: str | None = None
        self._publishing: set[asyncio.Task] = set()

    async def start(self) -> None:
        """Open the endpoint and start the twin's clock; TwinError when it cannot be opened."""
        if self.transport == "tcp":
            if len(self.profile.devices) != 1:
                raise TwinError(f"profile {self.profile.name!r}: a Modbus TCP twin serves one device per port,"
                                f" the profile has {len(self.profile.devices)}")
            server = ModbusTcpStation(self.plant, self.profile.devices[0], self.host, self.port)
        elif self.transport == "rtu":
            self._folder = tempfile.mkdtemp(prefix="smarthall-twin-")
            server = RtuBus(self.plant, self.profile, link=Path(self._folder) / "bus")
        elif self.transport == "mjpeg":
            camera = self.profile.camera or {}
            server = CameraServer(pattern_source(camera, self._offline), self.host, self.port,
                                  fps=float(camera.get("fps", FPS)))  # type: ignore[arg-type]
        else:
            server = ProfileUaServer(self.plant, self.profile, f"opc.tcp://{self.host}:{self.port}")
        try:
            await server.start()
        except OSError as exc:
            await self.close()
            raise TwinError(f"twin of {self.profile.name!r}: cannot listen on {self.host}:{self.port}:"
                            f" {exc.strerror or exc}") from None
        except TwinAddressError as exc:
            await server.close()
            await self.close()
            raise TwinError(str(exc)) from None
        self._server = server
        publish = server.sync if isinstance(server, ProfileUaServer) else None
        self._pacer = asyncio.create_task(Pacer(self.plant.step, tick=TICK_S, after_steps=publish).run(),
                                          name=f"twin {self.profile.name}")

    async def close(self) -> None:
        """Stop the clock and the server (idempotent)."""
        tasks = [t for t in (self._pacer, *self._publishing) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            await stop(task)
        self._pacer, self._publishing = None, set()
        server, self._server = self._server, None
        if server is not None:
            await server.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    async def __aenter__(self) -> DeviceTwin:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    @property
    def endpoint(self) -> tuple[str, int] | str:
        """Where clients connect: (host, port) for Modbus TCP, the pty path for RTU, the opc.tcp URL, the MJPEG URL."""
        server = self._started()
        if isinstance(server, ModbusTcpStation):
            return (self.host, server.port)
        if isinstance(server, CameraServer):
            return server.stream_url
        return server.path if isinstance(server, RtuBus) else server.endpoint_url

    def connection_table(self, name: str | None = None) -> str:
        """The line file's ``[[connections]]`` entry reaching this twin (named after the profile by default); a camera's
        ``[vision.camera]`` table."""
        server = self._started()
        if isinstance(server, CameraServer):
            return f"[vision.camera]\nprofile = {json.dumps(self.profile.source)}\nsource = {json.dumps(server.stream_url)}\n"
        settings: dict[str, object] = {"name": name or self.profile.name, "profile": self.profile.source}
        if isinstance(server, ModbusTcpStation):
            settings |= {"host": self.host, "port": server.port}
        elif isinstance(server, RtuBus):
            transport = self.profile.transport
            settings |= {"serial": server.path, "baudrate": server.baudrate, "parity": "N",
                         "bytesize": transport.get("bytesize", 8), "stopbits": transport.get("stopbits", 1)}
        else:
            settings["endpoint"] = server.endpoint_url
        if self.unit is not None:
            settings["unit"] = self.unit
        return "[[connections]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())

    def line_file(self, name: str = "twin", rate_ms: int = 100) -> str:
        """A whole line file: this twin's connection and one scan group with every tag."""
        if self.profile.camera is not None:
            raise TwinError(f"twin of {self.profile.name!r}: a camera is part of a line's [vision], which needs its"
                            " conveyor PLC: use connection_table() for its [vision.camera]")
        return (f'[line]\nname = "{name}"\nko = "{self.profile.name} 트윈"\nen = "{self.profile.name} twin"\n\n'
                f"{self.connection_table()}\n[[scan_groups]]\nname = \"all\"\nrate_ms = {rate_ms}\n"
                f"tags = {json.dumps([f'{d.name}.*' for d in self.profile.devices])}\n")

    def set(self, point: str, value: Value) -> None:
        """Hold value for a point (``device.point``, or ``point`` when one device has it), even out of its range."""
        device, name = self._point(point)
        self.plant.write(device, name, value)
        if isinstance(self._server, ProfileUaServer):
            task = asyncio.get_running_loop().create_task(self._server.sync())
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    def get(self, point: str) -> Value:
        """The point's value now (what was written, else its default or waveform)."""
        return self.plant.read(*self._point(point))

    def inject(self, kind: str, target: str | None = None, **params: float) -> Fault:
        """A communication fault (offline, latency ms, drop fraction, crc_noise fraction) on a device or all."""
        return self.plant.inject(target or self.profile.name, kind, **params)

    def clear_faults(self) -> None:
        self.plant.clear_faults()

    def _point(self, text: str) -> tuple[str, str]:
        device, _, name = text.rpartition(".")
        matches = [(d.name, p.name) for d in self.profile.devices for p in d.points
                   if p.name == name and (not device or d.name == device)]
        if len(matches) != 1:
            known = ", ".join(f"{d.name}.{p.name}" for d in self.profile.devices for p in d.points)
            raise KeyError(f"twin of {self.profile.name!r}: {'ambiguous' if matches else 'no'} point {text!r}:"
                           f" expected one of {known}")
        return matches[0]

    def _offline(self) -> bool:
        return self.plant.fault(self.profile.name, "offline") is not None

    def _started(self) -> ModbusTcpStation | RtuBus | ProfileUaServer | CameraServer:
        if self._server is None:
            raise TwinError(f"twin of {self.profile.name!r} is not started")
        return self._server


def _profile(profile: Profile | str | Path) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return find_profile(profile)
    except ProfileError as exc:
        raise TwinError(str(exc)) from None


def _at_unit(profile: Profile, unit: int) -> Profile:
    """A one-device Modbus profile with its device at another unit id."""
    if profile.protocol == "opcua" or len(profile.devices) != 1:
        raise TwinError(f"profile {profile.name!r}: 'unit' moves the one device of a Modbus profile,"
                        f" this one is {profile.protocol} with {len(profile.devices)} device(s)")
    if not 1 <= unit <= 247:
        raise TwinError(f"profile {profile.name!r}: unit: expected 1..247, got {unit}")
    return replace(profile, devices=(replace(profile.devices[0], unit=unit),))
