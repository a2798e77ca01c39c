"""LessonEndScreen: the end of a lesson, with the team's results: each step done, done late or not yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from smarthall.lessons.model import Lesson
from smarthall.lessons.team_run import INSTRUCTOR

from .bindings import translate
from .texts import t


class LessonEndScreen(Screen):
    DEFAULT_CSS = """
    LessonEndScreen #end-title { height: 1; padding: 0 1; background: $boost; }
    LessonEndScreen #results { padding: 0 1; height: auto; }
    """
    KEYS = (("escape", "back", "back", True),)

    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="end-title", markup=False)
        yield Static(id="results", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        trainee = self.app.trainee
        done = {c.step: c for c in self.app.progress.completions(trainee) if c.lesson == self.lesson.id}
        lines = [t("lesson_end_team", lang, trainee=trainee, done=len(done), total=len(self.lesson.steps),
                   late=sum(c.late for c in done.values())), ""]
        for number, step in enumerate(self.lesson.steps, start=1):
            found = done.get(step.id)
            by = None if found is None else t("instructor", lang) if found.by == INSTRUCTOR else found.by
            mark = t("step_open", lang) if found is None else t("step_late" if found.late else "step_done", lang, by=by)
            lines.append(f"{number}. {step.title(lang)}: {mark}")
        self.query_one("#end-title", Static).update(t("lesson_end", lang, title=self.lesson.title(lang)))
        self.query_one("#results", Static).update("\n".join(lines))

    def action_back(self) -> None:
        self.app.pop_screen()
