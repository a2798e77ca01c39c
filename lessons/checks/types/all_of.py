"""`all`: every part passes at the same moment, each with its own hold."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import Check, Evaluation
from ..registry import CheckType, evaluation, inner_types, register
from .tag import LIVE

PARTS = Key("of", "list of checks", "at least two inline checks `{ type = ..., ... }` on the line")


@dataclass(frozen=True)
class AllOf(Check):
    """Every part passes at the same moment (each part's own hold counted)."""

    checks: tuple[Check, ...]


class Parts(Evaluation):
    """A check made of checks."""

    def __init__(self, check, started: float) -> None:
        super().__init__(check, started)
        self.parts = [evaluation(c, started) for c in check.checks]
        self.tags = frozenset().union(*(p.tags for p in self.parts))
        self.alarms = frozenset().union(*(p.alarms for p in self.parts))

    @property
    def timeout_s(self) -> float | None:
        return min((t for t in (p.timeout_s for p in self.parts) if t is not None), default=None)

    @property
    def queries(self) -> tuple:
        return tuple(dict.fromkeys(q for p in self.parts for q in p.queries))

    def judged_from(self) -> float:
        return max(p.judged_from() for p in self.parts)


class All(Parts):
    def observe(self, value: TagValue) -> None:
        for part in self.parts:
            part.observe(value)

    def observe_alarm(self, alarm_id: str, state: str, at: float | None = None) -> None:
        for part in self.parts:
            part.observe_alarm(alarm_id, state, at)

    def queried(self, result, at: float, query=None) -> None:
        for part in self.parts:
            if query in part.queries or query is None and part.queries:
                part.queried(result, at, query)

    def since(self) -> float | None:
        since = [p.since() for p in self.parts]
        return None if None in since else max(since)

    def passes_from(self, not_before: float) -> float | None:
        passes = [p.passes_from(not_before) for p in self.parts]
        return None if None in passes else max(passes)

    def describe(self, now: float) -> Text:
        said = [p.describe(now) for p in self.parts]
        return Text(ko="; ".join(s.ko for s in said), en="; ".join(s.en for s in said))


def parts(reader, data, where: str, name: str) -> tuple[Check, ...]:
    """The parts of a check made of checks: at least two checks on the line."""
    found = reader.get(data, "of", where, list)
    if len(found) < 2:
        raise reader.fail(f"{where}.of", Text(ko=f"{name!r}에는 확인이 둘 이상 있어야 합니다",
                                              en=f"{name!r} needs at least two checks"))
    return tuple(reader.check(p, f"{where}.of[{i}]", inner_types()) for i, p in enumerate(found))


register(CheckType(
    Entry("all", "every part passes at the same moment, each with its own hold; a part passed earlier and no longer"
          " holding does not count", (Key("type", '"all"', ""), PARTS), LIVE),
    AllOf, lambda reader, data, where: AllOf(parts(reader, data, where, "all")), All, ("read-and-do", "fault-drill"),
    inner=True))
