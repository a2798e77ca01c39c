"""StepScreen: one step of a lesson: instruction, live check status, hints, the step's live tags, an answer box.

The step runs in a worker as the app's `TeamRun` (lessons.team_run: set up, start, follow the
check, record progress); each change (also an answer or a hint from the team's panel through the
edge service) updates the screen. Errors of a step (a broken lesson, a refused write) are shown,
never raised.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, Static

from smarthall.lessons.checks import evaluation
from smarthall.lessons.checks.types.choice import ChoiceAnswer
from smarthall.lessons.model import Lesson, Step, said
from smarthall.lessons.runner import StepRun
from smarthall.lessons.team_run import TeamRun, takes_answer

from .bindings import translate
from .lesson_end import LessonEndScreen
from .tag_table import TagTable
from .texts import t


def shown_tags(step: Step) -> list[str]:
    """The step's live tags: those its check watches, but never those the trainee is asked to find, nor hidden ones."""
    if step.check is None:
        return []
    ev = evaluation(step.check, 0)
    return sorted(ev.tags - ev.secret - set(step.hide_tags))


class StepScreen(Screen):
    DEFAULT_CSS = """
    StepScreen #where { height: 1; padding: 0 1; background: $boost; }
    StepScreen #status { height: auto; max-height: 3; padding: 0 1; }
    StepScreen #status.passed { color: $success; }
    StepScreen #status.failed { color: $error; }
    StepScreen #status.overdue { color: $warning; }
    StepScreen #body { height: 1fr; }
    StepScreen Markdown { margin: 0 1; }
    StepScreen #hints, StepScreen #notes, StepScreen #feedback, StepScreen #objectives { padding: 0 1; height: auto; }
    StepScreen Input { margin: 0 1; }
    StepScreen Input.hidden { display: none; }
    """
    KEYS = (("escape", "back", "back", True), ("n", "next", "next", True), ("p", "previous", "previous", True),
            ("r", "restart", "restart", True), ("h", "hint", "hint", True), ("a", "answer", "answer", True),
            ("o", "sign_off", "sign_off", True), ("s", "solution", "solution", True))

    def __init__(self, lesson: Lesson, index: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.index = index
        self.feedback = ""
        self.set_up = True  # the lesson's setup is applied when the screen opens it

    @property
    def team(self) -> TeamRun:
        """The run this screen drives and shows: the whole line's (plain lab)."""
        return self.app.team_run

    @property
    def step(self):
        return self.lesson.steps[self.index]

    @property
    def run(self) -> StepRun | None:
        return self.team.run

    @property
    def state(self) -> str:
        return self.team.state

    @property
    def status(self):
        return self.team.status

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="where", markup=False)
        yield Static(id="status", markup=False)
        with VerticalScroll(id="body"):
            yield Static(id="objectives", markup=False)
            yield Markdown(id="instruction")
            yield Static(id="notes", markup=False)
            yield Static(id="hints", markup=False)
            yield Input(id="answer", classes="hidden")
            yield Static(id="feedback", markup=False)
            yield TagTable([], self.app.line.latest, self.app.line.unit_of, id="tags")
        yield Footer()

    def on_mount(self) -> None:
        self.stop_listening = self.team.listen(self._team_changed)
        self.start_step()

    def on_unmount(self) -> None:
        self.stop_listening()

    # --- the step's run ----------------------------------------------------------------------

    def start_step(self) -> None:
        self.feedback = ""
        self.team.open(self.lesson, self.index, set_up=self.set_up)
        self.set_up = False
        answer = self.query_one("#answer", Input)
        answer.value = ""
        answer.set_class(not takes_answer(self.step), "hidden")
        self.retranslate()
        self.run_worker(self._follow(), group="step", exclusive=True, name=f"step {self.step.id}")

    async def _follow(self) -> None:
        await self._show_tags(shown_tags(self.step))
        await self.team.run_step()

    async def _show_tags(self, tags: list[str]) -> None:
        old = self.query_one("#tags", TagTable)
        new = TagTable(tags, self.app.line.latest, self.app.line.unit_of, id="tags")
        new.lang = self.app.lang
        await old.remove()
        await self.query_one("#body").mount(new)

    def _team_changed(self, team: TeamRun) -> None:
        """The run changed (its check, an answer or hint from the team's panel): show it."""
        if not self.query("#status") or team.lesson is not self.lesson or team.index != self.index:
            return  # closing (the app quits), or another step's news
        self._show_status()
        self._show_hints()
        self._show_notes()

    # --- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        step = self.step
        self.query_one("#where", Static).update(
            f"{t('step_of', lang, n=self.index + 1, total=len(self.lesson.steps))}: {step.title(lang)}"
            f" ({t('kind.' + step.kind, lang)}) — {self.lesson.title(lang)}")  # the lesson last: cut first at 80
        text = step.instruction(lang)
        if isinstance(step.check, ChoiceAnswer):
            text += "\n\n" + t("choices", lang) + "\n\n" + "\n".join(
                f"{i}. {choice(lang)}" for i, choice in enumerate(step.check.choices, start=1))
        self.query_one("#instruction", Markdown).update(text)
        objectives = [t("objectives", lang), *(f"• {o(lang)}" for o in self.lesson.objectives)] if self.index == 0 else []
        self.query_one("#objectives", Static).update("\n".join(objectives))  # on the lesson's first screen
        self.query_one("#answer", Input).placeholder = t("answer_placeholder", lang)
        self.query_one("#tags", TagTable).lang = lang
        self._show_status()
        self._show_hints()
        self._show_notes()

    def status_text(self) -> str:
        lang = self.app.lang
        if self.state == "error":
            return t("status.error", lang, error=self.team.error(lang))
        text = t("status." + self.state, lang)
        if self.status is not None and self.status.detail(lang):
            text += f" — {self.status.detail(lang)}"
        return text

    def _show_status(self) -> None:
        status = self.query_one("#status", Static)
        status.update(self.status_text())
        status.set_class(self.state in ("passed", "passed_late", "signed"), "passed")
        status.set_class(self.state == "overdue", "overdue")
        status.set_class(self.state == "error", "failed")

    def _show_hints(self) -> None:
        lang = self.app.lang
        hints = self.step.hints
        shown = self.team.hints_shown if self.team.lesson is self.lesson else 0
        lines = [t("hint_n", lang, n=i, text=h(lang)) for i, h in enumerate(hints[:shown], start=1)]
        if shown < len(hints):
            lines.append(t("hints_none", lang, count=len(hints) - shown))
        if self.team.solution_shown and self.step.solution:
            lines += [t("solution_is", lang), *(f"  {said(action, lang)}" for action in self.step.solution)]
        self.query_one("#hints", Static).update("\n".join(lines))

    def _show_notes(self) -> None:
        lang = self.app.lang
        notes = [t("by_hand", lang, text=note(lang)) for note in self.team.notes]
        if self.step.files:  # a config task: where the trainee's copy is
            folder = self.team.workspace / self.lesson.id / self.step.id
            notes.append(t("workspace", lang, files=", ".join(self.step.files), folder=folder))
        self.query_one("#notes", Static).update("\n".join(notes))
        self.query_one("#feedback", Static).update(self.feedback)

    # --- actions -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_next(self) -> None:
        if self.index + 1 < len(self.lesson.steps):
            self.index += 1
            self.start_step()
        else:
            self.app.push_screen(LessonEndScreen(self.lesson))

    def action_solution(self) -> None:
        self.team.open_solution(not self.team.solution_shown)

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.start_step()

    def action_restart(self) -> None:
        self.start_step()

    def action_hint(self) -> None:
        self.team.reveal_hint()

    def action_answer(self) -> None:
        if takes_answer(self.step):
            self.query_one("#answer", Input).focus()

    def action_sign_off(self) -> None:
        self.team.sign_off()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lang = self.app.lang
        if self.run is None or not takes_answer(self.step):
            return
        try:
            right = self.team.answer(event.value, by=self.app.trainee)
        except ValueError:
            self.feedback = t("answer_bad", lang)
        except Exception as exc:
            self.feedback = f"{type(exc).__name__}: {exc}"
        else:
            self.feedback = t("answer_right", lang) if right else t("answer_wrong", lang, value=event.value)
        self._show_notes()
        if self.state in ("passed", "passed_late"):
            return
        self.set_focus(None)
