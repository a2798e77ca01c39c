"""A lesson from its first screen to its end, on the frozen line: objectives first, the solution for the
instructor, the answer echoed as typed, and the team's results at the end."""

from __future__ import annotations

from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.lesson_end import LessonEndScreen
from smarthall.lessons.console.step_view import StepScreen
from smarthall.lessons.progress import Progress
from tests.waiting import until

from .frozen import NOW, FrozenSim, frozen_line, frozen_shelf


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_objectives_solution_answer_and_the_end_of_a_lesson(tmp_path):
    shelf = frozen_shelf()
    with Progress(tmp_path / "progress.db") as progress:
        app = LabApp(shelf.catalogue, frozen_line(), FrozenSim(), progress, "kim", tmp_path / "work",
                     lesson="line-basics", broken=shelf.broken, clock=lambda: NOW)
        async with app.run_test(size=(100, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, StepScreen)
            await until(lambda: screen.state == "waiting")
            assert text_of(app, "#objectives") == "Objectives:\n• Write and read a tag"  # the lesson's first screen
            await pilot.press("s")
            assert "Solution (for the instructor):\n  write conveyor.speed_setpoint = 300" in text_of(app, "#hints")
            await pilot.press("n")  # the quiz
            await until(lambda: screen.state == "waiting")
            assert text_of(app, "#objectives") == ""
            assert "Solution" not in text_of(app, "#hints")
            await pilot.press("a", "2", "enter")  # choice 2, 40001
            await until(lambda: screen.state == "passed")
            assert "choice 2: right" in screen.status_text()
            for _ in screen.lesson.steps[screen.index:]:
                await pilot.press("n")
            assert isinstance(app.screen, LessonEndScreen)
            results = text_of(app, "#results")
            assert results.startswith(f"kim's results: 1 of {len(screen.lesson.steps)} steps done, 0 of them late")
            assert "1. Write the speed setpoint: — not yet" in results and "2. 40001 notation: ✅ done (kim)" in results
            await pilot.press("l")
            assert "kim의 결과" in text_of(app, "#results")
