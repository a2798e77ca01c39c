"""StepScreen: one step of a lesson: instruction, live check status, hints, the step's live tags, an answer box.

The step runs in a worker: `StepRun.start()` then `StepRun.follow()`; each
status change updates one line. A passed step is recorded in the progress
store. Errors of a step (a broken lesson, a refused write) are shown, never raised.
"""

from __future__ import annotations

import contextlib

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, Static

from smarthall.lessons.checks import Verdict, evaluation
from smarthall.lessons.model import ChoiceAnswer, Lesson, NumberAnswer, ReadingMatches, Step, said
from smarthall.lessons.runner import StepRun, set_up_lesson

from .bindings import translate
from .lesson_end import LessonEndScreen
from .tag_table import TagTable
from .texts import t


def shown_tags(step: Step) -> list[str]:
    """The step's live tags: those its check watches, but never the one a reading step asks for, nor hidden ones."""
    if step.check is None:
        return []
    hidden = set(step.hide_tags)
    if isinstance(step.check, ReadingMatches):
        hidden.add(step.check.tag)
    return sorted(evaluation(step.check, 0).tags - hidden)


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
        self.line_set_up = False  # the lesson's setup is applied once, when it opens
        self.run: StepRun | None = None
        self.status = None  # the last lessons.checks.Status
        self.state = "starting"  # starting, waiting, holding, overdue, passed, passed_late, sign_off, signed, error
        self.error = ""
        self.hints_shown = 0
        self.solution_shown = False
        self.notes = []
        self.feedback = ""

    @property
    def step(self):
        return self.lesson.steps[self.index]

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
            yield TagTable([], self.app.agent.latest, self.app.unit_of, id="tags")
        yield Footer()

    def on_mount(self) -> None:
        self.start_step()

    # --- the step's run ----------------------------------------------------------------------

    def start_step(self) -> None:
        self.run = None
        self.status = None
        self.state = "starting"
        self.error = self.feedback = ""
        self.hints_shown = 0
        self.solution_shown = False
        self.notes = []
        answer = self.query_one("#answer", Input)
        answer.value = ""
        answer.set_class(not self.takes_answer, "hidden")
        self.retranslate()
        self.run_worker(self._follow(), group="step", exclusive=True, name=f"step {self.step.id}")

    @property
    def takes_answer(self) -> bool:
        return isinstance(self.step.check, (ChoiceAnswer, NumberAnswer, ReadingMatches))

    async def _follow(self) -> None:
        step = self.step
        run = StepRun(step, self.app.agent, self.app.sim, self.workspace,
                      user=self.app.trainee, ground_truth=self.app.ground_truth)
        try:
            notes = []
            if not self.line_set_up:  # the lesson opens: the line as the lesson wants it
                notes = await set_up_lesson(self.lesson, self.app.agent, self.app.sim, self.app.trainee)
                self.line_set_up = True
            self.notes = notes + await run.start()
            self.run = run
            await self._show_tags(shown_tags(step))
            if run.evaluation is None:
                done = step.id in self.app.progress.done(self.app.trainee, self.lesson.id)
                self._set_state("signed" if done else "sign_off")
                return
            self._set_state("waiting")
            async with contextlib.aclosing(run.follow()) as statuses:
                async for status in statuses:
                    self.status = status
                    if status.verdict is Verdict.PASSED:
                        self.app.progress.complete(self.app.trainee, self.lesson.id, step.id, by=self.app.trainee,
                                                   late=status.late)
                        self._set_state("passed_late" if status.late else "passed")
                    elif status.verdict is Verdict.OVERDUE:
                        self._set_state("overdue")
                    else:
                        self._set_state("holding" if status.satisfied else "waiting")
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self._set_state("error")

    async def _show_tags(self, tags: list[str]) -> None:
        old = self.query_one("#tags", TagTable)
        new = TagTable(tags, self.app.agent.latest, self.app.unit_of, id="tags")
        new.lang = self.app.lang
        await old.remove()
        await self.query_one("#body").mount(new)

    def _set_state(self, state: str) -> None:
        self.state = state
        if not self.query("#status"):  # closing (the app quits): the widgets went before this worker
            return
        self._show_status()
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
            return t("status.error", lang, error=self.error)
        text = t("status." + self.state, lang)
        if self.status is not None and self.status.detail:
            text += f" — {self.status.detail}"
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
        lines = [t("hint_n", lang, n=i, text=h(lang)) for i, h in enumerate(hints[:self.hints_shown], start=1)]
        if self.hints_shown < len(hints):
            lines.append(t("hints_none", lang, count=len(hints) - self.hints_shown))
        if self.solution_shown and self.step.solution:
            lines += [t("solution_is", lang), *(f"  {said(action)}" for action in self.step.solution)]
        self.query_one("#hints", Static).update("\n".join(lines))

    def _show_notes(self) -> None:
        lang = self.app.lang
        notes = [t("by_hand", lang, text=note(lang)) for note in self.notes]
        if self.step.files:  # a config task: where the trainee's copy is
            notes.append(t("workspace", lang, files=", ".join(self.step.files), folder=self.workspace))
        self.query_one("#notes", Static).update("\n".join(notes))
        self.query_one("#feedback", Static).update(self.feedback)

    # --- actions -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    @property
    def workspace(self):
        return self.app.workspace / self.lesson.id / self.step.id

    def action_next(self) -> None:
        if self.index + 1 < len(self.lesson.steps):
            self.index += 1
            self.start_step()
        else:
            self.app.push_screen(LessonEndScreen(self.lesson))

    def action_solution(self) -> None:
        self.solution_shown = not self.solution_shown
        self._show_hints()

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.start_step()

    def action_restart(self) -> None:
        self.start_step()

    def action_hint(self) -> None:
        if self.hints_shown < len(self.step.hints):
            self.hints_shown += 1
            self._show_hints()

    def action_answer(self) -> None:
        if self.takes_answer:
            self.query_one("#answer", Input).focus()

    def action_sign_off(self) -> None:
        if self.step.check is None and self.state == "sign_off":
            self.app.progress.complete(self.app.trainee, self.lesson.id, self.step.id, by="instructor")
            self._set_state("signed")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lang = self.app.lang
        if self.run is None or not self.takes_answer:
            return
        try:
            value = float(event.value.strip())
        except ValueError:
            self.feedback = t("answer_bad", lang)
        else:
            if isinstance(self.step.check, ChoiceAnswer):
                value = int(value) - 1  # the choices are shown from 1
            try:
                right = self.run.answer(value)
            except Exception as exc:
                self.feedback = f"{type(exc).__name__}: {exc}"
            else:
                self.feedback = t("answer_right", lang) if right else t("answer_wrong", lang, value=event.value)
        self._show_notes()
        if self.state in ("passed", "passed_late"):
            return
        self.set_focus(None)
