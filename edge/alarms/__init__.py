"""Alarms after ISA-18.2 / OPC UA Part 9: limit (hi, hihi, lo, lolo) and discrete alarms.

Modules, each with one job: `spec` (AlarmSpec, AlarmKind, Priority and its OPC UA severity),
`machine` (the pure state machine), `conditions` (limit/discrete evaluators), `delay`
(on-/off-delay), `events` (AlarmEvent, AlarmState), `manager` (AlarmManager, the stateful part),
`comm` (the communication-loss alarm each connection has by default).
Nothing here does I/O or reads the clock, except that an operator command without `now` uses
the wall clock. Every user-facing text of an alarm comes in Korean and English (text_ko, text_en).

Exceptions:
    AlarmError               base of every error raised on purpose (e.g. a bad shelve duration)
     ├── InvalidAlarmSpec    a configuration that cannot work (missing limit, duplicate id...)
     └── UnknownAlarm        an operator command names an alarm that is not configured
"""

from .comm import comm_alarm, comm_status
from .errors import AlarmError, InvalidAlarmSpec, UnknownAlarm
from .events import AlarmEvent, AlarmState
from .machine import Event, State
from .manager import AlarmManager
from .spec import AlarmKind, AlarmSpec, Priority

__all__ = [
    "AlarmError", "AlarmEvent", "AlarmKind", "AlarmManager", "AlarmSpec", "AlarmState", "Event", "InvalidAlarmSpec",
    "Priority", "State", "UnknownAlarm", "comm_alarm", "comm_status",
]
