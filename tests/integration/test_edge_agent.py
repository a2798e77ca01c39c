"""The edge agent against the running simulated line: every tag, writes, history, faults."""

from __future__ import annotations

import time

import pytest

from smarthall.devices.errors import CallFailed
from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.errors import CallRejected, WriteRejected
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.waiting import until

QUICK_CAMERA = {"open_timeout": 1.0, "read_timeout": 0.5, "stall_s": 0.5, "backoff_min": 0.05, "backoff_max": 0.3}


def config_for(line: SimulatedLine, tmp_path, scan_ms: int | None = None):
    """lines/sim.toml pointed at a simulated line on free ports (its camera too, noticed lost within 0.5 s),
    history and images in tmp_path, optionally faster groups."""
    text = DEFAULT_LINE.read_text(encoding="utf-8")
    if scan_ms:
        text = text.replace("rate_ms = 100", f"rate_ms = {scan_ms}").replace("rate_ms = 1000", f"rate_ms = {scan_ms}")
    path = tmp_path / "line.toml"
    path.write_text(text, encoding="utf-8")
    return load_line(path, {**line.line_overrides(), "historian": {"path": str(tmp_path / "history.db"), "flush_s": 0.1},
                            "vision": {"camera": {"source": line.camera.stream_url, **QUICK_CAMERA},
                                       "archive": {"path": str(tmp_path / "images")}}})


@pytest.fixture
async def line(tmp_path):
    async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"), time_scale=5)) as running:
        yield running


async def test_every_tag_reads_good_over_tcp_rtu_and_opcua(line, tmp_path):
    config = config_for(line, tmp_path)
    agent = EdgeAgent(config)
    await agent.start(scan=False)
    try:
        values = await agent.read(config.tags)
    finally:
        await agent.close()
    bad = [(v.tag, v.reason) for v in values if v.quality is not Quality.GOOD and not config.tags[v.tag].derived]
    assert not bad
    derived = [v for v in values if config.tags[v.tag].derived]  # not scanning: no vision loop, nothing recorded
    assert derived and all(v.quality is Quality.BAD and v.reason.startswith("no value yet") for v in derived)
    by_tag = {v.tag: v.value for v in values}
    assert by_tag["feeder.magazine_count"] == 50
    assert by_tag["energy.vision.voltage"] == pytest.approx(220, abs=15)
    assert by_tag["conveyor.speed_setpoint"] == 200
    assert 0 < by_tag["process.temperature"] < 60
    assert {v.unit for v in values if v.tag == "ambient.temperature"} == {"°C"}


async def test_writes_reach_the_plant_and_are_logged(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path))
    await agent.start(scan=False)
    try:
        await agent.write("conveyor.speed_setpoint", 350, user="trainee1")
        await agent.write("process.setpoint", 120.5, user="trainee1")
        with pytest.raises(WriteRejected, match=r"conveyor.speed_setpoint: 900 is outside 0..500"):
            await agent.write("conveyor.speed_setpoint", 900, user="trainee1")
        with pytest.raises(WriteRejected, match="read-only"):
            await agent.write("conveyor.parts_good", 0)
        log = agent.write_log.entries()
    finally:
        await agent.close()
    assert line.plant.read("conveyor", "speed_setpoint") == 350
    assert line.plant.read("process", "setpoint") == pytest.approx(120.5)
    assert [(e.user, e.tag, e.new, e.result.split(":")[0]) for e in log] == [
        ("trainee1", "conveyor.speed_setpoint", 350, "ok"), ("trainee1", "process.setpoint", 120.5, "ok"),
        ("trainee1", "conveyor.speed_setpoint", 900, "rejected"), ("edge", "conveyor.parts_good", 0, "rejected")]


async def test_method_calls_reach_the_process_station_and_are_logged(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path))
    await agent.start()
    try:
        with pytest.raises(CallRejected, match=r"takes 2 arguments \(setpoint: float64, soak_s: uint32\), got 1"):
            await agent.call("process.StartBatch", [120], user="trainee1")
        with pytest.raises(CallRejected, match="argument soak_s is a uint32, got 1.5"):
            await agent.call("process.StartBatch", [120, 1.5], user="trainee1")
        await agent.call("process.StartBatch", [120, 600], user="trainee1")
        await until(lambda: "process.batch_state" in agent.latest and agent.latest["process.batch_state"].value == 1)
        with pytest.raises(CallFailed, match="BadInvalidState"):  # a batch is already running
            await agent.call("process.StartBatch", [120, 600], user="trainee1")
        await agent.call("process.AbortBatch", user="trainee1")
        await until(lambda: agent.latest["process.batch_state"].value == 5)
        log = agent.write_log.entries()
    finally:
        await agent.close()
    assert [(e.tag, e.new, e.result.split(":")[0]) for e in log] == [
        ("process.StartBatch", [120], "rejected"), ("process.StartBatch", [120, 1.5], "rejected"),
        ("process.StartBatch", [120, 600], "ok"), ("process.StartBatch", [120, 600], "failed"),
        ("process.AbortBatch", [], "ok")]


async def test_a_parts_trip_from_feeder_to_bin_is_in_the_history(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path, scan_ms=20))
    await agent.start()
    try:
        await agent.write("conveyor.speed_setpoint", 100)  # in the camera field for 0.4 s of plant time
        await agent.write("conveyor.motor_run", True)
        await agent.write("feeder.feed", True)
        binned = ("conveyor.parts_good", "conveyor.parts_rejected")
        await until(lambda: sum(getattr(agent.latest.get(t), "value", 0) for t in binned) == 1)
        agent.historian.flush()
        since = time.time() - 60
        at_camera = [v.value for v in agent.historian.history("conveyor.part_at_camera", since)]
        counted = [agent.historian.history(t, since)[-1].value for t in binned]
        dispensed = [v.value for v in agent.historian.history("feeder.last_part_id", since)]
    finally:
        await agent.close()
    assert dispensed[-1] == 1
    assert 1 in at_camera and at_camera[-1] == 0
    assert sorted(counted) == [0, 1]  # in the good bin or the reject bin, as the vision loop (or fail-safe) decided


async def test_plc_offline_then_back_shows_bad_quality_in_history(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path, scan_ms=50))
    await agent.start()
    try:
        await until(lambda: (v := agent.latest.get("conveyor.speed_setpoint")) and v.quality is Quality.GOOD)
        fault = line.plant.inject_fault("conveyor", "offline")
        await until(lambda: agent.latest["conveyor.speed_setpoint"].quality is Quality.BAD)
        assert agent.latest["feeder.magazine_count"].quality is Quality.GOOD  # the other PLC is not slowed
        line.plant.clear_fault(fault.id)
        bound = config_for(line, tmp_path).connection("conveyor").timeouts.backoff_max + 5
        await until(lambda: agent.latest["conveyor.speed_setpoint"].quality is Quality.GOOD, timeout=bound)
        agent.historian.flush()
        stored = agent.historian.history("conveyor.speed_setpoint", time.time() - 120)
    finally:
        await agent.close()
    qualities = [v.quality for v in stored]
    runs = [q for i, q in enumerate(qualities) if i == 0 or q != qualities[i - 1]]
    assert runs == [Quality.GOOD, Quality.BAD, Quality.GOOD]  # the gap is recorded as bad, not as silence
    assert all(v.reason for v in stored if v.quality is Quality.BAD)


async def test_thermocouple_open_is_bad_not_a_number(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path))
    await agent.start()
    try:
        await until(lambda: (v := agent.latest.get("process.temperature")) and v.quality is Quality.GOOD)
        line.plant.inject_fault("process", "thermocouple_open")
        value = await until(lambda: (v := agent.latest["process.temperature"]).quality is Quality.BAD and v)
    finally:
        await agent.close()
    assert value.value is None and "SensorFailure" in value.reason


async def test_crc_noise_on_the_rtu_bus_gives_bad_readings_then_recovers(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path, scan_ms=50))
    await agent.start()
    try:
        await until(lambda: (v := agent.latest.get("ambient.temperature")) and v.quality is Quality.GOOD)
        fault = line.plant.inject_fault("fieldbus", "crc_noise", {"fraction": 1.0})
        await until(lambda: agent.latest["ambient.temperature"].quality is Quality.BAD)
        line.plant.clear_fault(fault.id)
        await until(lambda: agent.latest["ambient.temperature"].quality is Quality.GOOD)
    finally:
        await agent.close()


async def test_alarm_raised_and_acknowledged_is_stored(line, tmp_path):
    agent = EdgeAgent(config_for(line, tmp_path, scan_ms=50))
    await agent.start()
    try:
        line.plant.inject_fault("conveyor", "estop")
        await until(lambda: any(s.spec.id == "conveyor.estop" for s in agent.alarms.active()))
        agent.operate("ack", "conveyor.estop", "instructor", "checked the mushroom button")
        agent.historian.flush()
        events = [(e.alarm_id, e.state.value) for e in agent.historian.alarm_events()]
    finally:
        await agent.close()
    assert ("conveyor.estop", "active-unacknowledged") in events
    assert ("conveyor.estop", "active-acknowledged") in events
