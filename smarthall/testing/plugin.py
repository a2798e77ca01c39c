"""The Smart Hall fixtures, registered by smarthall.pytest_plugin once a project turns the plugin on.

- `smarthall_line`: a simulated line on free ports in a folder of its own (`line.LineUnderTest`);
- `smarthall_edge`: an edge agent on it, or on the ``smarthall_line_file`` (`edge.EdgeUnderTest`);
- `smarthall_faults`: faults on the line, each for a `with` block (`faults.Faults`);
- `smarthall_device(profile, transport=...)`: a twin of any profile, for users' own devices (`device.DeviceUnderTest`).

Settings come from the command line (``--smarthall-seed``...), else the ini file (``smarthall_seed``...),
and a test's, class's or module's ``@pytest.mark.smarthall(seed=..., time_scale=..., clock=...,
line_file=...)`` wins over both for the line it gets. ``smarthall_scope`` makes one line (and agent)
serve a module, package or the whole session. Folders come from pytest's tmp_path_factory, ports
from the kernel: xdist workers never meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smarthall.portal import Portal

from .device import DeviceUnderTest
from .edge import EdgeUnderTest
from .faults import Faults
from .line import LineSettings, LineUnderTest

MARKER = "smarthall"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(seed=, time_scale=, clock=, line_file=): settings of the "
                                       "Smart Hall line this test, class or module gets")
    scope = _setting(config, "scope")
    if scope not in ("function", "module", "package", "session"):
        raise pytest.UsageError(f"smarthall_scope: expected function, module, package or session, got {scope!r}")


def _setting(config, name: str) -> str:
    given = config.getoption(f"smarthall_{name}")
    return str(config.getini(f"smarthall_{name}") if given is None else given)


def _scope(fixture_name: str, config) -> str:
    return _setting(config, "scope")


def _settings(request) -> tuple[LineSettings, str]:
    """The line's settings and the user's line file ('' for none): marker, else command line, else ini."""
    marker = request.node.get_closest_marker(MARKER)
    chosen = dict(marker.kwargs) if marker is not None else {}
    unknown = set(chosen) - {"seed", "time_scale", "clock", "line_file"}
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.smarthall: unknown setting(s) {', '.join(sorted(unknown))}; "
                                "expected seed, time_scale, clock, line_file")
    config = request.config
    try:
        settings = LineSettings(seed=int(chosen.get("seed", _setting(config, "seed"))),
                                time_scale=float(chosen.get("time_scale", _setting(config, "time_scale"))),
                                clock=str(chosen.get("clock", _setting(config, "clock"))))
    except ValueError as exc:
        raise pytest.UsageError(f"smarthall settings: {exc}") from None
    line_file = str(chosen.get("line_file", _setting(config, "line_file")))
    return settings, line_file and str(config.rootpath / line_file)


@pytest.fixture(scope=_scope)
def smarthall_line(request, tmp_path_factory) -> Iterator[LineUnderTest]:
    """The simulated line on free ports, seeded, with its endpoints and a line file pointing at them."""
    settings, _ = _settings(request)
    line = LineUnderTest.start(tmp_path_factory.mktemp("smarthall-line"), settings)
    try:
        yield line
    finally:
        line.close()


@pytest.fixture(scope=_scope)
def smarthall_edge(request, tmp_path_factory) -> Iterator[EdgeUnderTest]:
    """An edge agent serving the client API, once every device tag has a first value: on smarthall_line, or on the
    line file the settings name (its history, lock and socket in a folder of the test's)."""
    _, line_file = _settings(request)
    if line_file:
        portal = Portal("smarthall edge")
        try:
            history = tmp_path_factory.mktemp("smarthall-edge") / "history.db"
            edge = EdgeUnderTest.start(portal, Path(line_file), history)
            try:
                yield edge
            finally:
                edge.close()
        finally:
            portal.close()
        return
    line: LineUnderTest = request.getfixturevalue("smarthall_line")
    edge = EdgeUnderTest.start(line.portal, line.line_file, line.folder / "history.db", line)
    try:
        yield edge
    finally:
        edge.close()


@pytest.fixture
def smarthall_faults(smarthall_line: LineUnderTest) -> Iterator[Faults]:
    """Faults on smarthall_line (`with smarthall_faults.inject(target, kind, **params)`); all cleared after the test."""
    faults = Faults(smarthall_line)
    try:
        yield faults
    finally:
        faults.clear()


@pytest.fixture
def smarthall_device(tmp_path_factory) -> Iterator[Callable[..., DeviceUnderTest]]:
    """Twins of device profiles for this test: ``smarthall_device(profile, transport=None, port=0, unit=None,
    seed=0)`` (a shipped profile's name or a profile file) starts one; all are closed after the test."""
    portal: Portal | None = None
    twins: list[DeviceUnderTest] = []

    def twin(profile: str | Path, transport: str | None = None, port: int = 0, unit: int | None = None,
             seed: int = 0) -> DeviceUnderTest:
        nonlocal portal
        portal = portal or Portal("smarthall devices")
        twins.append(DeviceUnderTest.start(portal, tmp_path_factory.mktemp("smarthall-device"), profile, transport,
                                           port, unit, seed))
        return twins[-1]

    try:
        yield twin
    finally:
        try:
            for device in reversed(twins):
                device.close()
        finally:
            if portal is not None:
                portal.close()
