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

Names are imported when first used: the edge's client needs `events` and `spec`, not the manager.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .comm import comm_alarm, comm_status
    from .errors import AlarmError, InvalidAlarmSpec, UnknownAlarm
    from .events import AlarmEvent, AlarmState
    from .machine import Event, State
    from .manager import AlarmManager
    from .spec import AlarmKind, AlarmSpec, Priority

_WHERE = {
    "comm": ("comm_alarm", "comm_status"),
    "errors": ("AlarmError", "InvalidAlarmSpec", "UnknownAlarm"),
    "events": ("AlarmEvent", "AlarmState"),
    "machine": ("Event", "State"),
    "manager": ("AlarmManager",),
    "spec": ("AlarmKind", "AlarmSpec", "Priority"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = [
    "AlarmError", "AlarmEvent", "AlarmKind", "AlarmManager", "AlarmSpec", "AlarmState", "Event", "InvalidAlarmSpec",
    "Priority", "State", "UnknownAlarm", "comm_alarm", "comm_status",
]


def __getattr__(name: str):
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE[name]}", __name__), name)
