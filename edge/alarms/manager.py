"""AlarmManager: feeds tag values and operator commands through each alarm's state machine.

It holds no clock of its own: `update` uses the value's timestamp, `tick(now)` runs on-/off-delays
and timed shelves out; operator commands take `now` (None: the wall clock).
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from smarthall.devices.quality import Quality, Value

from ..tags import TagValue
from . import machine as sm
from .conditions import condition
from .delay import Delay
from .errors import AlarmError, InvalidAlarmSpec, UnknownAlarm
from .events import AlarmEvent, AlarmState, operator_list
from .spec import AlarmSpec


@dataclass
class _Alarm:
    """The manager's mutable record of one alarm."""

    spec: AlarmSpec
    delay: Delay
    machine: sm.Machine = sm.Machine()
    pending_since: float | None = None
    since: float | None = None
    value: Value | None = None
    quality: Quality | None = None


class AlarmManager:
    """The configured alarms of one edge agent."""

    def __init__(self, specs: Iterable[AlarmSpec]) -> None:
        self._alarms: dict[str, _Alarm] = {}
        self._by_tag: dict[str, list[_Alarm]] = {}
        self.tags: frozenset[str] = frozenset()  # the tags some alarm watches: `update` with any other does nothing
        self.load(specs)

    def load(self, specs: Iterable[AlarmSpec], known_tags: Collection[str] | None = None) -> None:
        """Add alarms (to a running manager too), normal until their tag's next value; all or none.

        InvalidAlarmSpec for an id already configured (or twice among `specs`), or, given `known_tags`,
        a tag not among them."""
        specs, seen = list(specs), set(self._alarms)
        for spec in specs:
            if spec.id in seen:
                raise InvalidAlarmSpec(f"alarm id {spec.id!r} is configured twice")
            if known_tags is not None and spec.tag not in known_tags:
                raise InvalidAlarmSpec(f"alarm {spec.id!r}: unknown tag {spec.tag!r}")
            seen.add(spec.id)
        for spec in specs:
            alarm = _Alarm(spec, Delay(spec.delay_s, spec.off_delay_s))
            self._alarms[spec.id] = alarm
            self._by_tag.setdefault(spec.tag, []).append(alarm)
        self.tags = frozenset(self._by_tag)

    def update(self, value: TagValue) -> list[AlarmEvent]:
        """Evaluate every alarm on `value.tag` at `value.timestamp`; unusable values hold the state."""
        return self.update_value(value.tag, value.value, value.quality, value.timestamp)

    def update_value(self, tag: str, value: Value | None, quality: Quality, timestamp: float) -> list[AlarmEvent]:
        """`update` with a value's parts (a block's values have no TagValue)."""
        alarms = self._by_tag.get(tag)
        if alarms is None:
            return []
        events: list[AlarmEvent] = []
        for alarm in alarms:
            alarm.value, alarm.quality = value, quality
            was = alarm.machine.condition
            raw = condition(alarm.spec, value, quality, was)
            if raw is None or raw == was:  # unusable, or no change to settle: nothing pending either
                alarm.pending_since = None
                continue
            events += self._settle(alarm, raw, timestamp)
        return events

    def tick(self, now: float) -> list[AlarmEvent]:
        """Let on-/off-delays and timed shelves that have run out by `now` take effect."""
        events: list[AlarmEvent] = []
        for alarm in self._alarms.values():
            if alarm.pending_since is not None:
                events += self._settle(alarm, not alarm.machine.condition, now)
            expired = sm.expire(alarm.machine, now)
            if expired.emitted:
                events += self._record(alarm, sm.Event.UNSHELVE, expired.machine, now, "", "")
        return events

    def ack(self, alarm_id: str, user: str, comment: str = "", now: float | None = None) -> list[AlarmEvent]:
        """Acknowledge; ignored (no event) unless the alarm is unacknowledged."""
        return self._command(alarm_id, sm.Event.ACKNOWLEDGE, user, comment, now)

    def shelve(self, alarm_id: str, user: str, now: float | None = None, duration_s: float | None = None,
               comment: str = "") -> list[AlarmEvent]:
        """Shelve for `duration_s` seconds, or one-shot (until the condition returns) when None."""
        if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
            raise AlarmError(f"shelve {alarm_id!r}: duration must be a positive number of seconds, got {duration_s!r}")
        now = _now(now)
        until = None if duration_s is None else now + duration_s
        return self._command(alarm_id, sm.Event.SHELVE, user, comment, now, until)

    def unshelve(self, alarm_id: str, user: str, now: float | None = None, comment: str = "") -> list[AlarmEvent]:
        return self._command(alarm_id, sm.Event.UNSHELVE, user, comment, now)

    def remove_from_service(self, alarm_id: str, user: str, now: float | None = None,
                            comment: str = "") -> list[AlarmEvent]:
        return self._command(alarm_id, sm.Event.REMOVE_FROM_SERVICE, user, comment, now)

    def return_to_service(self, alarm_id: str, user: str, now: float | None = None,
                          comment: str = "") -> list[AlarmEvent]:
        return self._command(alarm_id, sm.Event.RETURN_TO_SERVICE, user, comment, now)

    def comment(self, alarm_id: str, user: str, text: str, now: float | None = None) -> list[AlarmEvent]:
        return self._command(alarm_id, sm.Event.COMMENT, user, text, now)

    def state(self, alarm_id: str) -> AlarmState:
        return _snapshot(self._get(alarm_id))

    def states(self) -> list[AlarmState]:
        """Every alarm, in configuration order."""
        return [_snapshot(alarm) for alarm in self._alarms.values()]

    def active(self) -> list[AlarmState]:
        """The operator's list (`events.operator_list`)."""
        return operator_list(self.states())

    def _get(self, alarm_id: str) -> _Alarm:
        try:
            return self._alarms[alarm_id]
        except KeyError:
            raise UnknownAlarm(f"no alarm {alarm_id!r}; configured: {', '.join(self._alarms) or 'none'}") from None

    def _command(self, alarm_id: str, event: sm.Event, user: str, comment: str, now: float | None,
                 until: float | None = None) -> list[AlarmEvent]:
        alarm = self._get(alarm_id)
        result = sm.step(alarm.machine, event, until)
        if not result.emitted:
            return []
        return self._record(alarm, event, result.machine, _now(now), user, comment)

    def _settle(self, alarm: _Alarm, raw: bool, now: float) -> list[AlarmEvent]:
        """Pass a usable condition through the alarm's delays; report the edge when it settles."""
        was = alarm.machine.condition
        settled, alarm.pending_since = alarm.delay.settle(was, raw, alarm.pending_since, now)
        if settled == was:
            return []
        event = sm.Event.ACTIVATE if settled else sm.Event.RETURN
        return self._record(alarm, event, sm.step(alarm.machine, event).machine, now, "", "")

    def _record(self, alarm: _Alarm, event: sm.Event, after: sm.Machine, now: float, user: str,
                comment: str) -> list[AlarmEvent]:
        if after.state is not alarm.machine.state:
            alarm.since = now
        alarm.machine = after
        spec = alarm.spec
        return [AlarmEvent(spec.id, spec.tag, spec.kind, event, after.state, alarm.value, spec.priority, user, comment,
                           now)]


def _snapshot(alarm: _Alarm) -> AlarmState:
    return AlarmState(alarm.spec, alarm.machine.state, alarm.machine.condition, alarm.since, alarm.value,
                      alarm.quality, alarm.machine.shelved_until)


def _now(now: float | None) -> float:
    return time.time() if now is None else now
