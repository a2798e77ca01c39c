"""The whole simulated line: one plant behind every station's real protocol.

`SimulatedLine` starts the Modbus TCP stations, the RTU field bus on a pty,
the OPC UA process and sim-control servers and the camera stream, all fed by
one plant stepped by one pacer (or, with ``paced=False``, only by `step`: a test's
deterministic clock). Errors: `SimStartError` when an endpoint
cannot be opened (its message names the endpoint, the address and the
option that changes it); whatever had started is closed again.
"""

from __future__ import annotations

import asyncio
import errno
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from smarthall.devices.profiles import load_profile
from smarthall.stopping import stop

from .camera import CameraServer, plant_frame_source
from .clock import Pacer
from .errors import SimStartError
from .modbus.errors import LinkError
from .modbus.rtu_bus import RtuBus
from .modbus.tcp import ModbusTcpStation
from .opcua.control_server import SimControlServer
from .opcua.process_server import ProcessStationServer
from .options import SimOptions, line_overrides
from .plant import Plant, PlantConfig

__all__ = ["Endpoint", "SimOptions", "SimStartError", "SimulatedLine"]


@dataclass(frozen=True)
class Endpoint:
    """One thing a client can connect to."""

    name: str
    address: str


class SimulatedLine:
    """Plant, pacer and every protocol server of the line, started and closed together."""

    def __init__(self, options: SimOptions = SimOptions()) -> None:
        self.options = options
        self.plant = Plant(PlantConfig(seed=options.seed, defect_rate=options.defect_rate, tick=options.tick))
        self.pacer = Pacer(self.plant.step, tick=options.tick, time_scale=options.time_scale,
                           after_steps=self.refresh)
        self._servers: list = []
        self._pacer_task: asyncio.Task | None = None
        self.endpoints: list[Endpoint] = []
        self.stations: dict[str, ModbusTcpStation] = {}
        self.bus: RtuBus | None = None
        self.process: ProcessStationServer | None = None
        self.control: SimControlServer | None = None
        self.camera: CameraServer | None = None

    async def start(self) -> None:
        """Open every endpoint and start the clock; on failure close what was opened."""
        o = self.options
        try:
            for name, port, flag in (("feeder", o.feeder_port, "--feeder-port"),
                                     ("conveyor", o.conveyor_port, "--conveyor-port")):
                station = ModbusTcpStation(self.plant, load_profile(name).device(name), o.host, port,
                                           idle_timeout_s=o.modbus_idle_timeout_s)
                await self._open(station, f"{name} (Modbus TCP)", port, flag)
                self.stations[name] = station
                self.endpoints.append(Endpoint(f"{name} Modbus TCP unit 1", f"{o.host}:{station.port}"))
            self.bus = RtuBus(self.plant, load_profile("fieldbus"), link=o.fieldbus_link,
                              emulate_wire_time=o.emulate_wire_time)
            await self._open(self.bus, "fieldbus (Modbus RTU pty)", None, "--fieldbus-link")
            where = self.bus.path + (f" (link {self.bus.link})" if self.bus.link else "")
            self.endpoints.append(Endpoint("fieldbus Modbus RTU 19200 8E1", where))
            self.process = ProcessStationServer(self.plant, load_profile("process"),
                                                endpoint=f"opc.tcp://{o.host}:{o.process_port}")
            await self._open(self.process, "process (OPC UA)", o.process_port, "--process-port")
            self.endpoints.append(Endpoint("process OPC UA", self.process.endpoint_url))
            self.control = SimControlServer(self.plant, endpoint=f"opc.tcp://{o.host}:{o.control_port}",
                                            on_time_scale=self.pacer.set_time_scale)
            await self._open(self.control, "sim control (OPC UA)", o.control_port, "--control-port")
            self.endpoints.append(Endpoint("sim control OPC UA", self.control.endpoint_url))
            self.camera = CameraServer(plant_frame_source(self.plant), host=o.host, port=o.camera_port)
            await self._open(self.camera, "camera (MJPEG over HTTP)", o.camera_port, "--camera-port")
            self.endpoints.append(Endpoint("camera MJPEG stream", self.camera_url))
        except BaseException:
            await self.close()
            raise
        if o.paced:
            self._pacer_task = asyncio.create_task(self.pacer.run(), name="plant pacer")

    def line_overrides(self) -> dict[str, dict[str, object]]:
        """Where this running line listens, as connection settings of lines/sim.toml (for edge.config.load_line)."""
        bound = replace(self.options, feeder_port=self.stations["feeder"].port,
                        conveyor_port=self.stations["conveyor"].port,
                        process_port=urlsplit(self.process.endpoint_url).port, camera_port=self.camera.port)
        return line_overrides(bound, str(self.bus.link or self.bus.path))

    @property
    def camera_url(self) -> str:
        """The MJPEG stream the camera inspection station reads."""
        return self.camera.stream_url

    async def _open(self, server, what: str, port: int | None, flag: str) -> None:
        try:
            await server.start()
        except LinkError as exc:
            raise SimStartError(f"{what}: {exc}", what, flag) from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SimStartError(f"{what}: port {port} on {self.options.host} is already in use"
                                    f" (is another `smarthall sim` running?); choose another with {flag}",
                                    what, flag, port, self.options.host) from None
            raise SimStartError(f"{what}: cannot open: {exc.strerror or exc}; change it with {flag}", what, flag) from None
        self._servers.append(server)

    async def step(self, seconds: float) -> None:
        """Move the plant `seconds` of plant time on, tick by tick, and show it on every server (unpaced lines)."""
        self.plant.run_for(seconds)
        await self.refresh()

    async def refresh(self) -> None:
        """Refresh what the OPC UA servers show (the Modbus servers read the plant per request)."""
        for server in (self.process, self.control):
            if server in self._servers:
                await server.sync()

    async def close(self) -> None:
        """Stop the clock and close every endpoint (idempotent)."""
        if self._pacer_task is not None:
            await stop(self._pacer_task)
            self._pacer_task = None
        while self._servers:
            await self._servers.pop().close()

    async def __aenter__(self) -> SimulatedLine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
