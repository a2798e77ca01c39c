"""The edge agent runs the vision reject loop from lines/sim.toml's [vision] on the running simulated line.

The simulated camera serves 15 frames/s, so the plant runs at 2x where frames
matter (a part at 200 mm/s is in the camera field for 100 ms of wall time: one
or two frames) and faster where none are needed (camera offline).
"""

from __future__ import annotations

import contextlib

import pytest

from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.errors import WriteRejected
from smarthall.simulators.line import SimOptions, SimulatedLine
from tests.integration.test_edge_agent import FREE_PORTS, config_for
from tests.waiting import until

CAMERA_LOST = "vision.camera_lost"


@contextlib.asynccontextmanager
async def running(tmp_path, time_scale: float):
    """The simulated line and an edge agent scanning it with vision on, once the camera delivers frames."""
    options = SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"), seed=4, time_scale=time_scale)
    async with SimulatedLine(options) as line:
        agent = EdgeAgent(config_for(line, tmp_path))
        await agent.start()
        try:
            await until(lambda: value(agent, "vision.camera_ok") is True)
            yield line, agent
        finally:
            await agent.close()


def value(agent: EdgeAgent, tag: str):
    latest = agent.latest.get(tag)
    return None if latest is None else latest.value


def binned(line: SimulatedLine) -> list:
    return [p for p in line.plant.recent_parts if p.outcome is not None]


async def run_parts(line: SimulatedLine, agent: EdgeAgent, parts: int, defect_rate: float) -> list:
    """Feed `parts` parts through the edge at 200 mm/s, 500 ms apart; the binned parts once all are binned."""
    line.plant.load_magazine(parts, defect_rate)
    await agent.write("feeder.feed_interval_ms", 500)
    await agent.write("conveyor.motor_run", True)
    await agent.write("feeder.auto_feed", True)
    await until(lambda: len(binned(line)) == parts, timeout=20 + 5 * parts / line.options.time_scale)
    return binned(line)


def assert_counts_match_the_plant(line: SimulatedLine, agent: EdgeAgent, parts: int) -> None:
    """Every part got a verdict in time and the PLC sorted as the edge said."""
    plant = line.plant
    assert plant.read("conveyor", "parts_uninspected") == 0
    assert value(agent, "vision.no_frame") == 0
    assert value(agent, "vision.inspected") == parts
    assert value(agent, "vision.passed") == plant.read("conveyor", "parts_good")
    assert value(agent, "vision.failed") == plant.read("conveyor", "parts_rejected")


async def test_parts_flow_the_agent_decides_and_its_counters_match_the_truth(tmp_path):
    parts = 3
    async with running(tmp_path, time_scale=2.0) as (line, agent):
        assert [value(agent, f"vision.{c}") for c in ("inspected", "passed", "failed", "no_frame")] == [0, 0, 0, 0]
        truth = await run_parts(line, agent, parts, defect_rate=0.5)
        good = sum(p.defect is None for p in truth)
        assert 0 < good < parts  # the seed gives both kinds
        assert_counts_match_the_plant(line, agent, parts)
        assert value(agent, "vision.passed") == good
        assert all(p.outcome == ("good" if p.defect is None else "reject") for p in truth), truth
        read = {v.tag: v for v in await agent.read(["vision.inspected", "vision.last_part", "conveyor.parts_in"])}
        assert read["vision.inspected"].value == parts and read["vision.inspected"].quality is Quality.GOOD
        assert read["vision.last_part"].value == truth[-1].id
        with pytest.raises(WriteRejected, match="vision.inspected is computed by the edge"):
            await agent.write("vision.inspected", 0)
        assert agent.alarms.state(CAMERA_LOST).state.value == "normal"
        assert {v.value for v in agent.historian.history("vision.last_verdict", 0)} == {"pass", "fail"}
        assert 38 < value(agent, "vision.diameter_mm") < 42 or truth[-1].defect == "wrong_diameter"
    assert len(list((tmp_path / "images").glob("*-fail.jpg"))) == parts - good


async def test_camera_offline_parts_are_rejected_fail_safe_the_alarm_rises_and_clears(tmp_path):
    parts = 2
    async with running(tmp_path, time_scale=4.0) as (line, agent):
        fault = line.plant.inject_fault("camera", "camera_offline")
        await until(lambda: value(agent, "vision.camera_ok") is False)
        assert agent.latest["vision.camera_ok"].quality is Quality.GOOD and agent.latest["vision.camera_ok"].reason
        assert agent.alarms.state(CAMERA_LOST).state.value == "active-unacknowledged"
        agent.operate("ack", CAMERA_LOST, "instructor", "camera cable")
        await run_parts(line, agent, parts, defect_rate=0.0)
        assert line.plant.read("conveyor", "parts_uninspected") == parts
        assert line.plant.read("conveyor", "parts_rejected") == parts
        assert value(agent, "vision.no_frame") == parts and value(agent, "vision.inspected") == 0
        assert value(agent, "vision.last_verdict") == "none"
        line.plant.clear_fault(fault.id)
        await until(lambda: value(agent, "vision.camera_ok") is True)  # the loop lived through it and says so
        assert agent.alarms.state(CAMERA_LOST).state.value == "normal"


@pytest.mark.parametrize("fault", ["dim_light", "blur"])
async def test_optics_faults_on_the_running_line_still_give_verdicts_the_plc_follows(tmp_path, fault):
    parts = 3
    async with running(tmp_path, time_scale=2.0) as (line, agent):
        line.plant.inject_fault("camera", fault)
        truth = await run_parts(line, agent, parts, defect_rate=0.5)
        assert_counts_match_the_plant(line, agent, parts)
        assert value(agent, "vision.camera_ok") is True
        # thresholds relative to the belt make dim light harmless; blur (sigma 3) only adds scratch findings on
        # parts already defective (`smarthall inspect evaluate --condition blur`): every verdict is right
        assert [p.outcome for p in truth] == ["good" if p.defect is None else "reject" for p in truth]
