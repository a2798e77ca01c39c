"""A classroom of four teams, each on its own simulated line (free ports), started as `smarthall lab --classroom`
starts it: each team's answers and checks count only for that team, a fault injected for team 2 shows only on
team 2's line (and through its edge service), and the report lists the four teams."""

from __future__ import annotations

import pytest

from smarthall.classroom_command import classroom_lab, read_classroom
from smarthall.edge.client import Client
from smarthall.edge.config import load_line
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.loader import CATALOGUE
from smarthall.lessons.progress import Progress, report_csv
from smarthall.simulators.line import SimOptions
from tests.waiting import until

pytestmark = pytest.mark.timeout(300)  # four simulated lines and four edges on a loaded machine
CLASSROOM = """
[classroom]
lesson = "modbus-tcp"
stuck_min = 2

[[teams]]
name = "team1"
trainees = ["kim", "lee"]

[[teams]]
name = "team2"
trainees = ["park", "choi"]

[[teams]]
name = "team3"
trainees = ["jung"]

[[teams]]
name = "team4"
"""


async def estop_ok(seat) -> bool:
    async with await Client.connect_unix(seat.where.removeprefix("unix:"), "teacher", "teacher") as teacher:
        [value] = await teacher.read(["conveyor.estop_ok"], fresh=True)
        return value.value


async def _is(value, expected) -> bool:
    return await value is expected


async def test_four_teams_each_on_their_own_line_count_only_for_themselves(tmp_path):
    path = tmp_path / "classroom.toml"
    path.write_text(CLASSROOM, encoding="utf-8")
    shelf = load_shelf(CATALOGUE, load_line())
    shown: list[str] = []
    async with classroom_lab(read_classroom(path, shelf), shelf, tmp_path / "progress.db",
                             options=SimOptions(time_scale=5), folder=tmp_path / "lines", show=shown.append) as app:
        classroom = app.classroom
        seats = classroom.seats
        assert [s.name for s in seats] == ["team1", "team2", "team3", "team4"]
        assert [line.split(":")[0] for line in shown] == ["Control centre (every team's line)", "team1", "team2",
                                                          "team3", "team4"]
        ports = [port for seat in seats for port in seat.ports.values()]
        assert len(set(ports)) == len(ports) == 8  # every team's feeder and conveyor on ports of their own
        await until(lambda: all(s.run.state == "waiting" for s in seats), timeout=120)

        async with await Client.connect_unix(seats[0].where.removeprefix("unix:"), "kim", "kim") as kim:
            assert (await kim.answer(3))["right"] is True  # team1's quiz, on team1's line
        async with await Client.connect_unix(seats[1].where.removeprefix("unix:"), "park", "park") as park:
            assert (await park.answer(1))["right"] is False  # team2 answers wrong
        progress = app.progress
        await until(lambda: progress.done("kim", "modbus-tcp") == {"addressing"}, timeout=30)
        assert [progress.done(learner, "modbus-tcp") for learner in ("lee", "park", "choi", "jung", "team4")] == [
            {"addressing"}, set(), set(), set(), set()]  # kim's team passed; nobody else
        assert [s.run.index for s in seats[1:]] == [0, 0, 0] and [s.run.wrong_answers for s in seats[1:]] == [1, 0, 0]

        await classroom.inject(seats[1], "conveyor", "estop")  # a fault for team 2 only
        await until(lambda: _is(estop_ok(seats[1]), False), timeout=30)
        assert [await estop_ok(s) for s in seats] == [True, False, True, True]  # as team panels read it
        await classroom.clear_faults(seats[1])
        await until(lambda: _is(estop_ok(seats[1]), True), timeout=30)

    with Progress(tmp_path / "progress.db") as progress:
        records = progress.records()
    assert {r.team for r in records} == {"team1", "team2", "team3", "team4"}
    passed = {(r.team, r.trainee) for r in records if r.passed}
    assert passed == {("team1", "kim"), ("team1", "lee")}
    assert {(r.team, r.trainee): r.wrong_answers for r in records if r.step == "addressing"} == {
        ("team1", "kim"): 0, ("team1", "lee"): 0, ("team2", "park"): 1, ("team2", "choi"): 1, ("team3", "jung"): 0,
        ("team4", "team4"): 0}
    report = report_csv(records)
    assert all(f"\n{team}," in report for team in ("team1", "team2", "team3", "team4"))
