"""The end of a lesson says who did each step in the screen's language: a step the instructor signed off says so in
Korean on a Korean screen (it showed the word progress records, "instructor")."""

from __future__ import annotations

from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.lesson_end import LessonEndScreen
from smarthall.lessons.progress import Progress
from smarthall.lessons.team_run import INSTRUCTOR

from .frozen import NOW, FrozenSim, frozen_line, frozen_shelf


async def test_a_step_signed_off_by_the_instructor_says_so_in_each_language(tmp_path):
    shelf = frozen_shelf()
    lesson = shelf.catalogue.lesson("line-basics")
    first, second = lesson.steps[0].id, lesson.steps[1].id
    with Progress(tmp_path / "progress.db") as progress:
        progress.complete("kim", lesson.id, first, by=INSTRUCTOR, at=NOW)
        progress.complete("kim", lesson.id, second, by="kim", at=NOW, late=True)
        app = LabApp(shelf.catalogue, frozen_line(), FrozenSim(), progress, "kim", tmp_path / "work", lang="ko",
                     broken=shelf.broken, clock=lambda: NOW)
        async with app.run_test(size=(100, 40)) as pilot:
            await app.push_screen(LessonEndScreen(lesson))
            results = str(app.screen.query_one("#results").render())
            assert f"1. {lesson.steps[0].title.ko}: ✅ 완료 (강사)" in results
            assert f"2. {lesson.steps[1].title.ko}: ⏰ 제한 시간 후 완료 (kim)" in results
            await pilot.press("l")
            assert f"1. {lesson.steps[0].title.en}: ✅ done (instructor)" in str(app.screen.query_one("#results").render())
