"""What the alarm system reports: AlarmEvent (one per emitted transition) and AlarmState (a snapshot)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smarthall.devices.quality import Quality, Value

from .machine import Event, State
from .spec import AlarmKind, AlarmSpec, Priority


@dataclass(frozen=True)
class AlarmEvent:
    """One reported transition or comment; `state` is the state after it, `user` "" for the system."""

    alarm_id: str
    tag: str
    kind: AlarmKind
    event: Event
    state: State
    value: Value | None
    priority: Priority
    user: str
    comment: str
    timestamp: float


@dataclass(frozen=True)
class AlarmState:
    """One alarm as it stands: its spec, state, last input and since when it is in this state."""

    spec: AlarmSpec
    state: State
    condition: bool
    since: float | None  # None: never changed state
    value: Value | None
    quality: Quality | None  # of the last input; None before the first
    shelved_until: float | None = None

    @property
    def alarm_id(self) -> str:
        return self.spec.id

    @property
    def priority(self) -> Priority:
        return self.spec.priority

    @property
    def input_bad(self) -> bool:
        """The diagnostic for an unusable input: the last value was not GOOD (the state is held)."""
        return self.quality is not None and self.quality is not Quality.GOOD


def operator_list(states: Iterable[AlarmState]) -> list[AlarmState]:
    """The operator's list of these alarms (unacknowledged, acknowledged, returned-unacknowledged):
    highest priority first, then the longest-standing first."""
    shown = [s for s in states if s.state.annunciated]
    return sorted(shown, key=lambda s: (-s.priority.severity, s.since))
