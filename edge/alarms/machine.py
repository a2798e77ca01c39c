"""The ISA-18.2 / OPC UA Part 9 alarm state machine, pure: no I/O, no clock (time is passed in).

States: normal, active-unacknowledged, active-acknowledged, returned-unacknowledged, shelved,
out-of-service. The machine also tracks the process condition in every state, so that unshelving
or returning to service lands in the right state (active -> unacknowledged again, else normal).

Rules beyond the plain ISA diagram, all chosen to keep the operator informed:
- Shelved or out of service, condition changes are tracked and reported (the event's state says
  "shelved"/"out-of-service", so a display does not annunciate it), acknowledgement is ignored.
- A one-shot shelve (no end time) ends when the condition returns to normal; shelving a normal
  alarm one-shot therefore hides its next activation up to its return.
- A timed shelve ends at `shelved_until`, through `expire(machine, now)` (the manager's tick).
- Shelving or removing from service drops any pending acknowledgement.
- An event that changes nothing is ignored (`Step.emitted` is False); a comment never changes
  the state and is always emitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum


class State(StrEnum):
    NORMAL = "normal"
    UNACK = "active-unacknowledged"
    ACKED = "active-acknowledged"
    RTN_UNACK = "returned-unacknowledged"
    SHELVED = "shelved"
    OUT_OF_SERVICE = "out-of-service"

    @property
    def annunciated(self) -> bool:
        """Whether the alarm belongs on the operator's active list."""
        return self in (State.UNACK, State.ACKED, State.RTN_UNACK)


class Event(StrEnum):
    ACTIVATE = "activate"
    RETURN = "return"  # the condition cleared
    ACKNOWLEDGE = "acknowledge"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    REMOVE_FROM_SERVICE = "remove-from-service"
    RETURN_TO_SERVICE = "return-to-service"
    COMMENT = "comment"


@dataclass(frozen=True)
class Machine:
    """One alarm's state; `condition` is the process condition, `shelved_until` a timed shelve's end."""

    state: State = State.NORMAL
    condition: bool = False
    shelved_until: float | None = None


@dataclass(frozen=True)
class Step:
    """The machine after an event, and whether the event is reported (False: ignored)."""

    machine: Machine
    emitted: bool


def step(machine: Machine, event: Event, shelved_until: float | None = None) -> Step:
    """Apply `event`; `shelved_until` is the end of a timed shelve (None: one-shot), used by SHELVE only."""
    after = _TRANSITIONS[event](machine, shelved_until)
    return Step(after, event is Event.COMMENT or after != machine)


def expire(machine: Machine, now: float) -> Step:
    """Unshelve when a timed shelve has run out at `now`; otherwise nothing happens."""
    if machine.state is State.SHELVED and machine.shelved_until is not None and now >= machine.shelved_until:
        return step(machine, Event.UNSHELVE)
    return Step(machine, False)


def _hidden(machine: Machine) -> bool:
    return machine.state in (State.SHELVED, State.OUT_OF_SERVICE)


def _back_in_view(condition: bool) -> Machine:
    """Where an alarm lands when unshelved or returned to service."""
    return Machine(State.UNACK, True) if condition else Machine()


def _activate(m: Machine, _until: float | None) -> Machine:
    if _hidden(m):
        return replace(m, condition=True)
    return Machine(State.UNACK, True) if m.state in (State.NORMAL, State.RTN_UNACK) else m


def _return(m: Machine, _until: float | None) -> Machine:
    if m.state is State.SHELVED and m.condition and m.shelved_until is None:
        return Machine()  # one-shot shelve ends on return to normal
    if _hidden(m):
        return replace(m, condition=False)
    return {State.UNACK: Machine(State.RTN_UNACK), State.ACKED: Machine()}.get(m.state, m)


def _acknowledge(m: Machine, _until: float | None) -> Machine:
    return {State.UNACK: Machine(State.ACKED, True), State.RTN_UNACK: Machine()}.get(m.state, m)


def _shelve(m: Machine, until: float | None) -> Machine:
    return m if _hidden(m) else Machine(State.SHELVED, m.condition, until)


def _unshelve(m: Machine, _until: float | None) -> Machine:
    return _back_in_view(m.condition) if m.state is State.SHELVED else m


def _remove_from_service(m: Machine, _until: float | None) -> Machine:
    return m if m.state is State.OUT_OF_SERVICE else Machine(State.OUT_OF_SERVICE, m.condition)


def _return_to_service(m: Machine, _until: float | None) -> Machine:
    return _back_in_view(m.condition) if m.state is State.OUT_OF_SERVICE else m


def _comment(m: Machine, _until: float | None) -> Machine:
    return m


_TRANSITIONS: dict[Event, Callable[[Machine, float | None], Machine]] = {
    Event.ACTIVATE: _activate,
    Event.RETURN: _return,
    Event.ACKNOWLEDGE: _acknowledge,
    Event.SHELVE: _shelve,
    Event.UNSHELVE: _unshelve,
    Event.REMOVE_FROM_SERVICE: _remove_from_service,
    Event.RETURN_TO_SERVICE: _return_to_service,
    Event.COMMENT: _comment,
}
