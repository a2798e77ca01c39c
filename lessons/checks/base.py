"""What every check type shares: observations, statuses, and the evaluation they are fed to.

An `Evaluation` is fed what the line shows, each with the time it was seen:
tag values (`observe`), alarm states (`observe_alarm`), the trainee's answer
(`answer`), a loaded workspace file (`loaded`: a line configuration, or a
recipe's grade), a historian query's answer (`queried`). `status(now)` is then
a function of those observations and `now` only: asking for it never changes
it, so the live console, check-all and a replay of recorded observations
(`judge`) agree (tests/unit/test_check_meaning.py).

- A condition holds from the moment the observations make it true until they
  make it false; with `hold_s` it passes once it has held that long.
- Nothing stays passed by itself. Only checks whose definition says so keep
  what they saw (`changed`, `increased`, an acknowledgement, a right answer).
- Past its timeout a check is OVERDUE, not failed: it goes on being checked and
  may still pass; its status then says `late`.

`satisfied` is the bare condition (before any hold time): check-all uses it to
prove a check does not already hold on an untouched line. Every status says
what the check sees as a `Text`, Korean and English.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from enum import StrEnum

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.devices.reference import Key
from smarthall.edge.tags import TagValue

from ..glossary import word

DEFAULT_TIMEOUT_S = 30.0  # a check's timeout_s when the lesson gives none: then it is overdue, still checked

HOLD = Key("hold_s", "number 0..3600", "how long the condition must hold without a break", 0.0, "s")
TIMEOUT = Key("timeout_s", "number 0.1..86400", "after it the step is overdue: still checked, passes late",
              DEFAULT_TIMEOUT_S, "s")
TAG = Key("tag", "tag name", "a tag of the line (`smarthall tags`)")

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

NO_VALUE = Text(ko="{tag}: 아직 값 없음", en="{tag}: no value yet")
NO_GOOD_VALUE = Text(ko="{tag}: 아직 정상 값 없음", en="{tag}: no good value yet")
HELD = Text(ko="{detail}, 유지 {held:.1f}/{hold:g}초", en="{detail}, held {held:.1f}/{hold:g} s")


class Check:
    """A check record: a frozen dataclass made by its check type's `parse` (lessons.checks.registry)."""


class Verdict(StrEnum):
    WAITING = "waiting"
    OVERDUE = "overdue"  # past its timeout and still checked: it may pass late
    PASSED = "passed"


@dataclass(frozen=True)
class Status:
    verdict: Verdict
    satisfied: bool  # the condition holds now (hold time not counted)
    detail: Text = Text("", "")  # what the check sees, with values and tag names
    late: bool = False  # passed, but only after its timeout


@dataclass(frozen=True)
class AlarmSeen:
    """An alarm's state as seen at `at` (an edge alarm State value such as "active-acknowledged")."""

    alarm: str
    state: str
    at: float


@dataclass(frozen=True)
class Answered:
    value: float
    at: float


@dataclass(frozen=True)
class Loaded:
    """The check's workspace file as loaded at `at` (a LineConfig, a recipe Grade), or why it did not load."""

    result: object
    at: float


@dataclass(frozen=True)
class Queried:
    """A historian query's answer at `at` (to `query`, one of `Evaluation.queries`), or why there is none (a str)."""

    result: object
    at: float
    query: object = None  # None: the evaluation's only query


Observation = TagValue | AlarmSeen | Answered | Loaded | Queried


def say(text: Text, **values) -> Text:
    """`text` with `values` filled in, each language on its own (a value that is a Text gives its own language)."""
    def fill(lang: str) -> str:
        return text(lang).format(**{k: v(lang) if isinstance(v, Text) else v for k, v in values.items()})
    return Text(ko=fill("ko"), en=fill("en"))


def same(text: str) -> Text:
    """Values and names only (no words): the same in both languages."""
    return Text(ko=text, en=text)


def compare(op: str, seen, wanted) -> bool:
    """`seen op wanted`, with float equality to within 1e-6 (a float32 never equals a decimal exactly)."""
    if isinstance(seen, str) or isinstance(wanted, str):
        return _OPS[op](seen, wanted) if op in ("==", "!=") else False
    if op in ("==", "!=") and (isinstance(seen, float) or isinstance(wanted, float)):
        equal = math.isclose(seen, wanted, rel_tol=1e-6, abs_tol=1e-6)
        return equal if op == "==" else not equal
    return _OPS[op](seen, wanted)


def shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def value_said(value) -> Text:
    """A tag's value as a screen shows it (a bool in the glossary's words)."""
    return named(str(value)) if isinstance(value, bool) else same(shown(value))


def named(name: str) -> Text:
    """A name of the line (a quality, an alarm state) in the glossary's words."""
    return Text(ko=word(name, "ko"), en=str(name))


def quality_said(value: TagValue) -> Text:
    """A value that is not GOOD: its quality in the glossary's words, and the reason the driver gave."""
    quality, reason = named(value.quality), f" {value.reason}" if value.reason else ""
    return Text(ko=quality.ko + reason, en=quality.en + reason)


class Evaluation:
    """One check being evaluated since `started` (seconds, same clock as the observations and `now`)."""

    tags: frozenset[str] = frozenset()
    alarms: frozenset[str] = frozenset()
    takes_answer = False
    takes_file = False
    secret: frozenset[str] = frozenset()  # tags the trainee is asked to find: never shown beside the step
    query: object = None  # a historian check's query, asked again every `query.every_s` (lessons.checks.history)

    def __init__(self, check, started: float) -> None:
        self.check = check
        self.started = started

    # --- what is fed ---------------------------------------------------------------------------

    def feed(self, seen: Observation) -> None:
        """Any observation (what `judge` replays)."""
        if isinstance(seen, TagValue):
            self.observe(seen)
        elif isinstance(seen, AlarmSeen):
            self.observe_alarm(seen.alarm, seen.state, seen.at)
        elif isinstance(seen, Answered):
            self.answer(seen.value, seen.at)
        elif isinstance(seen, Queried):
            self.queried(seen.result, seen.at, seen.query)
        else:
            self.loaded(seen.result, seen.at)

    def observe(self, value: TagValue) -> None:
        """A tag value; values older than the last one seen for the tag are ignored."""

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        """An alarm's state (an edge alarm State value such as "active-acknowledged")."""

    def answer(self, value: float, at: float | None = None) -> bool | None:
        """The trainee's answer; returns whether it was right (None if not known yet)."""
        raise TypeError(f"{type(self.check).__name__} takes no answer")

    def wrong_answer(self) -> float | None:
        """An answer that must be refused now (check-all tries it); None: none known yet."""
        raise TypeError(f"{type(self.check).__name__} takes no answer")

    def loaded(self, result, at: float | None = None) -> None:
        """The check's workspace file as loaded (a LineConfig, a recipe Grade), or why it did not load."""
        raise TypeError(f"{type(self.check).__name__} takes no file")

    def load(self, path, ground_truth) -> object:
        """Load the check's workspace file at `path` (in a thread): what `loaded` is then fed."""
        raise TypeError(f"{type(self.check).__name__} takes no file")

    def queried(self, result, at: float, query=None) -> None:
        """The answer to `query` (one of `queries`; None: the only one)."""
        raise TypeError(f"{type(self.check).__name__} asks the historian nothing")

    @property
    def queries(self) -> tuple:
        """What the runner asks the historian for, every `query.every_s` (a history check's, or its parts')."""
        return () if self.query is None else (self.query,)

    def judged_from(self) -> float:
        """The first moment the condition can hold (a history check waits for a window within the step)."""
        return self.started

    # --- what it says --------------------------------------------------------------------------

    def since(self) -> float | None:
        """Since when the bare condition has held without a break (None: it does not hold now)."""
        raise NotImplementedError

    def passes_from(self, not_before: float) -> float | None:
        """From when on the check counts as passed, its hold counted from `not_before` at the earliest."""
        since = self.since()
        return None if since is None else max(since, not_before) + getattr(self.check, "hold_s", 0.0)

    @property
    def timeout_s(self) -> float | None:
        return getattr(self.check, "timeout_s", None)

    def describe(self, now: float) -> Text:
        raise NotImplementedError

    def status(self, now: float) -> Status:
        passes = self.passes_from(self.started)
        detail = self.describe(now)
        timeout = self.timeout_s
        due = math.inf if timeout is None else self.started + timeout
        if passes is not None and passes <= now:
            return Status(Verdict.PASSED, True, detail, late=passes > due)
        hold = getattr(self.check, "hold_s", 0.0)
        if passes is not None and hold:
            detail = say(HELD, detail=detail, held=hold - (passes - now), hold=hold)
        return Status(Verdict.OVERDUE if now >= due else Verdict.WAITING, passes is not None, detail)


class Latest(Evaluation):
    """Keeps the newest value of each tag."""

    def __init__(self, check, started: float) -> None:
        super().__init__(check, started)
        self.latest: dict[str, TagValue] = {}

    def observe(self, value: TagValue) -> None:
        if value.tag not in self.tags:
            return
        old = self.latest.get(value.tag)
        if old is not None and value.timestamp < old.timestamp:
            return
        self.latest[value.tag] = value
        self.seen(value)

    def seen(self, value: TagValue) -> None:
        """A new value of one of `tags`."""

    def good(self, tag: str) -> TagValue | None:
        value = self.latest.get(tag)
        return value if value is not None and value.quality is Quality.GOOD and value.value is not None else None


class Held(Latest):
    """A condition on the latest value of the check's `tag`: holds from the first value that meets it to the next
    that does not."""

    def __init__(self, check, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.held_since: float | None = None

    def seen(self, value: TagValue) -> None:
        if not self.condition(value):
            self.held_since = None
        elif self.held_since is None:
            self.held_since = value.timestamp

    def condition(self, value: TagValue) -> bool:
        raise NotImplementedError

    def since(self) -> float | None:
        return self.held_since

    def describe(self, now: float) -> Text:
        return self.shown(self.latest.get(self.check.tag))

    def shown(self, value: TagValue | None) -> Text:
        raise NotImplementedError
