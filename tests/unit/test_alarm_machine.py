"""The pure alarm state machine on every (state, event) pair, plus shelve expiry and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.edge.alarms.machine import Event, Machine, State, expire, step

SHELVE_UNTIL = 50.0

# Every configuration a machine can be in (shelved and out of service with the condition on or off,
# shelved timed or one-shot), by short name.
M = {
    "normal": Machine(),
    "unack": Machine(State.UNACK, True),
    "acked": Machine(State.ACKED, True),
    "rtn-unack": Machine(State.RTN_UNACK, False),
    "shelved-timed-on": Machine(State.SHELVED, True, 100.0),
    "shelved-timed-off": Machine(State.SHELVED, False, 100.0),
    "shelved-1shot-on": Machine(State.SHELVED, True, None),
    "shelved-1shot-off": Machine(State.SHELVED, False, None),
    "oos-on": Machine(State.OUT_OF_SERVICE, True),
    "oos-off": Machine(State.OUT_OF_SERVICE, False),
    "new-shelved-on": Machine(State.SHELVED, True, SHELVE_UNTIL),
    "new-shelved-off": Machine(State.SHELVED, False, SHELVE_UNTIL),
}
A, R, K, S, U, X, T, C = (Event.ACTIVATE, Event.RETURN, Event.ACKNOWLEDGE, Event.SHELVE, Event.UNSHELVE,
                          Event.REMOVE_FROM_SERVICE, Event.RETURN_TO_SERVICE, Event.COMMENT)
IGNORED = "ignored"

# (state, event, next state, notification): "emitted" or "ignored".
TABLE = [
    ("normal", A, "unack", "emitted"), ("normal", R, "normal", IGNORED), ("normal", K, "normal", IGNORED),
    ("normal", S, "new-shelved-off", "emitted"), ("normal", U, "normal", IGNORED), ("normal", X, "oos-off", "emitted"),
    ("normal", T, "normal", IGNORED), ("normal", C, "normal", "emitted"),

    ("unack", A, "unack", IGNORED), ("unack", R, "rtn-unack", "emitted"), ("unack", K, "acked", "emitted"),
    ("unack", S, "new-shelved-on", "emitted"), ("unack", U, "unack", IGNORED), ("unack", X, "oos-on", "emitted"),
    ("unack", T, "unack", IGNORED), ("unack", C, "unack", "emitted"),

    ("acked", A, "acked", IGNORED), ("acked", R, "normal", "emitted"), ("acked", K, "acked", IGNORED),
    ("acked", S, "new-shelved-on", "emitted"), ("acked", U, "acked", IGNORED), ("acked", X, "oos-on", "emitted"),
    ("acked", T, "acked", IGNORED), ("acked", C, "acked", "emitted"),

    ("rtn-unack", A, "unack", "emitted"), ("rtn-unack", R, "rtn-unack", IGNORED), ("rtn-unack", K, "normal", "emitted"),
    ("rtn-unack", S, "new-shelved-off", "emitted"), ("rtn-unack", U, "rtn-unack", IGNORED),
    ("rtn-unack", X, "oos-off", "emitted"), ("rtn-unack", T, "rtn-unack", IGNORED),
    ("rtn-unack", C, "rtn-unack", "emitted"),

    ("shelved-timed-on", A, "shelved-timed-on", IGNORED), ("shelved-timed-on", R, "shelved-timed-off", "emitted"),
    ("shelved-timed-on", K, "shelved-timed-on", IGNORED), ("shelved-timed-on", S, "shelved-timed-on", IGNORED),
    ("shelved-timed-on", U, "unack", "emitted"), ("shelved-timed-on", X, "oos-on", "emitted"),
    ("shelved-timed-on", T, "shelved-timed-on", IGNORED), ("shelved-timed-on", C, "shelved-timed-on", "emitted"),

    ("shelved-timed-off", A, "shelved-timed-on", "emitted"), ("shelved-timed-off", R, "shelved-timed-off", IGNORED),
    ("shelved-timed-off", K, "shelved-timed-off", IGNORED), ("shelved-timed-off", S, "shelved-timed-off", IGNORED),
    ("shelved-timed-off", U, "normal", "emitted"), ("shelved-timed-off", X, "oos-off", "emitted"),
    ("shelved-timed-off", T, "shelved-timed-off", IGNORED), ("shelved-timed-off", C, "shelved-timed-off", "emitted"),

    ("shelved-1shot-on", A, "shelved-1shot-on", IGNORED), ("shelved-1shot-on", R, "normal", "emitted"),
    ("shelved-1shot-on", K, "shelved-1shot-on", IGNORED), ("shelved-1shot-on", S, "shelved-1shot-on", IGNORED),
    ("shelved-1shot-on", U, "unack", "emitted"), ("shelved-1shot-on", X, "oos-on", "emitted"),
    ("shelved-1shot-on", T, "shelved-1shot-on", IGNORED), ("shelved-1shot-on", C, "shelved-1shot-on", "emitted"),

    ("shelved-1shot-off", A, "shelved-1shot-on", "emitted"), ("shelved-1shot-off", R, "shelved-1shot-off", IGNORED),
    ("shelved-1shot-off", K, "shelved-1shot-off", IGNORED), ("shelved-1shot-off", S, "shelved-1shot-off", IGNORED),
    ("shelved-1shot-off", U, "normal", "emitted"), ("shelved-1shot-off", X, "oos-off", "emitted"),
    ("shelved-1shot-off", T, "shelved-1shot-off", IGNORED), ("shelved-1shot-off", C, "shelved-1shot-off", "emitted"),

    ("oos-on", A, "oos-on", IGNORED), ("oos-on", R, "oos-off", "emitted"), ("oos-on", K, "oos-on", IGNORED),
    ("oos-on", S, "oos-on", IGNORED), ("oos-on", U, "oos-on", IGNORED), ("oos-on", X, "oos-on", IGNORED),
    ("oos-on", T, "unack", "emitted"), ("oos-on", C, "oos-on", "emitted"),

    ("oos-off", A, "oos-on", "emitted"), ("oos-off", R, "oos-off", IGNORED), ("oos-off", K, "oos-off", IGNORED),
    ("oos-off", S, "oos-off", IGNORED), ("oos-off", U, "oos-off", IGNORED), ("oos-off", X, "oos-off", IGNORED),
    ("oos-off", T, "normal", "emitted"), ("oos-off", C, "oos-off", "emitted"),
]
STARTS = [name for name in M if not name.startswith("new-")]


def test_the_table_covers_every_state_and_event_pair():
    pairs = [(start, event) for start, event, _, _ in TABLE]
    assert sorted(pairs) == sorted((start, event) for start in STARTS for event in Event)
    assert {M[start].state for start in STARTS} == set(State)


@pytest.mark.parametrize(("start", "event", "after", "notification"), TABLE,
                         ids=[f"{start}-{event}" for start, event, _, _ in TABLE])
def test_transition(start, event, after, notification):
    result = step(M[start], event, SHELVE_UNTIL if event is Event.SHELVE else None)
    assert result.machine == M[after]
    assert ("emitted" if result.emitted else IGNORED) == notification


def test_one_shot_shelve_ends_when_the_condition_returns():
    shelved = step(M["unack"], Event.SHELVE).machine
    assert shelved == M["shelved-1shot-on"]
    assert step(shelved, Event.RETURN).machine == M["normal"]


@pytest.mark.parametrize(("start", "now", "after", "emitted"), [
    ("shelved-timed-on", 99.9, "shelved-timed-on", False),
    ("shelved-timed-on", 100.0, "unack", True),
    ("shelved-timed-off", 150.0, "normal", True),
    ("shelved-1shot-on", 1e12, "shelved-1shot-on", False),
    ("unack", 1e12, "unack", False),
    ("oos-on", 1e12, "oos-on", False),
])
def test_timed_shelve_expires_at_its_end_only(start, now, after, emitted):
    result = expire(M[start], now)
    assert (result.machine, result.emitted) == (M[after], emitted)


@given(st.lists(st.sampled_from(list(Event)), max_size=40))
def test_any_event_sequence_keeps_state_and_condition_consistent(events):
    machine = Machine()
    for event in events:
        result = step(machine, event, SHELVE_UNTIL)
        assert result.emitted == (event is Event.COMMENT or result.machine != machine)
        machine = result.machine
        if machine.state in (State.UNACK, State.ACKED):
            assert machine.condition
        if machine.state in (State.NORMAL, State.RTN_UNACK):
            assert not machine.condition
        if machine.state is not State.SHELVED:
            assert machine.shelved_until is None
