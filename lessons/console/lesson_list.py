"""LessonListScreen: the catalogue with levels, durations and the trainee's progress; Enter opens a lesson.

A broken lesson has its row in catalogue order, marked ⚠; with the cursor on
it, its problems (file, line, what) show under the table.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from smarthall.lessons.model import LEVEL_NAMES

from .bindings import translate
from .shelf import BrokenLesson
from .texts import t


class LessonListScreen(Screen):
    DEFAULT_CSS = """
    LessonListScreen #trainee { height: 1; padding: 0 1; color: $text-muted; }
    LessonListScreen DataTable { height: 1fr; }
    LessonListScreen #problems { height: auto; max-height: 8; padding: 0 1; color: $warning; }
    """
    KEYS = (("enter", "open", "open", True),)

    def __init__(self) -> None:
        super().__init__()
        self.chosen: str | None = None  # a lesson to put the cursor on

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="trainee")
        yield DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
        yield Static(id="problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.retranslate()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.refill()  # progress may have changed in a step

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        self.query_one("#trainee", Static).update(t("trainee", lang, name=self.app.trainee))
        table = self.query_one(DataTable)
        self.chosen = self.chosen or self.highlighted()  # the cursor stays on its lesson
        table.clear(columns=True)
        table.add_column("#", key="n")
        table.add_column(t("progress", lang), key="progress")
        table.add_column(t("level", lang), key="level")
        table.add_column(t("duration", lang), key="duration")
        table.add_column(t("lesson", lang), key="title")  # last: a long title never hides the others at 80 columns
        self.refill()

    def entries(self) -> list:
        """The lessons and the broken ones, in catalogue order."""
        entries = list(self.app.catalogue.lessons)
        for broken in sorted(self.app.broken, key=lambda b: b.index):
            entries.insert(broken.index, broken)
        return entries

    def refill(self) -> None:
        lang = self.app.lang
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for number, lesson in enumerate(self.entries(), start=1):
            if isinstance(lesson, BrokenLesson):
                table.add_row(str(number), t("broken", lang), "—", "—", lesson.id, key=lesson.id)
                continue
            done = len(self.app.progress.done(self.app.trainee, lesson.id) & {s.id for s in lesson.steps})
            table.add_row(str(number), f"{done}/{len(lesson.steps)}", LEVEL_NAMES[lesson.level](lang),
                          t("minutes", lang, n=lesson.duration_min), lesson.title(lang), key=lesson.id)
        if self.chosen is not None:
            row, self.chosen = table.get_row_index(self.chosen), None
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.show_problems()

    def show_lesson(self, lesson_id: str) -> None:
        """Put the cursor on a lesson (now, or once the list is filled)."""
        if self.is_mounted:
            self.query_one(DataTable).move_cursor(row=self.query_one(DataTable).get_row_index(lesson_id))
        else:
            self.chosen = lesson_id

    def highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def show_problems(self) -> None:
        lesson_id = self.highlighted()
        broken = next((b for b in self.app.broken if b.id == lesson_id), None)
        text = "" if broken is None else "\n".join(
            [t("broken_lesson", self.app.lang, id=broken.id)] + [p.said(self.app.lang) for p in broken.problems])
        problems = self.query_one("#problems", Static)
        problems.update(text)
        problems.display = bool(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_problems()

    def action_open(self) -> None:
        lesson_id = self.highlighted()
        if lesson_id is not None:
            self.app.open_lesson(lesson_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_lesson(str(event.row_key.value))
