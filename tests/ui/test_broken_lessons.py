"""A broken lesson never crashes the console: it is listed with its problems, the other lessons work."""

from __future__ import annotations

import shutil

import pytest

from smarthall.edge.config import load_line
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.lesson_list import LessonListScreen
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.console.step_view import StepScreen
from smarthall.lessons.errors import LessonFormatError
from smarthall.lessons.progress import Progress
from tests.waiting import until

from .frozen import CATALOGUE, LINE, frozen_line, frozen_shelf

BROKEN = {  # lesson id -> what its problem says
    "bad-toml": "02-bad-toml/lesson.toml:2: file: not valid TOML",
    "unknown-tag": "03-unknown-tag/lesson.toml:28: steps[0].check.tag: unknown tag 'conveyor.warp_drive'",
    "no-english": "04-no-english/lesson.toml:6: title: missing the English text (key 'en')",
}


def test_the_shelf_keeps_the_good_lessons_and_each_broken_one_with_its_problems():
    shelf = frozen_shelf()
    assert [lesson.id for lesson in shelf.catalogue.lessons] == ["line-basics"]
    assert [(b.id, b.index) for b in shelf.broken] == [("bad-toml", 1), ("unknown-tag", 2), ("no-english", 3)]
    for broken in shelf.broken:
        assert str(broken.problems[0]).startswith(BROKEN[broken.id])


def test_a_catalogue_file_that_cannot_be_read_still_raises(tmp_path):
    shutil.copytree(CATALOGUE.parent, tmp_path / "lessons")
    (tmp_path / "lessons" / "info.toml").write_text("[[lessons]\n", encoding="utf-8")
    with pytest.raises(LessonFormatError, match="not valid TOML"):
        load_shelf(tmp_path / "lessons" / "info.toml", load_line(LINE))


def test_a_good_catalogue_has_nothing_broken(tmp_path):
    shutil.copytree(CATALOGUE.parent, tmp_path / "lessons")
    (tmp_path / "lessons" / "info.toml").write_text('[[lessons]]\nid = "line-basics"\npath = "01-line-basics"\n',
                                                    encoding="utf-8")
    shelf = load_shelf(tmp_path / "lessons" / "info.toml", load_line(LINE))
    assert shelf.broken == () and [lesson.id for lesson in shelf.catalogue.lessons] == ["line-basics"]


def _app(tmp_path, progress, lesson=None) -> LabApp:
    shelf = frozen_shelf()
    return LabApp(shelf.catalogue, frozen_line(), None, progress, "kim", tmp_path / "work", lesson=lesson,
                  broken=shelf.broken)


async def test_the_console_lists_broken_lessons_with_their_problems_and_opens_the_good_one(tmp_path):
    with Progress(tmp_path / "progress.db") as progress:
        app = _app(tmp_path, progress)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            table = screen.query_one("DataTable")
            assert [table.get_row_at(i)[-1] for i in range(table.row_count)] == [
                "Line basics", "bad-toml", "unknown-tag", "no-english"]
            assert not screen.query_one("#problems").display
            for lesson_id, problem in BROKEN.items():
                await pilot.press("down")
                assert table.get_row(lesson_id)[1] == "⚠ broken"
                shown = str(screen.query_one("#problems").render())
                assert shown.startswith(f"Lesson {lesson_id} cannot be opened:") and problem in shown
                await pilot.press("enter")  # nothing to open: the list stays, the console goes on
                assert app.screen is screen
            await pilot.press("l")
            assert str(screen.query_one("#problems").render()).startswith("수업 no-english을(를) 열 수 없습니다:")
            assert table.get_row("no-english")[1] == "⚠ 오류"
            await pilot.press("up", "up", "up", "enter")
            assert isinstance(app.screen, StepScreen) and app.screen.lesson.id == "line-basics"
            await until(lambda: app.screen.state == "waiting")


async def test_opening_a_broken_lesson_directly_shows_its_problems(tmp_path):
    with Progress(tmp_path / "progress.db") as progress:
        app = _app(tmp_path, progress, lesson="unknown-tag")
        async with app.run_test(size=(80, 24)):
            assert isinstance(app.screen, LessonListScreen)
            assert BROKEN["unknown-tag"] in str(app.screen.query_one("#problems").render())
