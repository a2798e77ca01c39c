"""`sequence`: each part in turn, a part judged from the moment the one before it passed."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import Check, Status, same, say
from ..registry import CheckType, evaluation, register
from .all_of import PARTS, Parts, parts
from .tag import LIVE


@dataclass(frozen=True)
class InOrder(Check):
    """Each part in turn, a part judged from the moment the one before it passed ("after X, Y held for 5 s")."""

    checks: tuple[Check, ...]


class Sequence(Parts):
    """Each part in turn: a part is evaluated from the moment the one before it passed."""

    def __init__(self, check: InOrder, started: float) -> None:
        super().__init__(check, started)
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

    def queried(self, result, at: float, query=None) -> None:
        self._advance(at)
        part = self.parts[self.stage]
        if query in part.queries or query is None and part.queries:
            part.queried(result, at, query)

    def status(self, now: float) -> Status:
        self._advance(now)
        return super().status(now)

    def since(self) -> float | None:
        return self.parts[-1].since() if self.stage == len(self.parts) - 1 else None

    def passes_from(self, not_before: float) -> float | None:
        if self.stage < len(self.parts) - 1:
            return None
        return self.parts[-1].passes_from(max(not_before, self.stage_from))

    def describe(self, now: float):
        return say(same("{n}/{total}: {part}"), n=self.stage + 1, total=len(self.parts),
                   part=self.parts[self.stage].describe(now))


register(CheckType(
    Entry("sequence", "each part in turn: a part is judged from the moment the one before it passed (\"after X, Y"
          " held for 5 s\")", (Key("type", '"sequence"', ""), PARTS), LIVE),
    InOrder, lambda reader, data, where: InOrder(parts(reader, data, where, "sequence")), Sequence,
    ("read-and-do", "fault-drill"), inner=True))
