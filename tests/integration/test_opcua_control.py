"""Sim control over OPC UA on loopback: faults reach the process station, bad requests get Bad statuses."""

from __future__ import annotations

import json

import pytest
from asyncua import Client, Node, ua

from smarthall.devices.profiles import load_profile
from smarthall.simulators.opcua import ProcessStationServer, SimControlServer
from smarthall.simulators.opcua.control_server import NAMESPACE, OBJECT
from smarthall.simulators.plant import Plant

WAIT_S = 2.0


@pytest.fixture
def plant() -> Plant:
    return Plant()


@pytest.fixture
def time_scales() -> list[float]:
    return []


@pytest.fixture
async def control(plant, time_scales):
    server = SimControlServer(plant, on_time_scale=time_scales.append, endpoint="opc.tcp://127.0.0.1:0")
    try:
        await server.start()
        yield server
    finally:
        await server.close()


@pytest.fixture
async def sim(control):
    client = Client(control.endpoint_url, timeout=WAIT_S)
    await client.connect()
    try:
        yield client
    finally:
        await client.disconnect()


@pytest.fixture
async def station(plant):
    server = ProcessStationServer(plant, load_profile("process"), endpoint="opc.tcp://127.0.0.1:0")
    try:
        await server.start()
        yield server
    finally:
        await server.close()


async def control_object(client: Client) -> Node:
    ns = await client.get_namespace_index(NAMESPACE)
    return await client.nodes.objects.get_child(f"{ns}:{OBJECT}")


async def call(client: Client, method: str, *args: object):
    ns = await client.get_namespace_index(NAMESPACE)
    return await (await control_object(client)).call_method(f"{ns}:{method}", *args)


async def call_raw(client: Client, method: str, *args: ua.Variant) -> ua.CallMethodResult:
    """The whole CallMethodResult, with per-argument results and diagnostics."""
    obj = await control_object(client)
    ns = await client.get_namespace_index(NAMESPACE)
    node = await obj.get_child(f"{ns}:{method}")
    [result] = await client.uaclient.call([ua.CallMethodRequest(ObjectId=obj.nodeid, MethodId=node.nodeid,
                                                                InputArguments=list(args))])
    return result


async def variable(client: Client, name: str) -> object:
    ns = await client.get_namespace_index(NAMESPACE)
    return await (await (await control_object(client)).get_child(f"{ns}:{name}")).read_value()


async def test_thermocouple_open_gives_bad_sensor_failure_until_clear_faults(sim, station, plant):
    fault_id = await call(sim, "InjectFault", "process", "thermocouple_open", "")
    await station.sync()
    async with Client(station.endpoint_url, timeout=WAIT_S) as client:
        ns = await client.get_namespace_index("urn:smarthall:process")
        temperature = await client.nodes.objects.get_child([f"{ns}:ProcessStation", f"{ns}:Temperature"])
        value = await temperature.read_data_value(raise_on_bad_status=False)
        assert value.StatusCode.value == ua.StatusCodes.BadSensorFailure
        assert json.loads(await variable(sim, "ActiveFaults")) == [
            {"id": fault_id, "target": "process", "kind": "thermocouple_open", "params": {}}]
        await call(sim, "ClearFaults")
        await station.sync()
        assert await temperature.read_value() == pytest.approx(plant.read("process", "temperature"))
    assert json.loads(await variable(sim, "ActiveFaults")) == []


async def test_inject_fault_checks_kind_and_params_json(sim, plant):
    result = await call_raw(sim, "InjectFault", ua.Variant("conveyor"), ua.Variant("meltdown"), ua.Variant(""))
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidArgument
    assert "meltdown" in result.InputArgumentDiagnosticInfos[1].AdditionalInfo
    with pytest.raises(ua.uaerrors.BadInvalidArgument):
        await call(sim, "InjectFault", "conveyor", "meltdown", "")
    result = await call_raw(sim, "InjectFault", ua.Variant("process"), ua.Variant("latency"), ua.Variant("{ms: 5"))
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidArgument
    assert result.InputArgumentResults[2].value == ua.StatusCodes.BadInvalidArgument
    assert "params_json" in result.InputArgumentDiagnosticInfos[2].AdditionalInfo
    assert plant.active_faults == ()
    fault_id = await call(sim, "InjectFault", "process", "latency", '{"ms": 250}')
    assert plant.fault("process", "latency").params["ms"] == 250
    assert json.loads(await variable(sim, "ActiveFaults"))[0]["id"] == fault_id


async def test_load_magazine_refills_and_negative_count_is_out_of_range(sim, plant):
    await call(sim, "LoadMagazine", ua.Variant(7, ua.VariantType.UInt32), 0.0)
    assert plant.read("feeder", "magazine_count") == 7
    result = await call_raw(sim, "LoadMagazine", ua.Variant(-5), ua.Variant(0.1))
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidArgument
    assert result.InputArgumentResults[0].value == ua.StatusCodes.BadOutOfRange
    assert plant.read("feeder", "magazine_count") == 7


async def test_set_time_scale_calls_back_within_range(sim, time_scales):
    await call(sim, "SetTimeScale", 10.0)
    assert time_scales == [10.0]
    assert await variable(sim, "TimeScale") == 10.0
    with pytest.raises(ua.uaerrors.BadInvalidArgument):
        await call(sim, "SetTimeScale", 1000.0)
    assert time_scales == [10.0]


async def test_recent_parts_and_sim_time_follow_the_plant_read_only(sim, control, plant):
    plant.write("feeder", "feed", True)
    plant.run_for(2)
    await control.sync()
    [part] = json.loads(await variable(sim, "RecentParts"))
    truth = plant.recent_parts[0]
    assert part == {"id": truth.id, "color": truth.color, "defect": truth.defect, "outcome": truth.outcome,
                    "uninspected": truth.uninspected}
    assert await variable(sim, "SimTime") == pytest.approx(2.0)
    await call(sim, "Reset")
    assert await variable(sim, "SimTime") == 0.0
    assert json.loads(await variable(sim, "RecentParts")) == []
    ns = await sim.get_namespace_index(NAMESPACE)
    with pytest.raises(ua.uaerrors.BadNotWritable):
        await (await (await control_object(sim)).get_child(f"{ns}:SimTime")).write_value(5.0)
