"""Lesson steps over the edge service: a team's panel follows its step (`lesson`) and answers it (`answer`).

A simulated line on free ports, its edge agent and service in this process with the simulated line's users file,
and `LineLessons` hosting the teams' runs of lesson 2 (its first step is a quiz: the third choice is right).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.client import Client
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.errors import Forbidden, LessonNotOpen
from smarthall.edge.service import Service
from smarthall.lessons.line_lessons import LineLessons
from smarthall.lessons.loader import CATALOGUE, load_catalogue
from smarthall.lessons.progress import Progress
from smarthall.lessons.team_run import TeamRun
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.ui.line_file import line_file
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)
LESSON = load_catalogue(CATALOGUE, load_line()).lesson("modbus-tcp")
USERS = DEFAULT_LINE.parent / "sim-users.toml"


@contextlib.asynccontextmanager
async def served(tmp: Path, teams: tuple[str | None, ...] | None):
    """The line's service with a lesson host running lesson 2 for each of `teams` (None: no host at all)."""
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp / "bus"))
    async with SimulatedLine(options) as line:
        path = line_file(line, tmp)
        path.write_text(path.read_text(encoding="utf-8") + f'\n[users]\nfile = "{USERS}"\n', encoding="utf-8")
        config = load_line(path)
        async with contextlib.AsyncExitStack() as stack:
            agent = await stack.enter_async_context(EdgeAgent(config))
            progress = stack.enter_context(Progress(tmp / "progress.db"))
            session = asyncio.get_running_loop().create_future()  # the runs reach the line through the service
            runs = [] if teams is None else [TeamRun(lambda: session, None, progress, tmp / "work" / str(team),
                                                     team=team, trainees={"team1": ("kim", "lee")}.get(team, ()))
                                             for team in teams]
            host = None if teams is None else LineLessons(runs)
            service = await stack.enter_async_context(Service(agent, config.users, lessons=host))
            session.set_result(await stack.enter_async_context(service.session()))
            tasks = []
            for run in runs:
                run.open(LESSON)
                tasks.append(asyncio.create_task(run.run_step()))
            try:
                await until(lambda: all(run.state == "waiting" for run in runs), timeout=30)
                yield service, runs, progress
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


def audit(tmp: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp / "history.db") as db:
        return db.execute("SELECT user, tag, result FROM write_log ORDER BY ts").fetchall()


async def test_a_trainee_follows_and_answers_the_whole_lines_step(tmp_path):
    async with served(tmp_path, (None,)) as (service, [run], progress):
        async with await Client.connect_unix(service.socket, "kim", "kim") as kim:
            steps = kim.lesson_steps()
            first = await anext(steps)
            assert (first["team"], first["lesson"], first["step"], first["steps"]) == (None, "modbus-tcp", 0, 5)
            assert first["kind"] == "choice" and first["status"] == "waiting" and len(first["choices"]) >= 3
            assert first["title"] == {"ko": LESSON.steps[0].title.ko, "en": LESSON.steps[0].title.en}
            wrong = await kim.answer(1)
            assert wrong["right"] is False and wrong["status"]["wrong_answers"] == 1
            right = await kim.answer("3")
            assert right["right"] is True
            seen = first
            while seen["status"] != "passed":  # the stream follows: the wrong answer, then the pass
                seen = await anext(steps)
            assert seen["wrong_answers"] == 1
            await steps.aclose()
        [record] = progress.records()
        assert (record.trainee, record.attempts, record.wrong_answers, record.passed) == (run.learners[0], 2, 1, True)
    assert ("kim", "lesson answer (team1)", "wrong") in audit(tmp_path)
    assert ("kim", "lesson answer (team1)", "right") in audit(tmp_path)


async def test_each_team_sees_its_own_step_and_answers_count_for_that_team_only(tmp_path):
    async with served(tmp_path, ("team1", "team2")) as (service, (team1, team2), progress):
        async with await Client.connect_unix(service.socket, "kim", "kim") as kim, \
                await Client.connect_unix(service.socket, "teacher", "teacher") as teacher:
            mine = kim.lesson_steps()
            assert [(await anext(mine))["team"]] == ["team1"]  # kim (team1) sees team1's step only
            everyone = teacher.lesson_steps()
            assert sorted([(await anext(everyone))["team"], (await anext(everyone))["team"]]) == ["team1", "team2"]
            assert (await kim.answer(3, team="team2"))["status"]["team"] == "team1"  # a trainee's team is their own
            await until(lambda: team1.state == "passed")
            assert not team2.passed
            assert (await teacher.answer(2, team="team2"))["right"] is False  # the instructor names the team
            assert team2.wrong_answers == 1 and team1.wrong_answers == 0
            with pytest.raises(LessonNotOpen, match="name the team: team1, team2"):
                await teacher.answer(3)
            await mine.aclose()
            await everyone.aclose()
        async with await Client.connect_unix(service.socket, "park", "park") as park:  # team2
            assert (await park.answer(3))["status"]["team"] == "team2"
        async with await Client.connect_unix(service.socket, "guest", "guest") as guest:
            with pytest.raises(Forbidden, match="guest is an observer"):
                await guest.answer(3, team="team1")
        by_team = {(r.team, r.trainee): r for r in progress.records()}
        assert set(by_team) == {("team1", "kim"), ("team1", "lee"), ("team2", "team2")}
        assert by_team["team1", "lee"].passed and by_team["team2", "team2"].wrong_answers == 1
    assert ("guest", "lesson answer (team1)", "refused: guest is an observer: observers may only read") \
        in audit(tmp_path)


async def test_no_lesson_on_the_line_is_said_in_korean_and_english(tmp_path):
    async with served(tmp_path, None) as (service, _, _), \
            await Client.connect_unix(service.socket, "kim", "kim") as kim:
        with pytest.raises(LessonNotOpen) as raised:
            await kim.answer(3)
        assert (raised.value.en, raised.value.ko) == ("no lesson is running on this line",
                                                      "이 라인에서 진행 중인 수업이 없습니다")
        with pytest.raises(LessonNotOpen, match="no lesson is running on this line"):
            await anext(kim.lesson_steps())
