"""A classroom of two teams on one shared line (the simulated line on free ports standing in for a hall, its line
file as an instructor writes one, `[classroom] line = ...`), started as `smarthall lab --classroom` starts it: one
edge serves the line, and each team's answers, wrong answers and progress stay the team's own."""

from __future__ import annotations

import pytest

from smarthall.classroom_command import classroom_lab, read_classroom
from smarthall.edge.client import Client
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.loader import CATALOGUE
from smarthall.lessons.progress import Progress
from smarthall.simulators.line import SimOptions, SimulatedLine
from tests.ui.line_file import line_file
from tests.waiting import until

pytestmark = pytest.mark.timeout(240)
CLASSROOM = """
[classroom]
lesson = "modbus-tcp"
line = "hall/hall.toml"

[[teams]]
name = "team1"
trainees = ["kim"]
station = "conveyor"

[[teams]]
name = "team2"
trainees = ["park"]
station = "feeder"
"""


async def test_two_teams_on_one_line_keep_their_answers_and_progress_apart(tmp_path):
    (tmp_path / "hall").mkdir()
    (tmp_path / "classroom.toml").write_text(CLASSROOM, encoding="utf-8")
    shelf = load_shelf(CATALOGUE, load_line())
    shown: list[str] = []
    async with SimulatedLine(SimOptions(feeder_port=0, conveyor_port=0, process_port=0, control_port=0, camera_port=0,
                                        time_scale=5, fieldbus_link=str(tmp_path / "fieldbus"))) as real:
        hall = line_file(real, tmp_path / "hall")
        with hall.open("a", encoding="utf-8") as file:  # the simulated line's users: kim in team1, park in team2
            file.write(f'\n[users]\nfile = "{DEFAULT_LINE.parent / "sim-users.toml"}"\n')
        spec = read_classroom(tmp_path / "classroom.toml", shelf)
        assert spec.line == hall and not spec.simulated
        async with classroom_lab(spec, shelf, tmp_path / "progress.db", folder=tmp_path / "lines",
                                 show=shown.append) as app:
            seats = app.classroom.seats
            assert [s.name for s in seats] == ["team1", "team2"]
            assert seats[0].agent is seats[1].agent and seats[0].where == seats[1].where  # one edge, one line
            assert shown == [f"Every team works on line {hall}; panels and commands at {seats[0].where}"]
            await until(lambda: all(s.run.state == "waiting" for s in seats), timeout=120)

            socket = seats[0].where.removeprefix("unix:")
            async with await Client.connect_unix(socket, "kim", "kim") as kim:
                assert (await kim.answer(3))["right"] is True  # team1's quiz
            async with await Client.connect_unix(socket, "park", "park") as park:
                assert (await park.answer(1))["right"] is False  # team2 answers wrong, on the same service
            await until(lambda: app.progress.done("kim", "modbus-tcp") == {"addressing"}, timeout=30)
            assert app.progress.done("park", "modbus-tcp") == set()
            assert [s.run.wrong_answers for s in seats] == [0, 1] and seats[1].run.index == 0

    with Progress(tmp_path / "progress.db") as progress:
        records = progress.records()
    assert {(r.team, r.trainee) for r in records if r.passed} == {("team1", "kim")}
    assert {(r.team, r.trainee): r.wrong_answers for r in records if r.step == "addressing"} == {
        ("team1", "kim"): 0, ("team2", "park"): 1}
