"""Sans-IO evaluation of a step's check.

An `Evaluation` is fed what the line shows — tag values (`observe`), alarm
states (`observe_alarm`), the trainee's answer (`answer`), a loaded workspace
file (`loaded`: a line configuration, or a recipe's grade) — and asked for its
`status(now)`. It never reads a clock or a socket, so a check is tested against
any sequence of values. A status that has PASSED or FAILED (timed out) stays so.

`satisfied` is the bare condition (before any hold time): check-all uses it to
prove a check does not already hold on an untouched line.
"""

from __future__ import annotations

import fnmatch
import math
import operator
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
    PASSED = "passed"
    FAILED = "failed"  # timed out


@dataclass(frozen=True)
class Status:
    verdict: Verdict
    satisfied: bool  # the condition holds now (hold time not counted)
    detail: str = ""  # what the check sees, in values and tag names (no prose to translate)


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
    """One check being evaluated since `started` (seconds, same clock as the values and `now`)."""

    tags: frozenset[str] = frozenset()
    alarms: frozenset[str] = frozenset()
    takes_answer = False
    takes_file = False

    def __init__(self, check: Check, started: float) -> None:
        self.check = check
        self.started = started
        self._final: Status | None = None

    def observe(self, value: TagValue) -> None:
        """A tag value; values older than the last one seen for the tag are ignored."""

    def observe_alarm(self, alarm_id: str, state: str) -> None:
        """An alarm's state (an edge alarm State value such as "active-acknowledged")."""

    def answer(self, value: float) -> bool | None:
        """The trainee's answer; returns whether it was right (None if not known yet)."""
        raise TypeError(f"{type(self.check).__name__} takes no answer")

    def loaded(self, result) -> None:
        """The check's workspace file as loaded (a LineConfig, a recipe Grade), or why it did not load."""
        raise TypeError(f"{type(self.check).__name__} takes no file")

    def status(self, now: float) -> Status:
        if self._final is not None:
            return self._final
        current = self._evaluate(now)
        timeout = getattr(self.check, "timeout_s", None)
        if current.verdict is Verdict.WAITING and timeout is not None and now - self.started >= timeout:
            current = Status(Verdict.FAILED, current.satisfied, current.detail)
        if current.verdict is not Verdict.WAITING:
            self._final = current
        return current

    def _evaluate(self, now: float) -> Status:
        raise NotImplementedError


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
    """A condition on the latest value that must hold for hold_s."""

    def __init__(self, check: TagCondition | QualityCondition, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.held_since: float | None = None

    def _seen(self, value: TagValue) -> None:
        if self.condition(value):
            if self.held_since is None:
                self.held_since = value.timestamp
        else:
            self.held_since = None

    def _evaluate(self, now: float) -> Status:
        value = self.latest.get(self.check.tag)
        detail = self.describe(value)
        if self.held_since is None:
            return Status(Verdict.WAITING, False, detail)
        held = now - self.held_since
        if held >= self.check.hold_s:
            return Status(Verdict.PASSED, True, detail)
        return Status(Verdict.WAITING, True, f"{detail}, held {held:.1f}/{self.check.hold_s:g} s")


class _TagCondition(_Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality is Quality.GOOD and value.value is not None and compare(
            self.check.op, value.value, self.check.value)

    def describe(self, value: TagValue | None) -> str:
        want = f"want {self.check.op} {_shown(self.check.value)}"
        if value is None:
            return f"{self.check.tag}: no value yet ({want})"
        if value.quality is not Quality.GOOD:
            return f"{self.check.tag}: {value.quality} {value.reason} ({want})".replace("  ", " ")
        return f"{self.check.tag} = {_shown(value.value)} ({want})"


class _QualityCondition(_Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality == self.check.quality

    def describe(self, value: TagValue | None) -> str:
        seen = "no value yet" if value is None else f"{value.quality} {value.reason}".strip()
        return f"{self.check.tag}: {seen} (want {self.check.quality})"


class _Changed(_Latest):
    def __init__(self, check: TagChanged, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.baseline = None
        self.changed_to = None

    def _seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None:
            return
        if self.baseline is None:
            self.baseline = value.value
        elif self.changed_to is None and not compare("==", value.value, self.baseline):
            self.changed_to = value.value

    def _evaluate(self, now: float) -> Status:
        if self.baseline is None:
            return Status(Verdict.WAITING, False, f"{self.check.tag}: no good value yet")
        if self.changed_to is not None:
            return Status(Verdict.PASSED, True, f"{self.check.tag}: {_shown(self.baseline)} -> {_shown(self.changed_to)}")
        return Status(Verdict.WAITING, False, f"{self.check.tag} = {_shown(self.baseline)} (want a change)")


class _Increased(_Latest):
    def __init__(self, check: CounterIncreased, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.lowest = None
        self.rise = 0.0

    def _seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None or isinstance(value.value, (bool, str)):
            return
        self.lowest = value.value if self.lowest is None else min(self.lowest, value.value)
        self.rise = max(self.rise, value.value - self.lowest)

    def _evaluate(self, now: float) -> Status:
        if self.lowest is None:
            return Status(Verdict.WAITING, False, f"{self.check.tag}: no good value yet")
        detail = f"{self.check.tag}: +{_shown(self.rise)} of +{_shown(self.check.by)}"
        done = self.rise >= self.check.by - 1e-9
        return Status(Verdict.PASSED if done else Verdict.WAITING, done, detail)


class _Alarm(Evaluation):
    def __init__(self, check: AlarmIs, started: float) -> None:
        super().__init__(check, started)
        self.alarms = frozenset({check.alarm})
        self.state: str | None = None
        self.acked_since_seen = False  # unacknowledged, then acknowledged or normal: acknowledged, cleared or not

    def observe_alarm(self, alarm_id: str, state: str) -> None:
        if alarm_id == self.check.alarm:
            self.acked_since_seen |= self.state in _UNACKNOWLEDGED and str(state) in ("active-acknowledged", "normal")
            self.state = str(state)

    def _evaluate(self, now: float) -> Status:
        ok = self.state in _ALARM_STATES[self.check.state] or self.check.state == "acknowledged" and self.acked_since_seen
        detail = f"alarm {self.check.alarm}: {self.state or 'unknown'} (want {self.check.state})"
        return Status(Verdict.PASSED if ok else Verdict.WAITING, ok, detail)


class _Answered(_Latest):
    """Quiz and reading checks: right once the trainee gives a right answer; wrong answers are counted."""

    takes_answer = True

    def __init__(self, check: Check, started: float) -> None:
        super().__init__(check, started)
        if isinstance(check, ReadingMatches):
            self.tags = frozenset({check.tag})
        self.given: float | None = None
        self.right = False
        self.wrong = 0

    def answer(self, value: float) -> bool | None:
        self.given = value
        verdict = self._judge(value)
        if verdict is False:
            self.wrong += 1
        self.right = self.right or bool(verdict)
        return verdict

    def _seen(self, value: TagValue) -> None:
        if self.given is not None and not self.right and self._pending:
            self.answer(self.given)

    _pending = False

    def _judge(self, value: float) -> bool | None:
        check = self.check
        if isinstance(check, ChoiceAnswer):
            return value == check.answer
        if isinstance(check, NumberAnswer):
            return abs(value - check.answer) <= check.tolerance + 1e-9
        live = self.good(check.tag)
        self._pending = live is None
        if live is None:
            return None
        return abs(value - live.value) <= check.tolerance + 1e-9

    def _evaluate(self, now: float) -> Status:
        detail = "no answer yet" if self.given is None else f"answer {_shown(self.given)}: " + (
            "right" if self.right else f"wrong ({self.wrong} wrong so far)")
        return Status(Verdict.PASSED if self.right else Verdict.WAITING, self.right, detail)


class _Loaded(Evaluation):
    """A check on a workspace file, judged each time the file is loaded again."""

    takes_file = True

    def __init__(self, check: ConfigCheck | RecipeCheck, started: float) -> None:
        super().__init__(check, started)
        self.seen = (False, "not loaded yet")

    def loaded(self, result) -> None:
        self.seen = (False, result) if isinstance(result, str) else self.judge(result)

    def judge(self, result) -> tuple[bool, str]:
        raise NotImplementedError

    def _evaluate(self, now: float) -> Status:
        ok, detail = self.seen
        return Status(Verdict.PASSED if ok else Verdict.WAITING, ok, detail)


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


class _All(Evaluation):
    def __init__(self, check: AllOf, started: float) -> None:
        super().__init__(check, started)
        self.parts = [evaluation(c, started) for c in check.checks]
        self.tags = frozenset().union(*(p.tags for p in self.parts))
        self.alarms = frozenset().union(*(p.alarms for p in self.parts))

    def observe(self, value: TagValue) -> None:
        for part in self.parts:
            part.observe(value)

    def observe_alarm(self, alarm_id: str, state: str) -> None:
        for part in self.parts:
            part.observe_alarm(alarm_id, state)

    def _evaluate(self, now: float) -> Status:
        statuses = [p.status(now) for p in self.parts]
        detail = "; ".join(s.detail for s in statuses)
        satisfied = all(s.satisfied for s in statuses)
        if any(s.verdict is Verdict.FAILED for s in statuses):
            return Status(Verdict.FAILED, satisfied, detail)
        if all(s.verdict is Verdict.PASSED for s in statuses):
            return Status(Verdict.PASSED, True, detail)
        return Status(Verdict.WAITING, satisfied, detail)


def evaluation(check: Check, started: float) -> Evaluation:
    """A fresh evaluation of `check`, started at `started`."""
    kinds = {TagCondition: _TagCondition, QualityCondition: _QualityCondition, TagChanged: _Changed,
             CounterIncreased: _Increased, AlarmIs: _Alarm, ReadingMatches: _Answered, ChoiceAnswer: _Answered,
             NumberAnswer: _Answered, ConfigCheck: _Config, RecipeCheck: _Recipe, AllOf: _All}
    return kinds[type(check)](check, started)


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
