"""Snapshots of every console screen at 80x24 and 120x40, in Korean and English, on the frozen line.

The frozen line (tests/ui/frozen.py) has fixed values, timestamps, scan
statistics and faults, and the console's clock is fixed, so a snapshot
changes only when what a screen shows changes. Update them with
`pytest tests/ui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from smarthall.lessons.console.active_faults import ActiveFaults
from smarthall.lessons.console.alarm_list import AlarmList
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.health_table import HealthTable
from smarthall.lessons.console.tag_table import TagTable
from smarthall.lessons.progress import Progress
from tests.waiting import until

from .frozen import NOW, FrozenSim, frozen_line, frozen_shelf

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


async def _lesson_list(pilot) -> None:
    await pilot.press("down", "down")  # a broken lesson: its problems show under the list


async def _step_view(pilot) -> None:
    screen = pilot.app.screen
    await until(lambda: screen.state == "waiting")
    table = screen.query_one(TagTable)
    await until(lambda: table.tags and table.good_count() == len(table.tags))
    await pilot.press("h")


async def _line_overview(pilot) -> None:
    await pilot.press("v")
    line, screen = pilot.app.line, pilot.app.screen
    tables, health, alarms = screen.query(TagTable), screen.query_one(HealthTable), screen.query_one(AlarmList)
    await until(lambda: line.loaded and all(t.snapshot() == t._shown for t in tables))
    await until(lambda: health.rows == line.health and alarms.rows() == alarms._shown)  # what the client API said


async def _fault_panel(pilot) -> None:
    await pilot.press("f")
    faults = pilot.app.screen.query_one(ActiveFaults)
    kinds = pilot.app.screen.query_one("#kinds")
    await until(lambda: faults.faults is not None and kinds.option_count)


SCREENS = {"lesson_list": (_lesson_list, None), "step_view": (_step_view, "line-basics"),
           "line_overview": (_line_overview, None), "fault_panel": (_fault_panel, None)}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, tmp_path, screen, size, lang):
    navigate, lesson = SCREENS[screen]
    shelf = frozen_shelf()
    with Progress(tmp_path / "progress.db") as progress:
        app = LabApp(shelf.catalogue, frozen_line(), FrozenSim(), progress, "kim", tmp_path / "work", lesson=lesson,
                     lang=lang, broken=shelf.broken, clock=lambda: NOW)
        assert snap_compare(app, terminal_size=SIZES[size], run_before=navigate)
