"""Sans-IO evaluation of a step's check: one meaning for every runner.

An `Evaluation` is fed what the line shows, each with the time it was seen:
tag values (`observe`), alarm states (`observe_alarm`), the trainee's answer
(`answer`), a loaded workspace file (`loaded`: a line configuration, or a
recipe's grade). `status(now)` is then a function of those observations and
`now` only: asking for it never changes it, so the live console, check-all and
a replay of recorded observations (`judge`) agree (tests/unit/test_check_meaning.py).

- A condition holds from the moment the observations make it true until they
  make it false; with `hold_s` it passes once it has held that long.
- `all` passes when every part passes at the same moment (each with its own hold).
- `sequence` judges each part from the moment the one before it passed
  ("after X, Y held for 5 s").
- Nothing stays passed by itself. Only checks whose definition says so keep
  what they saw: `changed` (it changed once), `increased` (it rose by `by`),
  an `alarm` check for `acknowledged` (it was acknowledged, cleared or not), and
  a right answer.
- Past its timeout a check is OVERDUE, not failed: it goes on being checked and
  may still pass; its status then says `late`.

`satisfied` is the bare condition (before any hold time): check-all uses it to
prove a check does not already hold on an untouched line.
"""

from __future__ import annotations

import fnmatch
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from smarthall.devices.quality import Quality
from smarthall.edge.tags import TagValue

from .model import (
    AlarmIs,
    AllOf,
    Check,
    ChoiceAnswer,
    ConfigCheck,
    ConfigExpect,
    CounterIncreased,
    InOrder,
    NumberAnswer,
    QualityCondition,
    ReadingMatches,
    RecipeCheck,
    TagChanged,
    TagCondition,
)

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_ALARM_STATES = {  # check state -> the edge's alarm states (edge.alarms.machine.State values) that satisfy it
    "active": ("active-unacknowledged", "active-acknowledged"),
    "acknowledged": ("active-acknowledged",),
    "normal": ("normal",),
}
_UNACKNOWLEDGED = ("active-unacknowledged", "returned-unacknowledged")


class Verdict(StrEnum):
    WAITING = "waiting"
    OVERDUE = "overdue"  # past its timeout and still checked: it may pass late
    PASSED = "passed"


@dataclass(frozen=True)
class Status:
    verdict: Verdict
    satisfied: bool  # the condition holds now (hold time not counted)
    detail: str = ""  # what the check sees, in values and tag names (no prose to translate)
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


Observation = TagValue | AlarmSeen | Answered | Loaded


def compare(op: str, seen, wanted) -> bool:
    """`seen op wanted`, with float equality to within 1e-6 (a float32 never equals a decimal exactly)."""
    if isinstance(seen, str) or isinstance(wanted, str):
        return _OPS[op](seen, wanted) if op in ("==", "!=") else False
    if op in ("==", "!=") and (isinstance(seen, float) or isinstance(wanted, float)):
        equal = math.isclose(seen, wanted, rel_tol=1e-6, abs_tol=1e-6)
        return equal if op == "==" else not equal
    return _OPS[op](seen, wanted)


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Evaluation:
    """One check being evaluated since `started` (seconds, same clock as the observations and `now`)."""

    tags: frozenset[str] = frozenset()
    alarms: frozenset[str] = frozenset()
    takes_answer = False
    takes_file = False

    def __init__(self, check: Check, started: float) -> None:
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
        else:
            self.loaded(seen.result, seen.at)

    def observe(self, value: TagValue) -> None:
        """A tag value; values older than the last one seen for the tag are ignored."""

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        """An alarm's state (an edge alarm State value such as "active-acknowledged")."""

    def answer(self, value: float, at: float | None = None) -> bool | None:
        """The trainee's answer; returns whether it was right (None if not known yet)."""
        raise TypeError(f"{type(self.check).__name__} takes no answer")

    def loaded(self, result, at: float | None = None) -> None:
        """The check's workspace file as loaded (a LineConfig, a recipe Grade), or why it did not load."""
        raise TypeError(f"{type(self.check).__name__} takes no file")

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

    def describe(self, now: float) -> str:
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
            detail += f", held {hold - (passes - now):.1f}/{hold:g} s"
        return Status(Verdict.OVERDUE if now >= due else Verdict.WAITING, passes is not None, detail)


def judge(check: Check, started: float, observations: Iterable[Observation], now: float) -> Status:
    """The status of `check` at `now`, from a fresh evaluation fed `observations` (a replay, as check-all judges)."""
    ev = evaluation(check, started)
    for seen in observations:
        ev.feed(seen)
    return ev.status(now)


class _Latest(Evaluation):
    """Keeps the newest value of each tag."""

    def __init__(self, check: Check, started: float) -> None:
        super().__init__(check, started)
        self.latest: dict[str, TagValue] = {}

    def observe(self, value: TagValue) -> None:
        if value.tag not in self.tags:
            return
        old = self.latest.get(value.tag)
        if old is not None and value.timestamp < old.timestamp:
            return
        self.latest[value.tag] = value
        self._seen(value)

    def _seen(self, value: TagValue) -> None:
        pass

    def good(self, tag: str) -> TagValue | None:
        value = self.latest.get(tag)
        return value if value is not None and value.quality is Quality.GOOD and value.value is not None else None


class _Held(_Latest):
    """A condition on the latest value: holds from the first value that meets it to the next that does not."""

    def __init__(self, check: TagCondition | QualityCondition, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.held_since: float | None = None

    def _seen(self, value: TagValue) -> None:
        if not self.condition(value):
            self.held_since = None
        elif self.held_since is None:
            self.held_since = value.timestamp

    def since(self) -> float | None:
        return self.held_since

    def describe(self, now: float) -> str:
        return self.shown(self.latest.get(self.check.tag))


class _TagCondition(_Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality is Quality.GOOD and value.value is not None and compare(
            self.check.op, value.value, self.check.value)

    def shown(self, value: TagValue | None) -> str:
        want = f"want {self.check.op} {_shown(self.check.value)}"
        if value is None:
            return f"{self.check.tag}: no value yet ({want})"
        if value.quality is not Quality.GOOD:
            return f"{self.check.tag}: {value.quality} {value.reason} ({want})".replace("  ", " ")
        return f"{self.check.tag} = {_shown(value.value)} ({want})"


class _QualityCondition(_Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality == self.check.quality

    def shown(self, value: TagValue | None) -> str:
        seen = "no value yet" if value is None else f"{value.quality} {value.reason}".strip()
        return f"{self.check.tag}: {seen} (want {self.check.quality})"


class _Changed(_Latest):
    """Keeps that it changed: once the value differed from the first one seen, the check holds."""

    def __init__(self, check: TagChanged, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.baseline = None
        self.changed: tuple[object, float] | None = None  # (the new value, when)

    def _seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None:
            return
        if self.baseline is None:
            self.baseline = value.value
        elif self.changed is None and not compare("==", value.value, self.baseline):
            self.changed = (value.value, value.timestamp)

    def since(self) -> float | None:
        return None if self.changed is None else self.changed[1]

    def describe(self, now: float) -> str:
        if self.baseline is None:
            return f"{self.check.tag}: no good value yet"
        if self.changed is not None:
            return f"{self.check.tag}: {_shown(self.baseline)} -> {_shown(self.changed[0])}"
        return f"{self.check.tag} = {_shown(self.baseline)} (want a change)"


class _Increased(_Latest):
    """Keeps that it rose: once the tag rose by `by` above the lowest value seen (a reset restarts it), it holds."""

    def __init__(self, check: CounterIncreased, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.lowest = None
        self.rise = 0.0
        self.reached: float | None = None

    def _seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None or isinstance(value.value, (bool, str)):
            return
        self.lowest = value.value if self.lowest is None else min(self.lowest, value.value)
        self.rise = max(self.rise, value.value - self.lowest)
        if self.reached is None and self.rise >= self.check.by - 1e-9:
            self.reached = value.timestamp

    def since(self) -> float | None:
        return self.reached

    def describe(self, now: float) -> str:
        if self.lowest is None:
            return f"{self.check.tag}: no good value yet"
        return f"{self.check.tag}: +{_shown(self.rise)} of +{_shown(self.check.by)}"


class _Alarm(Evaluation):
    """The alarm's state; `acknowledged` keeps an acknowledgement (unacknowledged, then acknowledged or normal)."""

    def __init__(self, check: AlarmIs, started: float) -> None:
        super().__init__(check, started)
        self.alarms = frozenset({check.alarm})
        self.state: str | None = None
        self.entered: float | None = None  # when the wanted state was entered
        self.acknowledged: float | None = None

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        if alarm_id != self.check.alarm:
            return
        at = self.started if at is None else at
        state = str(state)
        wanted = _ALARM_STATES[self.check.state]
        if self.acknowledged is None and self.state in _UNACKNOWLEDGED and state in ("active-acknowledged", "normal"):
            self.acknowledged = at
        if state not in wanted:
            self.entered = None
        elif self.entered is None or self.state not in wanted:
            self.entered = at
        self.state = state

    def since(self) -> float | None:
        if self.check.state == "acknowledged" and self.acknowledged is not None:
            return self.acknowledged if self.entered is None else min(self.acknowledged, self.entered)
        return self.entered

    def describe(self, now: float) -> str:
        return f"alarm {self.check.alarm}: {self.state or 'unknown'} (want {self.check.state})"


class _Answered(_Latest):
    """Quiz and reading checks: right once the trainee gives a right answer; wrong answers are counted."""

    takes_answer = True

    def __init__(self, check: Check, started: float) -> None:
        super().__init__(check, started)
        if isinstance(check, ReadingMatches):
            self.tags = frozenset({check.tag})
        self.given: tuple[float, float] | None = None  # (answer, when), judged when a live value comes
        self.right: float | None = None  # when a right answer was given
        self.wrong = 0
        self.last: float | None = None  # the last answer given

    def answer(self, value: float, at: float | None = None) -> bool | None:
        at = self.started if at is None else at
        verdict = self._judge(value)
        self.given = (value, at) if verdict is None else None
        self._count(value, verdict, at)
        return verdict

    def _count(self, value: float, verdict: bool | None, at: float) -> None:
        self.last = value
        if verdict is False:
            self.wrong += 1
        elif verdict and self.right is None:
            self.right = at

    def _seen(self, value: TagValue) -> None:
        if self.given is not None:
            answer, _ = self.given
            self.given = None
            self._count(answer, self._judge(answer), value.timestamp)

    def _judge(self, value: float) -> bool | None:
        check = self.check
        if isinstance(check, ChoiceAnswer):
            return value == check.answer
        if isinstance(check, NumberAnswer):
            return abs(value - check.answer) <= check.tolerance + 1e-9
        live = self.good(check.tag)
        if live is None:
            return None
        return abs(value - live.value) <= check.tolerance + 1e-9

    def since(self) -> float | None:
        return self.right

    def describe(self, now: float) -> str:
        if self.last is None:
            return "no answer yet"
        # a choice is shown to the trainee numbered from 1; the lesson file counts from 0
        said = f"choice {int(self.last) + 1}" if isinstance(self.check, ChoiceAnswer) else f"answer {_shown(self.last)}"
        return f"{said}: " + ("right" if self.right is not None else f"wrong ({self.wrong} wrong so far)")


class _Loaded(Evaluation):
    """A check on a workspace file, judged each time the file is loaded again: it holds while the last load is right."""

    takes_file = True

    def __init__(self, check: ConfigCheck | RecipeCheck, started: float) -> None:
        super().__init__(check, started)
        self.seen = (False, "not loaded yet")
        self.ok_since: float | None = None

    def loaded(self, result, at: float | None = None) -> None:
        self.seen = (False, result) if isinstance(result, str) else self.judge(result)
        if not self.seen[0]:
            self.ok_since = None
        elif self.ok_since is None:
            self.ok_since = self.started if at is None else at

    def judge(self, result) -> tuple[bool, str]:
        raise NotImplementedError

    def since(self) -> float | None:
        return self.ok_since

    def describe(self, now: float) -> str:
        return self.seen[1]


class _Config(_Loaded):
    def judge(self, config) -> tuple[bool, str]:
        missing = config_missing(config, self.check.expect)
        return not missing, "; ".join(missing) or "as expected"


class _Recipe(_Loaded):
    def judge(self, grade) -> tuple[bool, str]:
        check = self.check
        wanted = [(grade.agreement >= check.min_agreement - 1e-9, f"agreement >= {check.min_agreement:.1%}")]
        for key in ("false_pass", "false_fail"):
            limit = getattr(check, f"max_{key}")
            if limit is not None:
                wanted.append((getattr(grade, key) <= limit, f"{key.replace('_', ' ')} <= {limit}"))
        return all(ok for ok, _ in wanted), f"{grade} (want {', '.join(text for _, text in wanted)})"


class _Parts(Evaluation):
    """A check made of checks."""

    def _share(self, parts: list[Evaluation]) -> None:
        self.tags = frozenset().union(*(p.tags for p in parts))
        self.alarms = frozenset().union(*(p.alarms for p in parts))

    @property
    def timeout_s(self) -> float | None:
        return min((t for t in (p.timeout_s for p in self.parts) if t is not None), default=None)


class _All(_Parts):
    """Every part passes at the same moment, each part's hold counted on its own."""

    def __init__(self, check: AllOf, started: float) -> None:
        super().__init__(check, started)
        self.parts = [evaluation(c, started) for c in check.checks]
        self._share(self.parts)

    def observe(self, value: TagValue) -> None:
        for part in self.parts:
            part.observe(value)

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        for part in self.parts:
            part.observe_alarm(alarm_id, state, at)

    def since(self) -> float | None:
        since = [p.since() for p in self.parts]
        return None if None in since else max(since)

    def passes_from(self, not_before: float) -> float | None:
        passes = [p.passes_from(not_before) for p in self.parts]
        return None if None in passes else max(passes)

    def describe(self, now: float) -> str:
        return "; ".join(p.describe(now) for p in self.parts)


class _Sequence(_Parts):
    """Each part in turn: a part is evaluated from the moment the one before it passed."""

    def __init__(self, check: InOrder, started: float) -> None:
        super().__init__(check, started)
        self.parts = [evaluation(c, started) for c in check.checks]
        self._share(self.parts)
        self.stage = 0
        self.stage_from = started  # when the current part began
        self.latest: dict[str, TagValue] = {}
        self.alarm_states: dict[str, str] = {}

    def _advance(self, at: float) -> None:
        """Move on past every part that passed by `at`; the next part starts fresh at that moment."""
        while self.stage < len(self.parts) - 1:
            passes = self.parts[self.stage].passes_from(self.stage_from)
            if passes is None or passes > at:
                return
            self.stage += 1
            self.stage_from = passes
            part = evaluation(self.check.checks[self.stage], passes)
            for value in self.latest.values():
                part.observe(TagValue(value.tag, value.value, value.quality, max(value.timestamp, passes),
                                      value.reason))
            for alarm_id, state in self.alarm_states.items():
                part.observe_alarm(alarm_id, state, passes)
            self.parts[self.stage] = part

    def observe(self, value: TagValue) -> None:
        self._advance(value.timestamp)
        old = self.latest.get(value.tag)
        if value.tag in self.tags and (old is None or value.timestamp >= old.timestamp):
            self.latest[value.tag] = value
        self.parts[self.stage].observe(value)

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        at = self.started if at is None else at
        self._advance(at)
        self.alarm_states[alarm_id] = state
        self.parts[self.stage].observe_alarm(alarm_id, state, at)

    def status(self, now: float) -> Status:
        self._advance(now)
        return super().status(now)

    def since(self) -> float | None:
        return self.parts[-1].since() if self.stage == len(self.parts) - 1 else None

    def passes_from(self, not_before: float) -> float | None:
        if self.stage < len(self.parts) - 1:
            return None
        return self.parts[-1].passes_from(max(not_before, self.stage_from))

    def describe(self, now: float) -> str:
        return f"{self.stage + 1}/{len(self.parts)}: {self.parts[self.stage].describe(now)}"


_EVALUATIONS = {TagCondition: _TagCondition, QualityCondition: _QualityCondition, TagChanged: _Changed,
                CounterIncreased: _Increased, AlarmIs: _Alarm, ReadingMatches: _Answered, ChoiceAnswer: _Answered,
                NumberAnswer: _Answered, ConfigCheck: _Config, RecipeCheck: _Recipe, AllOf: _All, InOrder: _Sequence}


def evaluation(check: Check, started: float) -> Evaluation:
    """A fresh evaluation of `check`, started at `started`."""
    return _EVALUATIONS[type(check)](check, started)


def config_missing(config, expects: tuple[ConfigExpect, ...]) -> list[str]:
    """What a LineConfig does not say of `expects` (empty: all of them hold)."""
    missing = []
    groups = {g.name: g for g in config.groups}
    alarms = {a.id: a for a in config.alarms}
    for e in expects:
        if e.alarm is not None:
            alarm = alarms.get(e.alarm)
            if alarm is None:
                missing.append(f"no alarm {e.alarm!r}")
                continue
            for key, seen in (("tag", alarm.tag), ("kind", alarm.kind), ("limit", alarm.limit)):
                wanted = getattr(e, key)
                if wanted is not None and not compare("==", seen if seen is not None else float("nan"), wanted):
                    missing.append(f"alarm {e.alarm!r}: {key} is {seen!r}, expected {wanted!r}")
            continue
        if e.tag is not None:
            tags = [t for name, t in config.tags.items() if fnmatch.fnmatchcase(name, e.tag)]
            if not tags:
                missing.append(f"no tag {e.tag!r}")
                continue
            for tag in tags:
                if e.group is not None and tag.group != e.group:
                    missing.append(f"{tag.name} is scanned in group {tag.group!r}, expected {e.group!r}")
                if e.deadband is not None and not compare("==", float(tag.deadband), float(e.deadband)):
                    missing.append(f"{tag.name} has deadband {tag.deadband:g}, expected {e.deadband:g}")
            continue
        group = groups.get(e.group)
        if group is None:
            missing.append(f"no scan group {e.group!r}")
        elif e.rate_ms is not None and not compare("==", group.rate_s * 1000, float(e.rate_ms)):
            missing.append(f"scan group {e.group!r} runs every {group.rate_s * 1000:g} ms, expected {e.rate_ms:g}")
    return missing
