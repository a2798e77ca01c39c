"""A twin of a user's own device for a test: `simulators.device.DeviceTwin` in a portal, with a line file.

    tk = smarthall_device("autonics_tk", transport="rtu")    # a shipped profile's name, or a profile file
    tk.endpoint                 # (host, port) | the pty path | "opc.tcp://..."
    tk.connection_table()       # the [[connections]] entry a line file needs for it
    tk.set("pv", 123.4); tk.get("sv")
    tk.edge().read("tk.pv")     # an edge agent on tk.line_file, closed with the twin

`set`, `get`, `inject` and `clear_faults` run in the twin's portal (`portal.bridged`: awaited in async tests).
"""

from __future__ import annotations

from pathlib import Path

from smarthall.portal import Portal, bridged
from smarthall.simulators.device import DeviceTwin
from smarthall.simulators.plant import Fault

from .edge import EdgeUnderTest


class DeviceUnderTest:
    """A running twin, its endpoint and a line file reaching it (folder/line.toml, history beside it)."""

    def __init__(self, portal: Portal, twin: DeviceTwin, folder: Path) -> None:
        self.portal = portal
        self.twin = twin
        self.folder = folder
        self.profile = twin.profile
        self.endpoint = twin.endpoint
        self.line_file = folder / "line.toml"
        self.line_file.write_text(twin.line_file() + '\n[historian]\npath = "history.db"\n', encoding="utf-8")
        self._edge: EdgeUnderTest | None = None

    @classmethod
    def start(cls, portal: Portal, folder: Path, profile: str | Path, transport: str | None = None, port: int = 0,
              unit: int | None = None, seed: int = 0) -> DeviceUnderTest:
        """Start the twin in the portal (blocking); TwinError (one line) when it cannot be served so."""
        twin = portal.start(DeviceTwin(profile, transport=transport, port=port, unit=unit, seed=seed))
        return cls(portal, twin, folder)

    def close(self) -> None:
        try:
            if self._edge is not None:
                self._edge.close()
        finally:
            self.portal.run(self.twin.close())

    def connection_table(self, name: str | None = None) -> str:
        """The line file's ``[[connections]]`` entry reaching this twin."""
        return self.twin.connection_table(name)

    def edge(self) -> EdgeUnderTest:
        """An edge agent on `line_file` (started on the first call), closed with the twin."""
        if self._edge is None:
            self._edge = EdgeUnderTest.start(self.portal, self.line_file, self.folder / "history.db")
        return self._edge

    @bridged
    async def set(self, point: str, value: bool | float | str) -> None:
        """Hold a value for a point (``device.point``, or ``point`` when one device has it)."""
        self.twin.set(point, value)

    @bridged
    async def get(self, point: str) -> object:
        """The point's value now: what was written, else its default or waveform."""
        return self.twin.get(point)

    @bridged
    async def inject(self, kind: str, target: str | None = None, **params: float) -> Fault:
        """A communication fault (offline, latency ms=, drop fraction=, crc_noise fraction=) on a device or all."""
        return self.twin.inject(kind, target, **params)

    @bridged
    async def clear_faults(self) -> None:
        self.twin.clear_faults()
