"""Reconnect backoff and retry gate (sans-IO): bounds, growth, jitter, reset."""

from __future__ import annotations

import random

import pytest

from smarthall.devices.backoff import Backoff, RetryGate


def test_delays_start_at_min_double_and_stay_within_max():
    backoff = Backoff(0.5, 10, random.Random(1))
    delays = [backoff.next_delay() for _ in range(200)]
    assert delays[0] == 0.5
    assert all(0.5 <= d <= 10 for d in delays)
    for n, delay in enumerate(delays[:5]):
        step = min(10, 0.5 * 2 ** n)
        assert max(0.5, step / 2) <= delay <= step
    assert min(delays[10:]) >= 5


def test_delays_are_jittered():
    a, b = Backoff(1, 60, random.Random(1)), Backoff(1, 60, random.Random(2))
    assert [a.next_delay() for _ in range(6)][1:] != [b.next_delay() for _ in range(6)][1:]


def test_reset_starts_again_from_min():
    backoff = Backoff(0.1, 5, random.Random(0))
    for _ in range(10):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.1


@pytest.mark.parametrize(("low", "high"), [(0, 1), (2, 1), (-1, 1)])
def test_bad_bounds_are_refused(low, high):
    with pytest.raises(ValueError, match="0 < min <= max"):
        Backoff(low, high)


def test_gate_waits_after_each_failure_and_opens_after_success():
    gate = RetryGate(Backoff(1, 8, random.Random(3)))
    assert gate.ready(0)
    first = gate.failed(100)
    assert first == 101 and not gate.ready(100.99) and gate.ready(101)
    second = gate.failed(101)
    assert 102 <= second <= 103
    gate.succeeded()
    assert gate.ready(101) and gate.failed(200) == 201
