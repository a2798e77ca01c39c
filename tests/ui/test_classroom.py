"""The instructor's classroom view: every team's step, who is stuck, and actions on one team (Pilot and snapshots).

Four teams on frozen lines (tests/ui/frozen.py) at fixed steps and states, the console's clock fixed: team3
has had no progress for longer than the classroom's stuck_min and is highlighted.
"""

from __future__ import annotations

import pytest

from smarthall.lessons.classroom import Classroom, ClassroomSpec, Seat, TeamSpec
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.classroom_view import ClassroomScreen
from smarthall.lessons.console.fault_panel import FaultScreen
from smarthall.lessons.progress import Progress
from smarthall.lessons.team_run import TeamRun
from tests.waiting import until

from .frozen import NOW, FrozenSim, frozen_agent, frozen_line, frozen_shelf

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
TEAMS = (("team1", ("kim", "lee"), 0, "waiting", 60), ("team2", ("park", "choi"), 1, "passed", 30),
         ("team3", ("jung",), 0, "overdue", 7 * 60), ("team4", (), 2, "sign_off", 10))  # name, trainees, step, state, s


class RecordingSim(FrozenSim):
    """Sim control's stand-in that remembers what the instructor did to this team's line."""

    def __init__(self) -> None:
        self.done: list[str] = []

    async def clear_faults(self) -> None:
        self.done.append("clear")

    async def reset(self) -> None:
        self.done.append("reset")


def frozen_classroom(progress: Progress, tmp_path) -> Classroom:
    lesson = frozen_shelf().catalogue.lessons[0]
    spec = ClassroomSpec("classroom.toml", lesson.id, tuple(TeamSpec(name, trainees) for name, trainees, *_ in TEAMS),
                         stuck_min=5)
    seats = []
    for name, trainees, index, state, seconds in TEAMS:
        run = TeamRun(frozen_line().client, None, progress, tmp_path / name, team=name, trainees=trainees,
                      clock=lambda seconds=seconds: NOW - seconds)
        run.open(lesson, index)
        run.state = state
        run.clock = lambda: NOW
        seats.append(Seat(run, frozen_agent(), RecordingSim()))
    return Classroom(spec, lesson, seats)


def classroom_app(progress, tmp_path, lang="en") -> LabApp:
    shelf = frozen_shelf()
    classroom = frozen_classroom(progress, tmp_path)
    first = classroom.seats[0]
    return LabApp(shelf.catalogue, frozen_line(), first.sim, progress, "teacher", tmp_path / "work", lang=lang,
                  broken=shelf.broken, clock=lambda: NOW, team_run=first.run, classroom=classroom)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", SIZES)
def test_classroom_view(snap_compare, tmp_path, size, lang):
    with Progress(tmp_path / "progress.db") as progress:
        app = classroom_app(progress, tmp_path, lang)

        async def shown(pilot) -> None:
            await until(lambda: isinstance(pilot.app.screen, ClassroomScreen))
        assert snap_compare(app, terminal_size=SIZES[size], run_before=shown)


async def test_the_instructor_acts_on_the_highlighted_team_only(tmp_path):
    with Progress(tmp_path / "progress.db") as progress:
        app = classroom_app(progress, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ClassroomScreen)
            seats = app.classroom.seats
            assert [app.classroom.stuck(seat, NOW) for seat in seats] == [False, False, True, False]
            assert "STUCK" in str(screen.row(seats[2], NOW)[2]) and "bold reverse red" in str(screen.row(seats[2], NOW)[0].style)
            await pilot.press("h")  # team1: its first hint
            assert [seat.run.hints_shown for seat in seats] == [1, 0, 0, 0]
            assert screen.said == "team1: hint revealed"
            await pilot.press("s")
            assert [seat.run.solution_shown for seat in seats] == [True, False, False, False]
            assert seats[0].run.team_step()["solution"] is not None and seats[1].run.team_step()["solution"] is None
            await pilot.press("down", "down", "down", "o")  # team4 waits for the instructor's sign-off
            assert seats[3].run.state == "signed" and progress.done("team4", seats[3].run.lesson.id) == {
                seats[3].run.step.id}
            await pilot.press("up", "c")  # team3's line: faults cleared on its own line only
            await until(lambda: seats[2].sim.done == ["clear"])
            assert [seat.sim.done for seat in seats] == [[], [], ["clear"], []]
            await pilot.press("f")
            assert isinstance(app.screen, FaultScreen) and app.screen.sim is seats[2].sim
            await pilot.press("escape", "l")
            assert "팀" in str(screen.query_one("DataTable").ordered_columns[0].label)
