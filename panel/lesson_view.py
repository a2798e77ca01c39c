"""The team's current lesson step (CLASSROOM_API.md's TeamStep): instruction, live check status, the hint the
instructor revealed, and an answer box for the steps that take an answer.

Attributes down (`show(step, lang)`; None: no lesson runs on this line), messages up (`LessonView.Answer`
with what was typed: a number for number and choice steps, the text otherwise).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from .texts import say

ANSWERED = ("choice", "number", "reading")  # step kinds that take a typed answer (the rest are checked on the line)


class LessonView(VerticalScroll):
    DEFAULT_CSS = """
    LessonView { height: 1fr; }
    LessonView #lesson-head { text-style: bold; }
    LessonView #lesson-status { margin-top: 1; }
    LessonView #lesson-answer { height: 1; margin-top: 1; }
    LessonView #lesson-answer Input { width: 1fr; }
    LessonView .hidden { display: none; }
    """

    class Answer(Message):
        def __init__(self, value: float | str) -> None:
            super().__init__()
            self.value = value

    def __init__(self) -> None:
        super().__init__()
        self.step: dict | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-head")
        yield Static(id="lesson-text")
        yield Static(id="lesson-status")
        yield Static(id="lesson-hint")
        with Horizontal(id="lesson-answer"):
            yield Input(compact=True, id="answer")
            yield Button("answer", id="send-answer", compact=True)

    def show(self, step: dict | None, lang: str, note: str = "") -> None:
        """The step (None: no lesson runs here; note says why), said in lang."""
        self.step = step
        head, text, status, hint = (self.query_one(f"#lesson-{part}", Static)
                                    for part in ("head", "text", "status", "hint"))
        asks = step is not None and step["kind"] in ANSWERED and step["status"] == "waiting"
        self.query_one("#lesson-answer").set_class(not asks, "hidden")
        self.query_one("#send-answer", Button).label = say("answer", lang)
        if step is None:
            head.update(note or say("no_lesson", lang))
            for widget in (text, status, hint):
                widget.update("")
            return
        head.update(f"{step['lesson_title'][lang]} · {say('step_of', lang, n=step['step'] + 1, total=step['steps'])}"
                    f" · {step['title'][lang]}")
        choices = "".join(f"\n  {n}. {c[lang]}" for n, c in enumerate(step.get("choices") or [], start=1))
        text.update(step["instruction"][lang] + choices)
        status.update(f"{say('status_' + step['status'], lang)}  {step['detail'][lang] if step.get('detail') else ''}"
                      f"\n{say('attempts', lang, wrong=step.get('wrong_answers', 0), hints=step.get('hints_taken', 0))}")
        hint.update(f"{say('hint', lang)}: {step['hint'][lang]}" if step.get("hint") else "")

    @on(Button.Pressed, "#send-answer")
    @on(Input.Submitted, "#answer")
    def _answer(self, event) -> None:
        event.stop()
        box = self.query_one("#answer", Input)
        typed = box.value.strip()
        if not typed or self.step is None:
            return
        value: int | float | str = typed
        if self.step["kind"] in ("choice", "number", "reading"):
            try:
                number = float(typed.replace(",", "."))
                value = int(number) if number == int(number) else number
            except ValueError:
                pass  # the agent says what it expected
        box.value = ""
        self.post_message(self.Answer(value))
