"""A lesson rehearsed in the running console as a class does it: each step's own solution done, then its check
followed on the screen until it turns green.

The solution is the one check-all proves (lesson.toml's `solution`): writes, calls, acknowledgements, sim
actions, waits and workspace edits go through the step's run in the console (the edge's client API, the
trainee's workspace folder); answers are put into the step's answer box (pasted, then Enter), a choice by the
number the screen shows. A step that turns green before its solution started is a false green.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import pairwise

from textual.events import Paste

from smarthall.lessons.checks import DEFAULT_TIMEOUT_S, Verdict
from smarthall.lessons.checks.types.choice import ChoiceAnswer
from smarthall.lessons.console.lesson_end import LessonEndScreen
from smarthall.lessons.console.step_view import StepScreen
from smarthall.lessons.console.texts import t
from smarthall.lessons.errors import LessonRunError
from smarthall.lessons.model import Action, Lesson, Step
from tests.waiting import until

ANSWERS = ("answer", "answer-tag", "answer-live")
GREEN = ("passed", "passed_late", "signed")  # late: past the check's timeout (check-all proves the timing)


@dataclass
class Watch:
    """Every state the console's run went through, per step, with when it came; and those that were green before
    the step's solution started (a false green)."""

    states: dict[int, list[tuple[str, float]]] = field(default_factory=dict)
    solving: int = -1  # the step whose solution has started
    early: list[str] = field(default_factory=list)

    def seen(self, team) -> None:
        states = self.states.setdefault(team.index, [])
        if not states or states[-1][0] != team.state:
            states.append((team.state, time.monotonic()))
            if self.solving < team.index and team.state in ("passed", "passed_late"):
                self.early.append(f"{team.step.id}: {team.state}")

    def said(self, index: int) -> str:
        """The step's states with the seconds spent in each: 'starting 2.1 s, waiting 4.0 s, passed'."""
        states = self.states.get(index, [])
        return ", ".join(f"{state} {end - start:.1f} s" for (state, start), (_, end) in pairwise(states)) + \
            (f", {states[-1][0]}" if states else "")


async def until_shown(screen: StepScreen, states: tuple[str, ...], timeout: float, where: str) -> None:
    """Wait until the step's state is one of `states`; on timeout, fail with what the screen shows."""
    try:
        await until(lambda: screen.state in states and screen.run is not None, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"{where}: not {'/'.join(states)} within {timeout:g} s: {screen.status_text()}") from None


def typed(value: float) -> str:
    """A number as a trainee types it: no trailing .0, every digit kept."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


async def answer_value(screen: StepScreen, action: Action) -> float:
    """The number the action answers, as the trainee finds it on the line."""
    if action.action == "answer-tag":  # read once the tag has a value (the line may be reconnecting a station)
        [value] = await until(lambda: _read_value(screen.run.tag_answer(action.tag)), timeout=30)
        return value
    if action.action == "answer-live":
        return await screen.run.live_answer()
    return action.value


async def _read_value(read) -> list[float]:
    """[the value read], or [] while the tag has none: a 0 read is [0], which `until` takes as found."""
    try:
        return [await read]
    except LessonRunError:
        return []


async def answer(pilot, screen: StepScreen, action: Action) -> None:
    """Type the action's answer into the step's answer box; a live answer again (up to 3 times) when the line moved
    between reading and typing it, as a trainee reads it again."""
    box = screen.query_one("#answer")
    for _ in range(3 if action.action == "answer-live" else 1):
        value = await answer_value(screen, action)
        if isinstance(screen.step.check, ChoiceAnswer):
            value = int(value) + 1  # the choices are shown from 1
        text = typed(value)
        await pilot.press("a")
        await until(lambda: box.has_focus, timeout=10)
        if box.value:
            await pilot.press("ctrl+a", "ctrl+k")
        box.post_message(Paste(text))  # one event: each pressed key waits for the app to be idle (~1 s when loaded)
        await until(lambda text=text: box.value == text, timeout=10)
        await pilot.press("enter")
        said = (t("answer_right", "en"), t("answer_wrong", "en", value=text))
        await until(lambda said=said: screen.feedback in said, timeout=30)
        if screen.feedback == said[0]:
            return


async def solve(pilot, screen: StepScreen, step: Step) -> None:
    """Do the step's solution in the console, action by action."""
    for action in step.solution:
        if action.action in ANSWERS:
            await answer(pilot, screen, action)
        else:
            await screen.run.apply((action,))


async def until_fault_shows(screen: StepScreen, step: Step, where: str) -> None:
    """A drill's fault seen on the line before its solution starts, as a trainee sees the line stop first (a jam
    latches only once a part has reached the diverter: cleared before that, it never shows)."""
    if step.fault is not None and step.fault.shows is not None:
        shown = await screen.run.wait_for(step.fault.shows)
        assert shown.verdict is Verdict.PASSED, f"{where}: the fault did not show: {shown.detail.en}"


async def rehearse(app, pilot, lesson: Lesson, start_s: float = 180, step_s: float = 30) -> list[str]:
    """Rehearse `lesson`, opened in `app`'s StepScreen at its first step; returns each step's states in order.

    Waits: `start_s` for each step to start (the first behind the line starting, a drill until its fault
    shows), `step_s` beyond each check's own timeout for its step to turn green."""
    screen = app.screen
    assert isinstance(screen, StepScreen) and screen.lesson is lesson, f"{lesson.id} did not open: {app.screen}"
    watch = Watch()
    stop = screen.team.listen(watch.seen)
    watch.seen(screen.team)
    try:
        for index, step in enumerate(lesson.steps):
            assert screen.index == index and screen.step is step
            where = f"{lesson.id}/{step.id}"
            await until_shown(screen, ("waiting", "holding", "sign_off", "passed", "passed_late", "error"),
                              start_s, where)
            assert screen.state != "error", f"{where}: {screen.status_text()}"
            if step.check is None:
                assert screen.state == "sign_off", f"{where}: {screen.status_text()}"
                await pilot.press("o")
            else:
                assert not watch.early, f"{where}: green before its solution: {watch.early}, {screen.status_text()}"
                await until_fault_shows(screen, step, where)
                watch.solving = index
                await solve(pilot, screen, step)
            timeout = getattr(step.check, "timeout_s", None) or DEFAULT_TIMEOUT_S
            await until_shown(screen, (*GREEN, "error"), timeout + step_s, where)
            assert screen.state in GREEN, f"{where}: {screen.state}: {screen.status_text()}"
            status = screen.query_one("#status")
            assert status.has_class("passed") and "✅" in str(status.render())
            await pilot.press("n")
    finally:
        stop()
    assert isinstance(app.screen, LessonEndScreen)
    results = str(app.screen.query_one("#results").render())
    total, late = len(lesson.steps), sum(states[-1][0] == "passed_late" for states in watch.states.values())
    assert results.startswith(f"{app.trainee}'s results: {total} of {total} steps done, {late} of them late"), results
    return [f"{step.id}: {watch.said(i)}" for i, step in enumerate(lesson.steps)]
