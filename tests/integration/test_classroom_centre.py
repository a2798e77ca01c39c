"""`smarthall lab --classroom` with simulated lines starts its own Mosquitto and puts every team's line on it as a
Sparkplug B edge node: the control centre (Pilot, 80x24), signed in as the ready note says, lists each team's line
online (the lines were born before the centre listened: it asks each for a rebirth), and a value written on one
team's line reaches the centre under that team only."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from textual.widgets import DataTable

from smarthall.centre.app import CentreApp, mqtt_session
from smarthall.centre.model import HostModel
from smarthall.classroom_command import classroom_lab, read_classroom
from smarthall.edge.client import Client
from smarthall.edge.config import load_line
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.loader import CATALOGUE
from smarthall.simulators.line import SimOptions
from tests.waiting import until

pytestmark = [pytest.mark.debian("mosquitto_passwd"), pytest.mark.timeout(300)]
CLASSROOM = """
[classroom]
lesson = "modbus-tcp"

[[teams]]
name = "team1"
trainees = ["kim"]

[[teams]]
name = "team2"
trainees = ["park"]
"""


def lines(app: CentreApp) -> list[list[str]]:
    """The line and state columns of the centre's line table, as the centre last drew it (once a second)."""
    table = app.query_one("#lines", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)][:2] for i in range(table.row_count)]


def setpoint(app: CentreApp, node: str) -> float | None:
    """The conveyor's speed setpoint as the centre holds it for one line (None before its birth)."""
    line = app.model.lines.get(("classroom", node))
    return None if line is None else line.value("conveyor/speed_setpoint")


async def test_every_teams_line_shows_in_the_centre_through_the_classrooms_broker(tmp_path):
    path = tmp_path / "classroom.toml"
    path.write_text(CLASSROOM, encoding="utf-8")
    shelf = load_shelf(CATALOGUE, load_line())
    shown: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        app = await stack.enter_async_context(classroom_lab(
            read_classroom(path, shelf), shelf, tmp_path / "progress.db", options=SimOptions(time_scale=5),
            folder=tmp_path / "lines", show=shown.append))
        broker = app.classroom.centre
        command = broker.centre_command()
        assert app.ready_note == f"Control centre (every team's line): {command}" and app.ready_note in shown
        password_file = re.search(r"\$\(cat (\S+)\)", command).group(1)
        url = re.search(r"--broker (\S+)", command).group(1)
        password = Path(password_file).read_text(encoding="utf-8").strip()
        centre = CentreApp(HostModel(), "en", url, mqtt_session(url, "centre", "centre", password))
        await stack.enter_async_context(centre.run_test(size=(80, 24)))
        await until(lambda: lines(centre) == [["classroom/team1", "online"], ["classroom/team2", "online"]],
                    timeout=120)

        team2 = app.classroom.seats[1]
        async with await Client.connect_unix(team2.where.removeprefix("unix:"), "teacher", "teacher") as teacher:
            await teacher.write("conveyor.speed_setpoint", 321)
        await until(lambda: setpoint(centre, "team2") == 321, timeout=30)
        assert setpoint(centre, "team1") != 321  # team1's line is its own
