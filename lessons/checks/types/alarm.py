"""`alarm`: the alarm's state; `acknowledged` keeps an acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key

from ..base import DEFAULT_TIMEOUT_S, TIMEOUT, Check, Evaluation, named, say
from ..registry import CheckType, register
from .tag import LIVE

ALARM_STATES = ("active", "acknowledged", "normal")
_SATISFY = {  # check state -> the edge's alarm states (edge.alarms.machine.State values) that satisfy it
    "active": ("active-unacknowledged", "active-acknowledged"),
    "acknowledged": ("active-acknowledged",),
    "normal": ("normal",),
}
_UNACKNOWLEDGED = ("active-unacknowledged", "returned-unacknowledged")
SEEN = Text(ko="알람 {alarm}: {state} (목표 {want})", en="alarm {alarm}: {state} (want {want})")


@dataclass(frozen=True)
class AlarmIs(Check):
    """The alarm is active (acknowledged or not), acknowledged (and still active) or back to normal."""

    alarm: str
    state: str
    timeout_s: float = DEFAULT_TIMEOUT_S


class AlarmState(Evaluation):
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
        wanted = _SATISFY[self.check.state]
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

    def describe(self, now: float) -> Text:
        return say(SEEN, alarm=self.check.alarm, state=named(self.state or "unknown"), want=named(self.check.state))


def parse(reader, data, where: str) -> AlarmIs:
    return AlarmIs(reader.alarm(data, where), reader.choice(data, "state", where, ALARM_STATES),
                   reader.timeout(data, where))


register(CheckType(
    Entry("alarm", "the alarm's state: `active` (acknowledged or not), `acknowledged` (keeps an acknowledgement, the"
          " condition cleared or not; shelving is not acknowledging) or `normal`",
          (Key("type", '"alarm"', ""), Key("alarm", "alarm id", "an alarm of the line file"),
           Key("state", " ".join(ALARM_STATES), ""), TIMEOUT), LIVE),
    AlarmIs, parse, AlarmState, ("read-and-do", "fault-drill"), inner=True))
