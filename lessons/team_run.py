"""One team's way through a lesson on its line: the current step's run, its state and what the team did.

`TeamRun` is what a console screen or the classroom drives and what the edge service shows to
the team's panel (`team_step()`, a TeamStep as `edge.service.LessonHost` describes it):

    team = TeamRun(line.client, sim, progress, workspace, team="team1", trainees=("kim", "lee"))
    team.open(lesson, 0)
    await team.run_step()            # set up, start, follow the check until it passes (a worker or task runs it)
    team.answer(3, by="kim")         # from the console or the team's panel: counted, wrong ones too
    team.reveal_hint(); team.open_solution()

`line` gives the client session of the line's edge service (`edge.client.Client`, e.g. a console's
`LiveLine.client`): the runs reach the line only through it. Each change calls the listeners (`listen`). Progress is stored for every trainee of the team (the
team's name when it has none; plain `smarthall lab`: its --trainee): the step's first opening, its
attempts, wrong answers, hints taken and its first pass.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.devices.profiles import Text

from .checks import Status, Verdict, check_type, evaluation
from .checks.types.choice import ChoiceAnswer
from .errors import LessonRunError
from .model import Lesson, Step, said
from .runner import StepRun, set_up_lesson

if TYPE_CHECKING:
    from smarthall.edge.client import Client

# state -> the TeamStep status the team's panel shows
_WIRE_STATUS = {"passed": "passed", "passed_late": "passed", "signed": "passed", "overdue": "timed_out",
                "error": "failed"}
_KINDS = {"choice": "choice", "number": "number", "computed": "number", "reading": "reading", "config": "config",
          "recipe": "recipe"}  # check type -> what the team's panel asks for
PASSED = ("passed", "passed_late", "signed")
INSTRUCTOR = "instructor"  # who signed a step off, as progress records it


def step_kind(step: Step) -> str:
    """What the step wants from the team: check, choice, number, reading, config, recipe or sign-off."""
    if step.check is None:
        return "sign-off"
    return _KINDS.get(check_type(step.check).name, "check")


def takes_answer(step: Step) -> bool:
    return step.check is not None and evaluation(step.check, 0).takes_answer


def _text(text: Text) -> dict:
    return {"ko": text.ko, "en": text.en}


class TeamRun:
    """A team (None: the whole line) working through one lesson, one step at a time."""

    def __init__(self, line: Callable[[], Awaitable[Client]], sim, progress, workspace: Path, team: str | None = None,
                 trainees: tuple[str, ...] = (), recorder: str | None = None, ground_truth=None,
                 clock: Callable[[], float] = time.time) -> None:
        self.line = line
        self.sim = sim  # lessons.sim_control.SimControl, or None on a real line
        self.progress = progress
        self.workspace = Path(workspace)
        self.team = team
        self.trainees = tuple(trainees)
        # progress is kept for each trainee; without any, under recorder (plain lab's --trainee) or the team's name
        self.learners = self.trainees or (recorder or team or "trainee",)
        self.ground_truth = ground_truth
        self.clock = clock
        self.listeners: list[Callable[[TeamRun], None]] = []
        self.lesson: Lesson | None = None
        self.index = 0
        self.set_up_for: Lesson | None = None  # the lesson whose setup the line has had
        self._clear_step()

    def _clear_step(self) -> None:
        self.run: StepRun | None = None
        self.status: Status | None = None  # the check's last status
        self.state = "starting"  # starting, waiting, holding, overdue, passed, passed_late, sign_off, signed, error
        self.error = Text("", "")
        self.notes: list[Text] = []
        self.hints_shown = 0
        self.solution_shown = False
        self.wrong_answers = 0
        self.since = self.clock()
        self.last_progress = self.since  # when the team last got further (opened, passed, a right answer)

    @property
    def step(self) -> Step:
        if self.lesson is None:
            raise LessonRunError("no lesson is open")
        return self.lesson.steps[self.index]

    def listen(self, listener: Callable[[TeamRun], None]) -> Callable[[], None]:
        """Call listener(team) on each change; returns what stops it."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def changed(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    def open(self, lesson: Lesson, index: int = 0, set_up: bool = False) -> None:
        """Make a step of a lesson the current one (no I/O: `run_step` starts it, with the lesson's setup first
        when the lesson is another one, or set_up says so)."""
        if set_up or self.lesson is not lesson:
            self.set_up_for = None
        self.lesson, self.index = lesson, index
        self._clear_step()
        for learner in self.learners:
            self.progress.opened(learner, lesson.id, self.step.id, self.team, self.since)
        self.changed()

    def _count(self, what: str) -> None:
        for learner in self.learners:
            self.progress.count(learner, self.lesson.id, self.step.id, what, self.team)

    def _set(self, state: str) -> None:
        self.state = state
        self.changed()

    async def run_step(self) -> None:
        """Start the current step (the lesson's setup first, once) and follow its check until it passes.

        Errors of a step (a broken lesson, a refused write) become its state, never raised."""
        lesson, step = self.lesson, self.step
        try:
            client = await self.line()
            run = StepRun(step, client, self.sim, self.workspace / lesson.id / step.id, ground_truth=self.ground_truth)
            notes = []
            if self.set_up_for is not lesson:  # the lesson opens: the line as the lesson wants it
                notes = await set_up_lesson(lesson, client, self.sim)
                self.set_up_for = lesson
            self.notes = notes + await run.start()
            self.run = run
            if not takes_answer(step):
                self._count("attempts")  # a run of the step; an answer step counts its answers
            if run.evaluation is None:
                done = all(step.id in self.progress.done(learner, lesson.id) for learner in self.learners)
                self._set("signed" if done else "sign_off")
                return
            self._set("waiting")
            async with contextlib.aclosing(run.follow()) as statuses:
                async for status in statuses:
                    self.status = status
                    if status.verdict is Verdict.PASSED:
                        self._passed(self.learners[0] if self.team is None else self.team, status.late)
                        self._set("passed_late" if status.late else "passed")
                    elif status.verdict is Verdict.OVERDUE:
                        self._set("overdue")
                    else:
                        self._set("holding" if status.satisfied else "waiting")
        except Exception as exc:
            self.error = _said(exc)
            self._set("error")

    def _passed(self, by: str, late: bool = False) -> None:
        self.last_progress = self.clock()
        for learner in self.learners:
            self.progress.complete(learner, self.lesson.id, self.step.id, by=by, at=self.last_progress, late=late,
                                   team=self.team)

    # --- what the team and the instructor do --------------------------------------------------

    def answer(self, value: object, by: str) -> bool | None:
        """A quiz or reading answer (a choice by its 1-based number): True right, False wrong, None not known yet.

        ValueError (one line) for what is not a number; LessonRunError when the step takes no answer."""
        step = self.step
        if self.run is None or not takes_answer(step):
            raise LessonRunError(f"step {step.id!r} takes no answer now")
        try:
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"an answer is a number, not {value!r}") from None
        if isinstance(step.check, ChoiceAnswer):
            if not number.is_integer() or not 1 <= number <= len(step.check.choices):
                raise ValueError(f"answer with a choice's number, 1 to {len(step.check.choices)}")
            number = int(number) - 1  # the choices are shown from 1
        right = self.run.answer(number)
        self._count("attempts")
        if right is False:
            self.wrong_answers += 1
            self._count("wrong_answers")
        elif right:
            self.last_progress = self.clock()
        self.changed()
        return right

    def reveal_hint(self) -> bool:
        """Show the team the step's next hint; False when all are shown."""
        if self.lesson is None or self.hints_shown >= len(self.step.hints):
            return False
        self.hints_shown += 1
        self._count("hints_taken")
        self.changed()
        return True

    def open_solution(self, shown: bool = True) -> None:
        """Show (or hide) the step's solution to the team."""
        self.solution_shown = shown
        self.changed()

    def sign_off(self, by: str = INSTRUCTOR) -> bool:
        """The instructor checked a step without an automatic check; False when it is not waiting for that."""
        if self.state != "sign_off":
            return False
        self._passed(by)
        self._set("signed")
        return True

    # --- what the panel shows -----------------------------------------------------------------

    @property
    def passed(self) -> bool:
        return self.state in PASSED

    def team_step(self) -> dict:
        """The current step as a TeamStep (edge.service.LessonHost): JSON-ready, every text in ko and en."""
        lesson, step = self.lesson, self.step
        detail = self.error if self.state == "error" else \
            self.status.detail if self.status is not None else Text("", "")
        hints = [_text(h) for h in step.hints[:self.hints_shown]]
        return {
            "team": self.team, "trainees": list(self.trainees), "lesson": lesson.id,
            "lesson_title": _text(lesson.title), "step": self.index, "steps": len(lesson.steps),
            "step_id": step.id, "title": _text(step.title), "instruction": _text(step.instruction),
            "kind": step_kind(step),
            "choices": [_text(c) for c in step.check.choices] if isinstance(step.check, ChoiceAnswer) else [],
            "status": _WIRE_STATUS.get(self.state, "waiting"), "state": self.state, "late": self.state == "passed_late",
            "detail": _text(detail), "hint": hints[-1] if hints else None, "hints": hints,
            "solution": [said(a) for a in step.solution] if self.solution_shown else None,
            "since": self.since, "wrong_answers": self.wrong_answers, "hints_taken": self.hints_shown,
        }


def _said(exc: Exception) -> Text:
    """A step's error as the screens show it: an edge refusal in its own Korean and English (`say`), anything else as
    its type and message."""
    say = getattr(exc, "say", None)
    if say is not None:
        return Text(ko=say("ko"), en=say("en"))
    return Text(ko=f"{type(exc).__name__}: {exc}", en=f"{type(exc).__name__}: {exc}")
