"""A classroom: teams of trainees, each at a station of a shared line or at a simulated line of its own.

The classroom file (TOML)::

    [classroom]
    lesson = "modbus-tcp"         # the lesson every team works through
    stuck_min = 5                 # no progress for this long: the team is shown as stuck
    line = "simulated"            # one simulated line per team; or a line file all teams share

    [[teams]]
    name = "team1"
    trainees = ["kim", "lee"]
    station = "conveyor"          # on a shared line: the station the team operates (not with "simulated")

Its reference, docs/classroom-format.md, is generated from `lessons.classroom_schema`, whose key names and
defaults the reader uses. `load_classroom(path, lessons, users)` checks it (every error names the file, the key and what was
expected; lesson ids against the catalogue, trainees against the users file's teams). `Classroom`
is the running classroom: each `Seat` a team's run (`TeamRun`), its line's agent and sim control,
and where its edge serves; `start()` sets each team going through the lesson (a passed step opens
the next after `ADVANCE_S`), and the instructor's actions go to one team.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smarthall.devices.toml_reader import TomlReader, parse_toml
from smarthall.stopping import stop

from .classroom_schema import CLASSROOM, SIMULATED, STUCK_MIN, STUCK_RANGE, TEAM
from .errors import LessonError
from .model import Lesson
from .team_run import TeamRun

ADVANCE_S = 2.0  # a passed step stays on the team's panel this long before the next opens


class ClassroomFileError(LessonError, ValueError):
    """A classroom file that cannot be used: file, key, expected."""


@dataclass(frozen=True)
class TeamSpec:
    name: str
    trainees: tuple[str, ...]
    station: str | None = None  # on a shared line


@dataclass(frozen=True)
class ClassroomSpec:
    source: str
    lesson: str
    teams: tuple[TeamSpec, ...]
    line: Path | None = None  # None: one simulated line per team
    stuck_min: float = STUCK_MIN

    @property
    def simulated(self) -> bool:
        return self.line is None


def load_classroom(path: str | Path, lessons: Collection[str] | None = None, users=None,
                   stations: Collection[str] | None = None) -> ClassroomSpec:
    """Read and check a classroom file; lessons: known lesson ids; users: an edge Users whose teams the trainees
    must belong to; stations: the shared line's stations."""
    path = Path(path)
    return _Reader(str(path), lessons, users, stations).classroom(parse_toml(path, ClassroomFileError), path)


class _Reader(TomlReader):
    def __init__(self, source: str, lessons, users, stations) -> None:
        super().__init__(source, ClassroomFileError)
        self.lessons, self.users, self.stations = lessons, users, stations

    def classroom(self, data: Mapping, path: Path) -> ClassroomSpec:
        self.known_keys(data, "top level", ("classroom", "teams"))
        head = self.table(self.get(data, "classroom", "top level", Mapping), "[classroom]")
        self.known_keys(head, "[classroom]", CLASSROOM.key_names)
        lesson = self.get(head, "lesson", "[classroom]", str)
        if self.lessons is not None and lesson not in self.lessons:
            raise self.fail("[classroom]", f"key 'lesson': unknown lesson {lesson!r}: expected one of "
                                           f"{', '.join(sorted(self.lessons))}")
        stuck = self.number(head, "stuck_min", "[classroom]", *STUCK_RANGE, STUCK_MIN)
        line_key = self.get(head, "line", "[classroom]", str, SIMULATED)
        line = None if line_key == SIMULATED else (path.parent / line_key).resolve()
        raw = self.get(data, "teams", "top level", list)
        if not raw:
            raise self.fail("[[teams]]", "expected at least one team")
        teams = tuple(self.team(value, index, line is None) for index, value in enumerate(raw))
        self.unique((t.name for t in teams), "[[teams]]", "team name")
        self.unique((name for t in teams for name in t.trainees), "[[teams]]", "trainee (one team each)")
        return ClassroomSpec(self.source, lesson, teams, line, float(stuck))

    def team(self, value: object, index: int, simulated: bool) -> TeamSpec:
        where = f"teams[{index}]"
        data = self.table(value, where)
        name = self.get(data, "name", where, str)
        where = f"teams[{index}] {name!r}"
        self.known_keys(data, where, TEAM.key_names)
        trainees = self.get(data, "trainees", where, list, [])
        for trainee in trainees:
            if not isinstance(trainee, str):
                raise self.fail(where, f"key 'trainees': expected user names, got {trainee!r}")
            user = None if self.users is None else self.users.user(trainee)
            if self.users is not None and (user is None or user.team != name):
                raise self.fail(where, f"key 'trainees': {trainee!r} is not a trainee of team {name!r} in "
                                       f"{self.users.source}: expected a user of that team")
        station = self.get(data, "station", where, str, None)
        if simulated and station is not None:
            raise self.fail(where, "key 'station': a team on its own simulated line operates all of it; "
                                   "expected no station (or [classroom] line = a shared line file)")
        if not simulated:
            if station is None:
                raise self.fail(where, "missing key 'station': on a shared line, the station the team operates")
            if self.stations is not None and station not in self.stations:
                raise self.fail(where, f"key 'station': unknown station {station!r}: expected one of "
                                       f"{', '.join(self.stations)}")
        return TeamSpec(name, tuple(trainees), station)


# --- the running classroom ------------------------------------------------------------------------

@dataclass
class Seat:
    """One team in the running classroom: its run, its line (agent, sim control) and where its edge serves."""

    run: TeamRun
    agent: object
    sim: object | None
    where: str = ""  # the edge service's socket (and TCP address), for the team's panel
    ports: Mapping[str, int] = field(default_factory=dict)  # the simulated line's stations' ports

    @property
    def name(self) -> str:
        return str(self.run.team)


class Classroom:
    """The teams at work: each goes through the lesson on its own; the instructor acts on one team at a time."""

    def __init__(self, spec: ClassroomSpec, lesson: Lesson, seats: list[Seat], advance_s: float = ADVANCE_S,
                 centre: object | None = None) -> None:
        self.spec = spec
        self.centre = centre  # the broker every team's line publishes to, for the control centre (None: none)
        self.lesson = lesson
        self.seats = seats
        self.advance_s = advance_s
        self._tasks: dict[str, asyncio.Task] = {}

    def seat(self, team: str) -> Seat:
        return next(s for s in self.seats if s.name == team)

    def start(self) -> None:
        """Every team opens the lesson at its first step and works on (each in its own task)."""
        for seat in self.seats:
            self._go(seat, 0)

    def _go(self, seat: Seat, index: int) -> None:
        if (task := self._tasks.get(seat.name)) is not None:
            task.cancel()
        self._tasks[seat.name] = asyncio.create_task(self._work(seat.run, index), name=f"classroom {seat.name}")

    async def _work(self, run: TeamRun, index: int) -> None:
        set_up = True  # the lesson's setup when the team starts (and after a reset)
        while index < len(self.lesson.steps):
            run.open(self.lesson, index, set_up=set_up)
            set_up = False
            await run.run_step()
            while not run.passed:  # an error or a sign-off step: wait for the instructor (sign off, reset)
                await _changed(run)
            await asyncio.sleep(self.advance_s)
            index += 1

    async def close(self) -> None:
        """Stop every team's run (each cancelled until it ends: a run may be inside a library that swallows one)."""
        await asyncio.gather(*map(stop, self._tasks.values()), return_exceptions=True)

    def stuck(self, seat: Seat, now: float) -> bool:
        """No progress (a step opened or passed, a right answer) for the classroom's stuck_min."""
        run = seat.run
        return run.lesson is not None and not run.passed and now - run.last_progress >= self.spec.stuck_min * 60

    # --- the instructor's actions on one team ---------------------------------------------------

    async def inject(self, seat: Seat, target: str, kind: str, params: dict | None = None) -> int:
        return await self._sim(seat).inject_fault(target, kind, params)

    async def clear_faults(self, seat: Seat) -> None:
        await self._sim(seat).clear_faults()

    async def reset_line(self, seat: Seat) -> None:
        """The team's simulated line back to its start, then the lesson's setup and the team's step again."""
        await self._sim(seat).reset()
        self._go(seat, seat.run.index)

    def _sim(self, seat: Seat):
        if seat.sim is None:
            raise LessonError(f"team {seat.name} works on a real line: no sim control")
        return seat.sim


async def _changed(run: TeamRun) -> None:
    """Until the run next changes."""
    changed = asyncio.Event()
    stop = run.listen(lambda _run: changed.set())
    try:
        await changed.wait()
    finally:
        with contextlib.suppress(ValueError):
            stop()
