"""Running a step on the line through the edge's client API: start it, follow its check, apply actions.

`StepRun(step, line, sim, workspace)` is what a console drives; `line` is an `edge.client.Client`
(the running agent's API: writes, calls and acknowledgements are made as its session's user):

    run = StepRun(step, line, sim, workspace)
    notes = await run.start()          # setup, fault injection (or by-hand notes), fresh workspace files
    async with contextlib.aclosing(run.follow()) as statuses:
        async for status in statuses:  # each change of the check's status, until passed or failed
            ...
    run.answer(42)                     # a quiz or reading answer, from the UI

The check itself is evaluated by `lessons.checks` (no I/O); this module only
feeds it: a fresh read at start, the line's watch stream, alarm states and the
trainee's workspace file when it changes (loaded by the check type in a thread,
so the console stays live), the historian's rows for a history check.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.devices.profiles import Text
from smarthall.edge.errors import EdgeError
from smarthall.stopping import stop

from .checks import AlarmSeen, Answered, Evaluation, Loaded, Observation, Queried, Status, Verdict, evaluation, judge
from .errors import LessonRunError
from .model import Action, Check, Lesson, Step
from .recipe_check import GroundTruth

if TYPE_CHECKING:  # asyncua: imported by whoever makes the SimControl
    from smarthall.edge.client import Client

    from .sim_control import SimControl

POLL_S = 0.05
BY_HAND_SETUP = Text(ko="라인을 수업 시작 상태로: 모든 고장을 해제하고 비상정지를 푸세요. 매거진에 부품 {n}개를 채우세요.",
                     en="Bring the line to the lesson's start: clear every fault and release the E-stop;"
                        " load {n} parts into the magazine.")
SETUP_WRITE_FAILED = Text(ko="{tag} = {value}(으)로 맞추지 못했습니다: {error}", en="Could not set {tag} = {value}: {error}")


def _filled(text: Text, **values) -> Text:
    return Text(ko=text.ko.format(**values), en=text.en.format(**values))


async def set_up_lesson(lesson: Lesson, line: Client, sim: SimControl | None) -> list[Text]:
    """Bring the line to the lesson's `setup` state, whatever the lesson before left; returns notes for the
    instructor (on a real line, what to do by hand)."""
    setup = lesson.setup
    notes = []
    if sim is None:
        if setup.clear_faults or setup.magazine:
            notes.append(_filled(BY_HAND_SETUP, n=setup.magazine))
    else:
        if setup.clear_faults:
            await sim.clear_faults()
        if setup.magazine:
            await sim.load_magazine(setup.magazine)
    for tag, value in setup.write:
        try:
            await line.write(tag, value)
        except Exception as exc:
            notes.append(_filled(SETUP_WRITE_FAILED, tag=tag, value=value, error=exc))
    return notes


class StepRun:
    def __init__(self, step: Step, line: Client, sim: SimControl | None, workspace: Path,
                 ground_truth: GroundTruth | None = None) -> None:
        self.step = step
        self.ground_truth = ground_truth  # for recipe checks: parts with known truth (the camera simulator's)
        self.line = line
        self.sim = sim
        self.workspace = Path(workspace)
        self.evaluation: Evaluation | None = None
        self.observed: list[Observation] = []  # everything fed to `evaluation`, in order
        self._file_stamp: tuple | None = None
        self._asked = -math.inf  # when the historian was last asked for a history check

    async def start(self) -> list[Text]:
        """Prepare the step: copy its files, run its setup, inject its fault; returns notes for the instructor."""
        notes: list[Text] = []
        self.workspace.mkdir(parents=True, exist_ok=True)
        for name, source in self.step.files.items():
            if not (self.workspace / name).exists():
                shutil.copyfile(source, self.workspace / name)
        await self.apply(self.step.setup)
        if self.step.fault is not None:
            fault = self.step.fault
            if self.sim is None:
                notes.append(fault.by_hand)
            else:
                await self.sim.inject_fault(fault.target, fault.kind, fault.params)
        await self.restart_check()
        return notes

    async def restart_check(self) -> None:
        """A fresh evaluation of the step's check, fed a fresh read of its tags."""
        if self.step.check is None:
            self.evaluation = None
            return
        self.observed = []
        self.evaluation = await self._evaluation(self.step.check)

    async def _evaluation(self, check: Check) -> Evaluation:
        ev = evaluation(check, time.time())
        if ev.tags:
            for value in await self.line.read(sorted(ev.tags), fresh=True):
                self._feed(ev, value)
        self._file_stamp = None
        self._asked = -math.inf
        return ev

    def _feed(self, ev: Evaluation, seen: Observation) -> None:
        if ev.check is self.step.check:  # not a `wait` action's own check
            self.observed.append(seen)
        ev.feed(seen)

    def answer(self, value: float) -> bool | None:
        """The trainee's answer to a quiz or reading step: True right, False wrong, None not known yet."""
        if self.evaluation is None or not self.evaluation.takes_answer:
            raise LessonRunError(f"step {self.step.id!r} takes no answer")
        seen = Answered(value, time.time())
        self.observed.append(seen)
        return self.evaluation.answer(seen.value, seen.at)

    def judged(self, now: float | None = None) -> Status:
        """The step's check judged afresh over everything observed so far (as check-all reports it)."""
        return judge(self.step.check, self.evaluation.started, self.observed, time.time() if now is None else now)

    async def status(self) -> Status:
        return await self._refresh(self.evaluation)

    async def _refresh(self, ev: Evaluation) -> Status:
        now = time.time()
        if ev.alarms:
            states = {a.alarm_id: a.state for a in await self.line.alarms()}
            for alarm_id in sorted(ev.alarms & states.keys()):  # one the line does not run (yet) stays unknown
                self._feed(ev, AlarmSeen(alarm_id, states[alarm_id].value, now))
        if ev.takes_file:
            await self._load_file(ev)
        queries = ev.queries
        if queries and (now := time.time()) - self._asked >= min(q.every_s for q in queries):
            self._asked = now
            for query in queries:
                self._feed(ev, Queried(await self._history(query, now), now, query))
        return ev.status(time.time())

    async def _history(self, query, now: float) -> tuple | str:
        """The line's stored values of the query's tag over its window (or why there are none)."""
        try:
            return tuple(await self.line.history([query.tag], now - query.window_s, now))
        except EdgeError as exc:  # no historian, or the agent cannot answer now: the check says it
            return str(exc)

    async def _load_file(self, ev: Evaluation) -> None:
        """Load the check's workspace file again when it changed since the last load."""
        path = self.workspace / ev.check.file
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if stamp == self._file_stamp and stamp is not None:
            return
        result = await asyncio.to_thread(ev.load, path, self.ground_truth)
        self._file_stamp = stamp
        self._feed(ev, Loaded(result, time.time()))

    async def follow(self, poll_s: float = POLL_S, ev: Evaluation | None = None,
                     until_overdue: bool = False) -> AsyncIterator[Status]:
        """Each change of the check's status until it passes (or, with `until_overdue`, until its timeout)."""
        ev = ev or self.evaluation
        if ev is None:
            raise LessonRunError(f"step {self.step.id!r} has no automatic check")
        pump = asyncio.create_task(self._pump(ev), name=f"watch for step {self.step.id}") if ev.tags else None
        try:
            last = None
            while True:
                status = await self._refresh(ev)
                if status != last:
                    last = status
                    yield status
                if status.verdict is Verdict.PASSED or until_overdue and status.verdict is Verdict.OVERDUE:
                    return
                await asyncio.sleep(poll_s)
        finally:
            if pump is not None:
                await stop(pump)

    async def _pump(self, ev: Evaluation) -> None:
        async with contextlib.aclosing(self.line.watch(sorted(ev.tags))) as values:
            async for value in values:
                self._feed(ev, value)

    async def holds_within(self, seconds: float) -> Status | None:
        """The first status in which the check's condition holds within `seconds`, else None."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                async with contextlib.aclosing(self.follow()) as statuses:
                    async for status in statuses:
                        if status.satisfied:
                            return status
        return None

    async def wait_for(self, check: Check) -> Status:
        """Follow another check (a `wait` action's, a fault's `shows`) until it passes or its timeout has passed."""
        ev = await self._evaluation(check)
        status = ev.status(time.time())
        async with contextlib.aclosing(self.follow(ev=ev, until_overdue=True)) as statuses:
            async for status in statuses:
                pass
        await self._catch_up()
        return status

    async def _catch_up(self) -> None:
        """Feed the step's check a fresh read of its tags: nothing watched them while another check was followed (a
        wait, a fault's `shows`), and what follows (the untouched-line probe, a live answer) is judged on the line as
        it is now, as the console's check, which watches all along, sees it."""
        if self.evaluation is not None and self.evaluation.tags:
            for value in await self.line.read(sorted(self.evaluation.tags), fresh=True):
                self._feed(self.evaluation, value)

    async def until_done(self) -> Status:
        """Follow the check until it passes or its timeout has passed."""
        status = None
        async with contextlib.aclosing(self.follow(until_overdue=True)) as statuses:
            async for status in statuses:
                pass
        return status

    async def tag_answer(self, tag: str) -> float:
        """What an `answer-tag` action answers: the tag's value on the line now."""
        (value,) = await self.line.read([tag], fresh=True)
        if value.value is None:
            raise LessonRunError(f"step {self.step.id!r}: {tag} has no value to answer ({value.reason})")
        return value.value

    async def live_answer(self) -> float:
        """What an `answer-live` action answers: the right answer computed from the line as it is now."""
        await self._catch_up()
        right = self.evaluation.right_answer() if self.evaluation is not None and self.evaluation.takes_answer else None
        if right is None:
            raise LessonRunError(f"step {self.step.id!r}: no answer can be computed from the line now")
        return right

    # --- actions -----------------------------------------------------------------------------

    async def apply(self, actions: tuple[Action, ...]) -> None:
        """Do declarative actions on the line, the workspace or the step's check (solutions and setup)."""
        for action in actions:
            await self._do(action)

    async def _do(self, action: Action) -> None:
        kind = action.action
        if kind == "write":
            await self.line.write(action.tag, action.value)
        elif kind == "call":
            await self.line.call(action.method, action.args)
        elif kind == "ack":
            await self.line.ack(action.alarm, "lesson")
        elif kind in ("clear-faults", "load-magazine"):
            if self.sim is None:
                raise LessonRunError(f"action {kind!r} needs sim control (the simulated line)")
            if kind == "clear-faults":
                await self.sim.clear_faults()
            else:
                await self.sim.load_magazine(action.count)
        elif kind == "wait":
            status = await self.wait_for(action.until)
            if status.verdict is not Verdict.PASSED:
                raise LessonRunError(f"step {self.step.id!r}: waited in vain: {status.detail.en}")
        elif kind == "answer":
            self.answer(action.value)
        elif kind == "answer-tag":
            self.answer(await self.tag_answer(action.tag))
        elif kind == "answer-live":
            self.answer(await self.live_answer())
        elif kind == "export-history":
            now = time.time()
            text = await self.line.history_csv([action.tag], now - action.value, now)
            (self.workspace / action.file).write_text(text, encoding="utf-8", newline="")
        elif kind == "load-alarms":
            await self._load_alarms(action)
        elif kind in ("append", "replace"):
            path = self.workspace / action.file
            text = path.read_text(encoding="utf-8")
            if kind == "append":
                text = text.rstrip("\n") + "\n" + action.text
            elif action.old not in text:
                raise LessonRunError(f"step {self.step.id!r}: {action.file} does not contain {action.old!r}")
            else:
                text = text.replace(action.old, action.new, 1)
            path.write_text(text, encoding="utf-8")
        else:  # the loader accepts only the kinds above
            raise LessonRunError(f"unknown action {kind!r}")

    async def _load_alarms(self, action: Action) -> None:
        """The [[alarms]] of an earlier step's workspace file into the running line; each of `action.alarms` must run
        then (the file brought it, or it ran already)."""
        source = f"{action.step}/{action.file}"
        try:
            text = (self.workspace.parent / source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LessonRunError(f"step {self.step.id!r}: cannot read {source} ({exc})") from None
        await self.line.load_alarms(text, source)
        running = {state.alarm_id for state in await self.line.alarms()}
        if missing := [alarm for alarm in action.alarms if alarm not in running]:
            raise LessonRunError(f"step {self.step.id!r}: {source} has no alarm {', '.join(missing)}")

