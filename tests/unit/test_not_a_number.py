"""A device that sends NaN or infinity (a float register's, or an OPC UA variable's, "no measurement") gives a BAD
value with no number, and the client API answers every request, even one whose answer it cannot encode."""

from __future__ import annotations

import functools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.memory import MemoryDriver
from smarthall.devices.quality import AllGood, Quality, Reading
from smarthall.edge import service
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.errors import AgentError
from smarthall.edge.scan import good_block, good_tag_values, to_tag_value
from smarthall.edge.service import served
from smarthall.edge.tags import BlockLayout

LINE = """
[line]
name = "meters"
ko = "계량기 라인"
en = "meters line"

[historian]
path = "history.db"

[northbound]
enabled = false

[[connections]]
name = "fieldbus"
profile = "fieldbus"
serial = "/dev/null"

[[scan_groups]]
name = "meters"
rate_ms = 50
tags = ["*"]
"""
METERS = {"energy.feeder.voltage": math.nan, "energy.feeder.current": math.inf, "energy.feeder.power_kw": 0.25}


@pytest.fixture
async def agent(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(LINE, encoding="utf-8")
    config = load_line(path)
    async with EdgeAgent(config, tmp_path / "history.db", drivers=lambda c: MemoryDriver(METERS)) as agent:
        yield agent


async def test_nan_and_infinity_are_bad_without_a_number_and_the_read_is_answered(agent):
    async with served(agent) as client:
        voltage, current, power = await client.read(list(METERS), fresh=True)
    assert (voltage.value, voltage.quality) == (None, Quality.BAD) and voltage.reason.startswith("not a number")
    assert (current.value, current.quality) == (None, Quality.BAD) and "inf" in current.reason
    assert (power.value, power.quality) == (0.25, Quality.GOOD)


async def test_an_answer_the_wire_cannot_carry_comes_back_as_an_error(agent, monkeypatch):
    async def no_number(session, request):
        return math.nan

    monkeypatch.setitem(service._OPS, "health", no_number)
    async with served(agent) as client:
        with pytest.raises(AgentError):
            await client.health()
        assert (await client.read(["energy.feeder.power_kw"]))[0].value == 0.25  # the session goes on


def test_a_batch_read_whole_and_good_makes_nan_and_infinity_bad_too():
    """The scan's one-pass path from a driver's bare values (ReadsValues) checks each float as to_tag_value does."""
    tags = [load_line().tags[name] for name in METERS]
    values = [METERS[t.name] for t in tags]
    made = good_tag_values(tags, AllGood(values, 12.5))
    assert made == [to_tag_value(t, Reading(v, Quality.GOOD, 12.5)) for t, v in zip(tags, values, strict=True)]
    assert [v.quality for v in made] == [Quality.BAD if math.isnan(v) or math.isinf(v) else Quality.GOOD for v in values]


@functools.cache
def shipped_tags() -> list:
    return list(load_line().tags.values())


def finite_number(value) -> bool:
    """A number a float holds, and finite."""
    try:
        return not isinstance(value, str) and math.isfinite(value)
    except OverflowError:
        return False


@given(st.lists(st.one_of(st.integers(), st.sampled_from([2**1024, -2**1100]), st.floats(), st.booleans(),
                          st.text(max_size=3)), max_size=30))
def test_a_batch_read_whole_and_good_makes_what_to_tag_value_makes(values):
    """Both ways of a batch read whole and GOOD (a block when every value is a finite number, checked in C passes;
    else value by value): every value as to_tag_value makes it, whatever mix of ints (beyond a float too), floats,
    NaN, bools and strings."""
    known = shipped_tags()
    tags = [known[i % len(known)] for i in range(len(values))]
    layout = BlockLayout(tuple(t.name for t in tags), tuple(t.unit for t in tags), (0.0,) * len(tags))
    expected = [to_tag_value(t, Reading(v, Quality.GOOD, 7.5)) for t, v in zip(tags, values, strict=True)]
    block = good_block(layout, AllGood(values, 7.5))
    assert (block is not None) == all(map(finite_number, values))
    assert good_tag_values(tags, AllGood(values, 7.5)) == expected
    if block is not None:
        assert block.tag_values() == expected
        assert [block.tag_value(t.name) for t in tags] == [expected[layout.position[t.name]] for t in tags]
