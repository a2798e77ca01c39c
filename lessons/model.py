"""Lessons as frozen data: a catalogue of lessons, each a list of steps with a check and a solution.

Everything a trainee or an instructor reads is a `Text` (Korean and English).
Checks and actions are plain records; `lessons.checks` evaluates checks
without I/O and `lessons.runner` runs them against the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from smarthall.devices.profiles import Text

LEVELS = ("basic", "intermediate-1", "intermediate-2", "advanced")
LEVEL_NAMES = {
    "basic": Text(ko="기초", en="basic"),
    "intermediate-1": Text(ko="중급 1", en="intermediate 1"),
    "intermediate-2": Text(ko="중급 2", en="intermediate 2"),
    "advanced": Text(ko="고급", en="advanced"),
}
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
QUALITIES = ("good", "bad", "stale")
ALARM_STATES = ("active", "acknowledged", "normal")

Scalar = bool | int | float
DEFAULT_TIMEOUT_S = 30.0  # a check's timeout_s when the lesson gives none: then it is overdue, still checked


# --- checks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TagCondition:
    """`tag op value` must hold for hold_s seconds within timeout_s."""

    tag: str
    op: str
    value: Scalar
    hold_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class QualityCondition:
    """The tag's quality must be `quality` for hold_s seconds within timeout_s."""

    tag: str
    quality: str
    hold_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class TagChanged:
    """The tag's value differs from its value when the step started."""

    tag: str
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class CounterIncreased:
    """The tag rose by at least `by` above the lowest value seen since the step started (a reset restarts it)."""

    tag: str
    by: float
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class AlarmIs:
    """The alarm is active (acknowledged or not), acknowledged (and still active) or back to normal."""

    alarm: str
    state: str
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class ReadingMatches:
    """The number the trainee read off the line equals the tag's live value within tolerance."""

    tag: str
    tolerance: float


@dataclass(frozen=True)
class ChoiceAnswer:
    """A multiple-choice question; `answer` is the index of the right choice."""

    choices: tuple[Text, ...]
    answer: int


@dataclass(frozen=True)
class NumberAnswer:
    answer: float
    tolerance: float


@dataclass(frozen=True)
class ConfigExpect:
    """One thing the edited line configuration must say; unset fields are not checked."""

    tag: str | None = None
    group: str | None = None
    rate_ms: float | None = None
    deadband: float | None = None
    alarm: str | None = None
    kind: str | None = None
    limit: float | None = None


@dataclass(frozen=True)
class ConfigCheck:
    """The trainee's copy of a line configuration (`file`, in the workspace) loads and says all of `expect`."""

    file: str
    expect: tuple[ConfigExpect, ...]


@dataclass(frozen=True)
class RecipeCheck:
    """The trainee's copy of an inspection recipe (`file`, in the workspace) loads, and its pass/fail decisions on
    `parts` parts rendered by the camera simulator (fixed `seed`, `defect_rate` of them defective) agree with the
    ground truth on at least `min_agreement` of them, with at most `max_false_pass` bad parts passed and
    `max_false_fail` good parts failed (None: not limited)."""

    file: str
    min_agreement: float
    parts: int = 200
    seed: int = 1
    defect_rate: float = 0.1
    max_false_pass: int | None = None
    max_false_fail: int | None = None


@dataclass(frozen=True)
class AllOf:
    """Every part passes at the same moment (each part's own hold counted)."""

    checks: tuple[Check, ...]


@dataclass(frozen=True)
class InOrder:
    """Each part in turn, a part judged from the moment the one before it passed ("after X, Y held for 5 s")."""

    checks: tuple[Check, ...]


Check = (TagCondition | QualityCondition | TagChanged | CounterIncreased | AlarmIs | ReadingMatches | ChoiceAnswer
         | NumberAnswer | ConfigCheck | RecipeCheck | AllOf | InOrder)


# --- actions (solutions and setup) --------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One declarative action: write, ack, clear-faults, load-magazine, wait, answer, answer-tag, append, replace, call."""

    action: str
    tag: str | None = None
    value: Scalar | None = None
    alarm: str | None = None
    count: int | None = None
    file: str | None = None
    text: str | None = None
    old: str | None = None
    new: str | None = None
    until: Check | None = None  # wait
    method: str | None = None  # call: device.Method
    args: tuple[Scalar, ...] = ()


def said(action: Action) -> str:
    """An action as the instructor reads it in the step view's solution (names and values, no prose)."""
    kind = action.action
    if kind == "write":
        return f"{kind} {action.tag} = {str(action.value).lower() if isinstance(action.value, bool) else action.value}"
    if kind == "call":
        return f"{kind} {action.method}({', '.join(map(str, action.args))})"
    if kind == "load-magazine":
        return f"{kind} {action.count}"
    if kind in ("ack", "answer-tag"):
        return f"{kind} {action.alarm or action.tag}"
    if kind == "answer":
        return f"{kind} {action.value}"
    if kind == "append":
        return f"{kind} {action.file}: {action.text}"
    if kind == "replace":
        return f"{kind} {action.file}: {action.old} -> {action.new}"
    return kind  # clear-faults; wait (until the step's own condition)


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
