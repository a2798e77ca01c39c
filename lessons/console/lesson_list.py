"""LessonListScreen: the catalogue with levels, durations and the trainee's progress; Enter opens a lesson."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from lessons.model import LEVEL_NAMES

from .bindings import translate
from .texts import t


class LessonListScreen(Screen):
    DEFAULT_CSS = """
    LessonListScreen #trainee { height: 1; padding: 0 1; color: $text-muted; }
    LessonListScreen DataTable { height: 1fr; }
    """
    KEYS = (("enter", "open", "open", True),)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="trainee")
        yield DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
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
        table.clear(columns=True)
        table.add_column("#", key="n")
        table.add_column(t("lesson", lang), key="title")
        table.add_column(t("level", lang), key="level")
        table.add_column(t("duration", lang), key="duration")
        table.add_column(t("progress", lang), key="progress")
        self.refill()

    def refill(self) -> None:
        lang = self.app.lang
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for number, lesson in enumerate(self.app.catalogue.lessons, start=1):
            done = len(self.app.progress.done(self.app.trainee, lesson.id) & {s.id for s in lesson.steps})
            table.add_row(str(number), lesson.title(lang), LEVEL_NAMES[lesson.level](lang),
                          t("minutes", lang, n=lesson.duration_min), f"{done}/{len(lesson.steps)}", key=lesson.id)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.app.open_lesson(self.app.catalogue.lessons[table.cursor_row].id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_lesson(str(event.row_key.value))
