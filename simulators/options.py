"""Where the simulated line listens and how its plant runs: the one definition of its default ports.

`smarthall sim` and `lab` make their flags from it (smarthall/sim_options.py), the tests and the README test
their free and default ports. Nothing here imports a server, so the command line reads it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_IDLE_TIMEOUT_S = 60.0  # a Modbus TCP client silent this long is disconnected
CAMERA_STREAM = "/camera/stream.mjpg"  # the camera server's MJPEG stream, under its base URL


@dataclass(frozen=True)
class SimOptions:
    """Where the simulated line listens and how its plant runs."""

    host: str = "127.0.0.1"
    feeder_port: int = 5020
    conveyor_port: int = 5021
    process_port: int = 4840
    control_port: int = 4841
    camera_port: int = 8080
    fieldbus_link: str | None = "/tmp/smarthall-fieldbus"
    seed: int = 1
    defect_rate: float = 0.1
    time_scale: float = 1.0
    tick: float = 0.01
    paced: bool = True  # False: the plant stands still until `SimulatedLine.step` moves it
    emulate_wire_time: bool = False
    modbus_idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S


def default_ports() -> tuple[tuple[str, int], ...]:
    """Each endpoint's name (feeder, conveyor, process, control, camera) and its default port, as SimOptions has them."""
    return tuple((f.name.removesuffix("_port"), f.default) for f in fields(SimOptions) if f.name.endswith("_port"))


def line_overrides(options: SimOptions, fieldbus: str | None = None) -> dict[str, dict[str, object]]:
    """Where a line with `options` listens, as connection settings of lines/sim.toml (`edge.config.load_line`'s
    overrides): the ports as given (a started line passes those it bound), the field bus at `fieldbus` or its link."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    return {
        "feeder": {"host": options.host, "port": options.feeder_port},
        "conveyor": {"host": options.host, "port": options.conveyor_port},
        "fieldbus": {"serial": fieldbus or options.fieldbus_link},
        "process": {"endpoint": f"opc.tcp://{host}:{options.process_port}"},
        "vision": {"camera": {"source": f"http://{host}:{options.camera_port}{CAMERA_STREAM}"}},
    }


FREE_PORTS = {f.name: 0 for f in fields(SimOptions) if f.name.endswith("_port")}
"""Every endpoint on a free port: `SimOptions(**FREE_PORTS, ...)` (tests, check-all, classrooms, side by side)."""
