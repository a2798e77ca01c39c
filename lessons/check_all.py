"""check-all: on a simulated line, every automatic check fails before its step is done and passes after.

The lesson's setup is applied first, as the console does when a lesson
opens. For each step in order: start it (setup, fault, files), for a fault drill
wait until the line shows the fault bit (its `shows`; a drill whose fault never
bites is a failure), show that its condition does not hold on the untouched line (a quiz or reading check refuses
a wrong answer), apply its reference solution, and follow the check until it
passes within its timeout. The verdict is the check judged afresh over
everything the run observed (`StepRun.judged`), the same evaluation the live
console follows. A check that cannot fail is a bug; so is a solution that does
not pass in time. The line is whatever the caller connected `line` (an `edge.client.Client`) and `sim` to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import Verdict
from .errors import LessonError
from .model import ChoiceAnswer, ConfigCheck, Lesson, NumberAnswer, ReadingMatches, RecipeCheck
from .recipe_check import GroundTruth
from .runner import StepRun, set_up_lesson

if TYPE_CHECKING:  # asyncua: imported by whoever makes the SimControl
    from smarthall.edge.client import Client

    from .sim_control import SimControl

PROBE_S = 0.5  # how long the untouched line is watched for a condition that already holds


@dataclass(frozen=True)
class StepResult:
    lesson: str
    step: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.lesson}/{self.step}: {self.message}"


async def check_lesson(lesson: Lesson, line: Client, sim: SimControl, workspace: Path,
                       ground_truth: GroundTruth | None = None) -> list[StepResult]:
    results = []
    await set_up_lesson(lesson, line, sim)
    for step in lesson.steps:
        def result(ok: bool, message: str, step=step) -> StepResult:
            return StepResult(lesson.id, step.id, ok, message)

        run = StepRun(step, line, sim, workspace / step.id, ground_truth=ground_truth)
        try:
            await run.start()
            if step.check is None:
                results.append(result(True, "sign-off (an instructor confirms it)"))
                continue
            fault = step.fault
            if fault is not None and fault.shows is not None and run.sim is not None:
                shown = await run.wait_for(fault.shows)
                if shown.verdict is not Verdict.PASSED:
                    results.append(result(False, f"the fault never showed on the line: {shown.detail}"))
                    continue
            early = await _fails_before(run)
            if early:
                results.append(result(False, f"the check passes before the step is done: {early}"))
                continue
            await run.apply(step.solution)
            await run.until_done()
            status = run.judged()
            if status.verdict is Verdict.PASSED and not status.late:
                results.append(result(True, f"fails before, passes after the solution ({status.detail})"))
            else:
                results.append(result(False, f"the solution does not pass the check: {status.detail}"))
        except LessonError as exc:
            results.append(result(False, str(exc)))
        except Exception as exc:  # a write refused by the edge, a driver error: report it, go on
            results.append(result(False, f"{type(exc).__name__}: {exc}"))
    return results


async def _fails_before(run: StepRun) -> str:
    """'' when the check does not hold on the untouched line; else what it saw."""
    check = run.step.check
    if isinstance(check, (ChoiceAnswer, NumberAnswer, ReadingMatches)):
        status = await run.status()
        if status.satisfied:
            return status.detail
        if isinstance(check, ChoiceAnswer):
            wrong = (check.answer + 1) % len(check.choices)
        elif isinstance(check, NumberAnswer):
            wrong = check.answer + 10 * check.tolerance + 1
        else:
            (live,) = await run.line.read([check.tag], fresh=True)
            wrong = (live.value or 0) + 10 * check.tolerance + 1
        if run.answer(wrong):
            return f"the wrong answer {wrong!r} is accepted"
        await run.restart_check()
        return ""
    if isinstance(check, (ConfigCheck, RecipeCheck)):
        status = await run.status()
        return status.detail if status.satisfied else ""
    status = await run.holds_within(PROBE_S)
    return status.detail if status else ""
