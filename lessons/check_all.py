"""check-all: on a simulated line, every automatic check fails before its step is done and passes after.

The lesson's setup is applied first, as the console does when a lesson
opens. For each step in order: start it (setup, fault, files), for a fault drill
wait until the line shows the fault bit (its `shows`; a drill whose fault never
bites is a failure) while following the step's check as the console does from the step's start (a check that
passes before the fault showed is a failure), show that its condition does not hold on the untouched line (a quiz
or reading check refuses a wrong answer), apply its reference solution, and follow the check until it
passes within its timeout. The verdict is the check judged afresh over
everything the run observed (`StepRun.judged`), the same evaluation the live
console follows. A check that cannot fail is a bug; so is a solution that does
not pass in time. The line is whatever the caller connected `line` (an `edge.client.Client`) and `sim` to.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.devices.profiles import Text
from smarthall.stopping import stop

from .checks import Status, Verdict, check_type
from .checks.base import same, say
from .errors import LessonError
from .model import Lesson
from .recipe_check import GroundTruth
from .runner import StepRun, set_up_lesson

if TYPE_CHECKING:  # asyncua: imported by whoever makes the SimControl
    from smarthall.edge.client import Client

    from .sim_control import SimControl

PROBE_S = 0.5  # how long the untouched line is watched for a condition that already holds
REAL_TIME = {  # station -> why a lesson on it is proven only at the class's time scale
    "vision": Text(ko="카메라는 실제 시간으로 영상을 잡아 검사합니다: {scale:g}배에서는 부품이 {scale:g}배 빨리 카메라를 지나가"
                      " 검사가 따라가지 못하고, PLC가 판정 없는 부품을 불량으로 보냅니다",
                   en="the camera grabs and inspects frames in real time: at {scale:g}x parts pass it {scale:g} times"
                      " faster than it inspects them, and the PLC rejects them fail-safe"),
}


SIGN_OFF = Text(ko="강사 확인 단계 (강사가 확인합니다)", en="sign-off (an instructor confirms it)")
NEVER_SHOWED = Text(ko="고장이 라인에 나타나지 않음: {detail}", en="the fault never showed on the line: {detail}")
EARLY = Text(ko="단계를 하기 전에 확인이 통과함: {detail}", en="the check passes before the step is done: {detail}")
BEFORE_FAULT = Text(ko="고장이 나타나기 전에 확인이 통과함 (수업에서는 곧바로 통과): {detail}",
                    en="the check passes before the fault showed (in class it passes at once): {detail}")
PASSES = Text(ko="풀이 전에는 실패, 풀이 후 통과 ({detail})", en="fails before, passes after the solution ({detail})")
NOT_PASSED = Text(ko="풀이를 해도 확인이 통과하지 않음: {detail}", en="the solution does not pass the check: {detail}")
WRONG_ACCEPTED = Text(ko="틀린 답 {wrong}을(를) 정답으로 받아들임", en="the wrong answer {wrong} is accepted")


@dataclass(frozen=True)
class StepResult:
    lesson: str
    step: str
    ok: bool
    message: Text

    def said(self, lang: str = "en") -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.lesson}/{self.step}: {self.message(lang)}"

    def __str__(self) -> str:
        return self.said()


async def check_lesson(lesson: Lesson, line: Client, sim: SimControl, workspace: Path,
                       ground_truth: GroundTruth | None = None) -> list[StepResult]:
    results = []
    await set_up_lesson(lesson, line, sim)
    for step in lesson.steps:
        def result(ok: bool, message: Text, step=step) -> StepResult:
            return StepResult(lesson.id, step.id, ok, message)

        run = StepRun(step, line, sim, workspace / step.id, ground_truth=ground_truth)
        try:
            await run.start()
            if step.check is None:
                results.append(result(True, SIGN_OFF))
                continue
            fault = step.fault
            if fault is not None and fault.shows is not None and run.sim is not None:
                shown, passed = await _until_shown(run, fault.shows)
                if passed is not None:
                    results.append(result(False, say(BEFORE_FAULT, detail=passed.detail)))
                    continue
                if shown.verdict is not Verdict.PASSED:
                    results.append(result(False, say(NEVER_SHOWED, detail=shown.detail)))
                    continue
            early = await _fails_before(run)
            if early is not None:
                results.append(result(False, say(EARLY, detail=early)))
                continue
            await run.apply(step.solution)
            await run.until_done()
            status = run.judged()
            if status.verdict is Verdict.PASSED and not status.late:
                results.append(result(True, say(PASSES, detail=status.detail)))
            else:
                results.append(result(False, say(NOT_PASSED, detail=status.detail)))
        except LessonError as exc:
            results.append(result(False, same(str(exc))))
        except Exception as exc:  # a write refused by the edge, a driver error: report it, go on
            results.append(result(False, same(f"{type(exc).__name__}: {exc}")))
    return results


async def _until_shown(run: StepRun, shows) -> tuple[Status, Status | None]:
    """Wait for the fault's `shows` while the step's check is followed, as the console follows it from the step's start:
    the status of `shows`, and the status in which the step's check passed meanwhile (None: it did not)."""
    passed: list[Status] = []

    async def follow_step() -> None:
        async with contextlib.aclosing(run.follow()) as statuses:
            async for status in statuses:
                if status.verdict is Verdict.PASSED:
                    passed.append(status)

    step = asyncio.create_task(follow_step(), name=f"check of {run.step.id} while its fault shows")
    try:
        shown = await run.wait_for(shows)
    finally:
        await stop(step)
    return shown, passed[0] if passed else None


async def _fails_before(run: StepRun) -> Text | None:
    """None when the check does not hold on the untouched line (and refuses a wrong answer); else what it saw."""
    probe = check_type(run.step.check).probe
    if probe == "line":  # watched from when the condition can first hold (a history window within the step)
        status = await run.holds_within(PROBE_S + max(0.0, run.evaluation.judged_from() - time.time()))
        return status.detail if status else None
    status = await run.status()
    if status.satisfied:
        return status.detail
    if probe == "answer":
        wrong = run.evaluation.wrong_answer()  # None: no right answer yet (e.g. nothing made), so none can be right
        if wrong is not None and run.answer(wrong):
            return say(WRONG_ACCEPTED, wrong=f"{wrong:g}")
        await run.restart_check()
    return None


def fast_scale_refusal(lesson: Lesson, scale: float) -> Text | None:
    """Why check-all at `scale` cannot stand in for the class's time scale for this lesson, or None if it may."""
    for station in lesson.stations:
        if station in REAL_TIME:
            return say(REAL_TIME[station], scale=scale)
    return None


def other_verdicts(at_class: list[StepResult], fast: list[StepResult]) -> list[tuple[StepResult, StepResult]]:
    """The steps a faster run judged otherwise than the run at the class's time scale."""
    return [(a, b) for a, b in zip(at_class, fast, strict=True) if a.ok != b.ok]
