"""Snapshots of the station panel for each station kind at 80x24 and 120x40, in Korean and English.

The panel runs as a client of a real agent's API on a frozen line (tests/panel/frozen.py: fixed values,
timestamps and history, the panel's clock fixed), so a snapshot changes only when what the panel shows
changes. Update them with `pytest tests/panel/test_panel_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from smarthall.edge.client import Client
from smarthall.panel.app import PanelApp
from tests.waiting import until

from .frozen import NOW, frozen_service

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
STATIONS = {"conveyor": "kim", "feeder": "park", "process": "jung", "vision": "teacher"}  # each with its user
SEE_A_STEP = {"kim", "teacher"}  # team1's trainee, and the teacher (who sees the first team's step)


@pytest.fixture
def frozen(tmp_path):
    with frozen_service(tmp_path) as (socket, _lessons):
        yield socket


def panel(socket, station: str, lang: str) -> PanelApp:
    user = STATIONS[station]

    async def connect(name: str, password: str) -> Client:
        return await Client.connect_unix(socket, name, password)

    return PanelApp(connect, "frozen", station, user, user, lang, clock=lambda: NOW)


async def _shown(pilot) -> None:
    app = pilot.app
    await until(lambda: app.panel is not None and app.panel.is_mounted and app.panel.values, timeout=30)
    if app.user in SEE_A_STEP:  # the step comes on its own stream, after the values
        await until(lambda: app.panel.step is not None, timeout=30)
    app.panel.changed = True
    app.panel.redraw()
    app.panel.redraw_trend()
    await pilot.pause()


def _tab(key: str):
    async def shown(pilot) -> None:
        await _shown(pilot)
        await pilot.press(key)
        await pilot.pause()
    return shown


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("station", STATIONS)
def test_station(snap_compare, frozen, station, size, lang):
    assert snap_compare(panel(frozen, station, lang), terminal_size=SIZES[size], run_before=_shown)


TABS = {"trend": ("process", "2"), "alarms": ("feeder", "3"), "lesson": ("conveyor", "4")}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("tab", TABS)
def test_tab(snap_compare, frozen, tab, lang):
    station, key = TABS[tab]
    assert snap_compare(panel(frozen, station, lang), terminal_size=SIZES["80x24"], run_before=_tab(key))
