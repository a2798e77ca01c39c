"""The northbound OPC UA server against the running simulated line, through an asyncua client."""

from __future__ import annotations

import pytest
from asyncua import Client, ua

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.northbound.units import unit_id
from smarthall.simulators.line import SimOptions, SimulatedLine
from tests.waiting import until

FREE_PORTS = {"feeder_port": 0, "conveyor_port": 0, "process_port": 0, "control_port": 0, "camera_port": 0}
NAMESPACE = "urn:smarthall:edge:sim"


@pytest.fixture
async def line(tmp_path):
    async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"), time_scale=5)) as running:
        yield running


@pytest.fixture
async def agent(line, tmp_path):
    """The simulated line's agent, serving on a free port."""
    config = load_line(DEFAULT_LINE, {
        **line.line_overrides(), "historian": {"path": str(tmp_path / "history.db"), "flush_s": 0.1},
        "vision": {"camera": {"source": line.camera.stream_url}, "archive": {"path": str(tmp_path / "images")}},
        "northbound": {"port": 0, "pki": str(tmp_path / "pki")}})
    running = EdgeAgent(config)
    await running.start(serve=True)
    try:
        yield running
    finally:
        await running.close()


async def value_of(client: Client, tag: str) -> ua.DataValue:
    idx = await client.get_namespace_index(NAMESPACE)
    return await client.get_node(ua.NodeId(tag, idx)).read_data_value(raise_on_bad_status=False)


async def test_the_line_is_browsed_as_stations_with_tags_units_and_ranges(agent):
    async with Client(agent.northbound.endpoint_url) as client:
        idx = await client.get_namespace_index(NAMESPACE)
        line = await client.nodes.objects.get_child(f"{idx}:sim")
        stations = {(await s.read_browse_name()).Name: s for s in await line.get_children()}
        assert set(stations) == {"feeder", "conveyor", "fieldbus", "process", "vision"}
        bus = {(await d.read_browse_name()).Name for d in await stations["fieldbus"].get_children()}
        assert bus == {"ambient", "vibration", "energy.feeder", "energy.conveyor", "energy.vision", "energy.process"}
        speed = await stations["conveyor"].get_child(f"{idx}:speed_setpoint")
        assert speed.nodeid == ua.NodeId("conveyor.speed_setpoint", idx)
        good = await until(lambda: value_of(client, "conveyor.speed_setpoint"))
        assert good.Value.Value == 200 and good.StatusCode.is_good() and good.SourceTimestamp is not None
        span = await (await speed.get_child("0:EURange")).read_value()
        assert (span.Low, span.High) == (0, 500)
        assert ua.AccessLevel.CurrentWrite in await speed.get_access_level()
        temperature = client.get_node(ua.NodeId("ambient.temperature", idx))
        units = await (await temperature.get_child("0:EngineeringUnits")).read_value()
        assert (units.UnitId, units.DisplayName.Text) == (unit_id("CEL"), "°C")
        assert (await temperature.read_data_type_as_variant_type()) is ua.VariantType.Double  # 0.1 °C register, scaled
        assert ua.AccessLevel.CurrentWrite not in await temperature.get_access_level()
        start = await stations["process"].get_child(f"{idx}:StartBatch")
        assert await start.read_node_class() is ua.NodeClass.Method


async def test_bad_values_carry_their_reason_as_status_code(agent, line):
    async with Client(agent.northbound.endpoint_url) as client:
        await until(lambda: agent.latest.get("process.temperature"))
        line.plant.inject_fault("process", "thermocouple_open")
        broken = await until(lambda: _with_status(client, "process.temperature", "BadSensorFailure"))
        assert broken.Value.Value is None
        line.plant.inject_fault("conveyor", "offline")
        lost = await until(lambda: _with_status(client, "conveyor.speed_actual", "BadNotConnected", "BadTimeout"))
        assert lost.Value.Value is None
        assert (await value_of(client, "feeder.magazine_count")).StatusCode.is_good()


async def _with_status(client: Client, tag: str, *names: str) -> ua.DataValue | None:
    value = await value_of(client, tag)
    return value if value.StatusCode.name in names else None


async def test_a_subscription_receives_every_change(agent):
    seen: list = []

    class Handler:
        def datachange_notification(self, node, value, data) -> None:
            seen.append(value)

    async with Client(agent.northbound.endpoint_url) as client:
        idx = await client.get_namespace_index(NAMESPACE)
        subscription = await client.create_subscription(50, Handler())
        await subscription.subscribe_data_change(client.get_node(ua.NodeId("conveyor.speed_setpoint", idx)))
        await until(lambda: 200 in seen)
        for speed in (250, 300, 350):  # each read back by the scan before the next
            await agent.write("conveyor.speed_setpoint", speed)
            await until(lambda speed=speed: agent.latest["conveyor.speed_setpoint"].value == speed)
        await until(lambda: seen[-1] == 350)
        await subscription.delete()
    assert [v for v in seen if v != 200] == [250, 300, 350]
