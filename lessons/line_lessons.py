"""The lessons running on one line, as its edge service offers them (edge.service.LessonHost).

`LineLessons(teams)` holds the `TeamRun` of every team working on the line (one with team None
for plain `smarthall lab`); `smarthall lab` hands it to the edge `Service`, which streams each
team's step to its panel and passes the team's answers in:

    host = LineLessons([TeamRun(line.client, sim, progress, workspace, recorder="kim")])
    Service(agent, users, sim, lessons=host)

Every subscriber (`changes()`) has its own queue, filled from the moment it subscribed; a
subscriber that stops reading loses its oldest changes, never blocks the runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from smarthall.edge.errors import LessonNotOpen

from .errors import LessonRunError
from .team_run import TeamRun

QUEUE = 256  # changes kept for a subscriber that does not read


class Subscription:
    """An async iterator of TeamSteps, subscribed when made; `aclose` ends it."""

    def __init__(self, host: LineLessons) -> None:
        self._host = host
        self._queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE)
        host._subscribers.add(self)

    def put(self, step: dict) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # the oldest goes: the runs never wait for a reader
        self._queue.put_nowait(step)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict:
        return await self._queue.get()

    async def aclose(self) -> None:
        self._host._subscribers.discard(self)


class LineLessons:
    """The teams' lesson runs on one line; a TeamStep goes to every subscriber on each change."""

    def __init__(self, teams: Iterable[TeamRun] = ()) -> None:
        self.teams: dict[str | None, TeamRun] = {}
        self._subscribers: set[Subscription] = set()
        for team in teams:
            self.add(team)

    def add(self, team: TeamRun) -> None:
        self.teams[team.team] = team
        team.listen(self._changed)

    def _changed(self, team: TeamRun) -> None:
        if team.lesson is None or not self._subscribers:
            return
        step = team.team_step()
        for subscriber in list(self._subscribers):
            subscriber.put(step)

    def steps(self) -> list[dict]:
        return [team.team_step() for team in self.teams.values() if team.lesson is not None]

    def changes(self) -> Subscription:
        return Subscription(self)

    def team(self, name: str | None) -> TeamRun:
        """The team's run; a team not on this line falls back to the whole line's run (plain lab), if any."""
        team = self.teams.get(name) or self.teams.get(None)
        if team is None or team.lesson is None:
            if name is None and self.teams:
                names = ", ".join(str(t) for t in self.teams)
                raise LessonNotOpen(f"name the team: {names}", f"팀을 지정하세요: {names}")
            if name is None:
                raise LessonNotOpen()
            raise LessonNotOpen(f"no lesson is running for team {name} on this line",
                                f"이 라인에서 {name} 팀의 수업이 진행 중이지 않습니다")
        return team

    async def answer(self, team: str | None, value: object, user: str) -> dict:
        run = self.team(team)
        try:
            right = run.answer(value, by=user)
        except LessonRunError as exc:
            raise LessonNotOpen(str(exc), f"이 단계는 지금 답을 받지 않습니다 ({run.step.id})") from None
        return {"right": right, "status": run.team_step()}
