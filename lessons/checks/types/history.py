"""`history`: what the historian recorded of a tag over the last `window_s`: how many samples, the longest gap between
them, their min, max or average, compared with a value (and held for `hold_s`).

The evaluation asks for its `query` (the runner reads the agent's historian
every `every_s` and feeds the rows as `Queried`) and computes the statistic
from the rows itself, so a replay judges exactly what the console saw.

The window never reaches back before the check started (unless the lesson says
`reach_back = true`): what the line did before the step cannot satisfy it. A
condition that a shorter window could meet falsely ("at most 1 sample",
"max below 0.3", any average) is judged only once the whole window lies in the
step; one that something happened ("max above 2.2", "at least 5 samples") from
the start, over the step so far.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.devices.reference import Entry, Key

from ..base import DEFAULT_TIMEOUT_S, HOLD, TAG, TIMEOUT, Check, Evaluation, compare, say, shown
from ..registry import CheckType, register
from .tag import OPERATORS, operator_of

STATS = {  # name -> how a Korean screen says it
    "count": "개수", "gap": "최대 간격(초)", "min": "최소", "max": "최대", "avg": "평균"}
NOT_ASKED = Text(ko="{tag}: 아직 이력 조회 전", en="{tag}: history not read yet")
SEEN = Text(ko="{tag} 최근 {window:g}초 {stat} = {value} (목표 {op} {wanted})",
            en="{tag} {stat} over the last {window:g} s = {value} (want {op} {wanted})")
NONE = Text(ko="없음", en="none")
FILLING = Text(ko="{seen}; 창이 다 차면 판정 ({left:.0f}초 후)", en="{seen}; judged once the window is full (in {left:.0f} s)")
HAPPENED = {("count", ">"), ("count", ">="), ("max", ">"), ("max", ">="), ("min", "<"), ("min", "<="), ("gap", ">"),
            ("gap", ">=")}  # conditions that hold over a window when they hold over any part of it


@dataclass(frozen=True)
class HistoryCondition(Check):
    """`stat` of the tag's stored history over the last `window_s` seconds `op value`, held for hold_s."""

    tag: str
    stat: str
    window_s: float
    op: str
    value: float
    hold_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S
    reach_back: bool = False  # the window may reach back before the check started

    @property
    def happened(self) -> bool:
        """Whether the condition says something happened: then any part of the window that meets it is enough."""
        return (self.stat, self.op) in HAPPENED


@dataclass(frozen=True)
class HistoryQuery:
    """Ask the historian for the tag's stored values over the last `window_s` seconds, every `every_s`."""

    tag: str
    window_s: float
    every_s: float = 1.0


def statistic(stat: str, rows, now: float) -> float | None:
    """`stat` of stored values (TagValues, oldest first) read at `now`: count and gap of every sample, min, max and avg
    of the GOOD numeric ones; None when there is nothing to say it of."""
    if stat == "count":
        return float(len(rows))
    if stat == "gap":  # the longest time between two stored samples, or from the last one to now
        times = [r.timestamp for r in rows] + [now]
        return max((b - a for a, b in itertools.pairwise(times)), default=None) if rows else None
    values = [float(r.value) for r in rows if r.quality is Quality.GOOD and isinstance(r.value, int | float)
              and not isinstance(r.value, bool) and math.isfinite(r.value)]
    if not values:
        return None
    return {"min": min, "max": max, "avg": lambda v: sum(v) / len(v)}[stat](values)


class History(Evaluation):
    def __init__(self, check: HistoryCondition, started: float) -> None:
        super().__init__(check, started)
        self.query = HistoryQuery(check.tag, check.window_s)
        self.value: float | None = None
        self.asked: object = None  # None: not asked yet; a str: why the historian gave nothing
        self.held_since: float | None = None

    def queried(self, result, at: float, query=None) -> None:
        if query is not None and query != self.query:  # another part's question (an `all` feeds every part)
            return
        self.asked = result
        start = at - self.check.window_s if self.check.reach_back else max(at - self.check.window_s, self.started)
        self.value = None if isinstance(result, str) else \
            statistic(self.check.stat, [r for r in result if start <= r.timestamp <= at], at)
        if self.value is None or not compare(self.check.op, self.value, self.check.value) or \
                at < self.judged_from():
            self.held_since = None
        elif self.held_since is None:
            self.held_since = at

    def judged_from(self) -> float:
        check = self.check
        return self.started if check.reach_back or check.happened else self.started + check.window_s

    def since(self) -> float | None:
        return self.held_since

    def describe(self, now: float) -> Text:
        check = self.check
        if self.asked is None:
            return say(NOT_ASKED, tag=check.tag)
        value = Text(ko=self.asked, en=self.asked) if isinstance(self.asked, str) else \
            NONE if self.value is None else shown(self.value)
        seen = say(SEEN, tag=check.tag, window=check.window_s, stat=Text(ko=STATS[check.stat], en=check.stat),
                   value=value, op=check.op, wanted=shown(check.value))
        left = self.judged_from() - now
        return say(FILLING, seen=seen, left=math.ceil(left)) if left > 0 else seen


def parse(reader, data, where: str) -> HistoryCondition:
    op = operator_of(reader, data, where)
    return HistoryCondition(reader.tag(data, where), reader.choice(data, "stat", where, tuple(STATS)),
                            float(reader.number(data, "window_s", where, 1, 86400)), op,
                            float(reader.get(data, "value", where, (int, float))), reader.hold(data, where),
                            reader.timeout(data, where), reader.get(data, "reach_back", where, bool, False))


register(CheckType(
    Entry("history", "what the historian stored of the tag over the last `window_s` (read every second): `count`"
          " samples, the longest `gap` between them (or since the last one), or the `min`, `max` or `avg` of its good"
          " values, compared with `value`; the historian stores a value when it moved more than the tag's deadband:"
          " over a window in which the value did not move it stored nothing (`count` 0; `min`, `max` and `avg` have"
          " nothing to say and do not hold), so \"stays above 200 for 10 s\" is a `tag` check with `hold_s`."
          " The window never reaches back before the step (or the part of a `sequence`) started, unless `reach_back`:"
          " a condition that something happened (`count` or `max` above, `min` below, `gap` above) is judged over"
          " the step so far from its start; any other (few samples, `max` below, `min` above, `avg`, `gap` below)"
          " only once the step has run `window_s`, over its last `window_s`",
          (Key("type", '"history"', ""), TAG, Key("stat", " ".join(STATS), "what is computed over the window"),
           Key("window_s", "number 1..86400", "how far back", unit="s"), Key("op", " ".join(OPERATORS), ""),
           Key("value", "number", "what the statistic is compared with"), HOLD, TIMEOUT,
           Key("reach_back", "true or false", "the window may reach back before the step started: what the line did"
               " before it counts too", False)),
          "fails on the untouched line for 0.5 s (from when the window is full, for a condition judged only then),"
          " passes within its timeout after the reference solution"),
    HistoryCondition, parse, History, ("read-and-do", "fault-drill"), inner=True))
