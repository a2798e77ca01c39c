"""Lessons as frozen data: a catalogue of lessons, each a list of steps with a check and a solution.

Everything a trainee or an instructor reads is a `Text` (Korean and English).
Actions are plain records; a check is a record of its check type
(`lessons.checks`, which evaluates checks without I/O), and `lessons.runner`
runs steps against the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from smarthall.devices.profiles import Text

from .checks import Check
from .glossary import word

LEVELS = ("basic", "intermediate-1", "intermediate-2", "advanced")
LEVEL_NAMES = {
    "basic": Text(ko="기초", en="basic"),
    "intermediate-1": Text(ko="중급 1", en="intermediate 1"),
    "intermediate-2": Text(ko="중급 2", en="intermediate 2"),
    "advanced": Text(ko="고급", en="advanced"),
}
Scalar = bool | int | float


# --- actions (solutions and setup) --------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One declarative action: write, ack, clear-faults, load-magazine, wait, answer, answer-tag, answer-live,
    export-history, load-alarms, append, replace, call."""

    action: str
    tag: str | None = None
    value: Scalar | None = None  # write, answer; export-history: how far back, in seconds
    alarm: str | None = None
    count: int | None = None
    file: str | None = None
    text: str | None = None
    old: str | None = None
    new: str | None = None
    until: Check | None = None  # wait
    method: str | None = None  # call: device.Method
    args: tuple[Scalar, ...] = ()
    step: str | None = None  # load-alarms: the earlier step whose workspace holds `file`
    alarms: tuple[str, ...] = ()  # load-alarms: the alarm ids it must bring


ACTION_NAMES_KO = {"write": "쓰기", "call": "호출", "ack": "알람 확인", "clear-faults": "고장 해제",
                   "load-magazine": "매거진 적재", "wait": "기다리기", "answer": "답하기", "answer-tag": "태그 값으로 답하기",
                   "answer-live": "라인 값으로 답하기", "export-history": "이력 내보내기", "load-alarms": "알람 불러오기",
                   "append": "덧붙이기", "replace": "바꾸기"}


def said(action: Action, lang: str = "en") -> str:
    """An action as the instructor reads it in the step view's solution (its name in `lang`, then names and values)."""
    kind = action.action
    name = ACTION_NAMES_KO[kind] if lang == "ko" else kind
    if kind == "write":
        value = action.value if not isinstance(action.value, bool) else \
            word(str(action.value), lang) if lang == "ko" else str(action.value).lower()
        return f"{name} {action.tag} = {value}"
    if kind == "call":
        return f"{name} {action.method}({', '.join(map(str, action.args))})"
    if kind == "load-magazine":
        return f"{name} {action.count}"
    if kind in ("ack", "answer-tag"):
        return f"{name} {action.alarm or action.tag}"
    if kind == "answer":
        return f"{name} {action.value}"
    if kind == "append":
        return f"{name} {action.file}: {action.text}"
    if kind == "export-history":
        return f"{name} {action.tag} {action.value:g}{'초' if lang == 'ko' else ' s'} -> {action.file}"
    if kind == "load-alarms":
        return f"{name} {action.step}/{action.file}: {', '.join(action.alarms)}"
    if kind == "replace":
        return f"{name} {action.file}: {action.old} -> {action.new}"
    return name  # clear-faults; wait (until the step's own condition); answer-live


@dataclass(frozen=True)
class Fault:
    """Injected through sim control when the step starts; on a real line `by_hand` tells the instructor what to do."""

    target: str
    kind: str
    params: dict = field(default_factory=dict, hash=False, compare=False)
    by_hand: Text = Text("", "")
    shows: Check | None = None  # what the line shows once the fault bit: check-all waits for it before the solution


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    title: Text
    instruction: Text
    hints: tuple[Text, ...] = ()
    check: Check | None = None
    solution: tuple[Action, ...] = ()
    setup: tuple[Action, ...] = ()
    fault: Fault | None = None
    files: dict = field(default_factory=dict, hash=False, compare=False)  # workspace name -> source path
    hide_tags: tuple[str, ...] = ()  # not shown in the step's live tag table

    @property
    def automatic(self) -> bool:
        return self.check is not None


DEFAULT_SETUP_WRITES = (("conveyor.fault_reset", True), ("conveyor.motor_run", False), ("feeder.auto_feed", False))


@dataclass(frozen=True)
class LessonSetup:
    """The line's state when a lesson opens, whatever the lesson before left: on the simulated line its faults are
    cleared (the E-stop released) and the magazine loaded with `magazine` parts; then the writes are done in order
    (latched faults reset, motor and auto-feed off unless the lesson says otherwise)."""

    clear_faults: bool = True
    magazine: int = 50
    write: tuple[tuple[str, Scalar], ...] = DEFAULT_SETUP_WRITES


@dataclass(frozen=True)
class Lesson:
    id: str
    title: Text
    level: str
    duration_min: int
    objectives: tuple[Text, ...]
    prerequisites: tuple[str, ...]
    stations: tuple[str, ...]
    steps: tuple[Step, ...]
    folder: Path
    setup: LessonSetup = LessonSetup()

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


@dataclass(frozen=True)
class Catalogue:
    lessons: tuple[Lesson, ...]
    source: Path

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)
