"""The pacer's substeps: a faster time scale never steps the plant more than one tick at once."""

from __future__ import annotations

import pytest

from smarthall.simulators.clock import Pacer


@pytest.mark.parametrize(("scale", "expected"), [
    (1.0, [0.01]), (0.5, [0.005]), (3.0, [0.01, 0.01, 0.01]), (2.5, [0.025 / 3] * 3),
])
def test_advance_splits_a_scaled_tick_into_substeps(scale, expected):
    steps: list[float] = []
    Pacer(steps.append, tick=0.01, time_scale=scale).advance()
    assert steps == pytest.approx(expected)


def test_time_scale_is_bounded():
    pacer = Pacer(lambda dt: None)
    pacer.set_time_scale(100)
    with pytest.raises(ValueError, match="expected 0.1..100, got 150"):
        pacer.set_time_scale(150)
    assert pacer.time_scale == 100
