"""The simulated process station over OPC UA on loopback, with a real Plant and asyncua Client."""

from __future__ import annotations

import asyncio
import logging

import pytest
from asyncua import Client, Node, ua

from smarthall.devices.opcua import server_limits as limits
from smarthall.devices.peer_log import PeerLog
from smarthall.devices.profiles import load_profile
from smarthall.simulators.opcua import ProcessStationServer
from smarthall.simulators.plant import Plant
from tests.opcua_abuse import chunk, claim_a_huge_body, hello, host_port
from tests.waiting import until

PROFILE = load_profile("process")
DEVICE = PROFILE.device("process")
NAMESPACE = str(PROFILE.transport["namespace"])
WAIT_S = 2.0


@pytest.fixture
def plant() -> Plant:
    return Plant()


@pytest.fixture
async def station(plant):
    server = ProcessStationServer(plant, PROFILE, endpoint="opc.tcp://127.0.0.1:0")
    try:
        await server.start()
        yield server
    finally:
        await server.close()


@pytest.fixture
async def client(station):
    client = Client(station.endpoint_url, timeout=WAIT_S)
    await client.connect()
    try:
        yield client
    finally:
        await client.disconnect()


async def station_object(client: Client) -> Node:
    ns = await client.get_namespace_index(NAMESPACE)
    return await client.nodes.objects.get_child(f"{ns}:{DEVICE.object}")


async def child(client: Client, name: str) -> Node:
    ns = await client.get_namespace_index(NAMESPACE)
    return await (await station_object(client)).get_child(f"{ns}:{name}")


class Inbox:
    """Subscription handler collecting data changes and events into queues."""

    def __init__(self) -> None:
        self.changes: asyncio.Queue = asyncio.Queue()
        self.events: asyncio.Queue = asyncio.Queue()

    def datachange_notification(self, node, value, data) -> None:
        self.changes.put_nowait(value)

    def event_notification(self, event) -> None:
        self.events.put_nowait(event)


@pytest.fixture
async def inbox(client):
    handler = Inbox()
    subscription = await client.create_subscription(20, handler)
    try:
        yield handler, subscription
    finally:
        await subscription.delete()


async def next_item(queue: asyncio.Queue, accept=lambda item: True):
    """The next queued item that accept() takes, within WAIT_S."""
    async with asyncio.timeout(WAIT_S):
        while not accept(item := await queue.get()):
            pass
        return item


async def test_browse_finds_every_profile_node_with_type_access_range_and_units(client, plant):
    names = {(await n.read_browse_name()).Name: n for n in await (await station_object(client)).get_children()}
    for point in DEVICE.points:
        node = names[point.node]
        assert (await node.read_data_type_as_variant_type()).name == {"float64": "Double", "uint16": "UInt16",
                                                                      "uint32": "UInt32"}[point.type]
        writable = ua.AccessLevel.CurrentWrite in await node.get_access_level()
        assert writable == point.writable, point.name
        assert await node.read_value() == pytest.approx(plant.read("process", point.name))
    for method in DEVICE.methods:
        assert await names[method.name].read_node_class() == ua.NodeClass.Method
    assert await (await names["Setpoint"].get_child("0:EURange")).read_value() == ua.Range(20, 250)
    units = await (await names["Setpoint"].get_child("0:EngineeringUnits")).read_value()
    assert units.DisplayName.Text == "°C"


async def test_writes_are_checked_against_the_profile_before_the_plant(client, plant):
    setpoint = await child(client, "Setpoint")
    await setpoint.write_value(180.0)
    assert (await setpoint.read_value(), plant.read("process", "setpoint")) == (180.0, 180.0)
    with pytest.raises(ua.uaerrors.BadOutOfRange):
        await setpoint.write_value(300.0)
    with pytest.raises(ua.uaerrors.BadTypeMismatch):
        await setpoint.write_value("hot", ua.VariantType.String)
    assert (await setpoint.read_value(), plant.read("process", "setpoint")) == (180.0, 180.0)
    with pytest.raises(ua.uaerrors.BadNotWritable):
        await (await child(client, "Temperature")).write_value(50.0)


async def test_heater_output_in_auto_mode_is_invalid_state_until_manual(client, plant):
    mode, heater = await child(client, "Mode"), await child(client, "HeaterOutput")
    await mode.write_value(1, ua.VariantType.UInt16)
    with pytest.raises(ua.uaerrors.BadInvalidState):
        await heater.write_value(40.0)
    assert plant.read("process", "heater_output") == 0
    await mode.write_value(0, ua.VariantType.UInt16)
    await heater.write_value(40.0)
    assert plant.read("process", "heater_output") == 40.0


async def test_start_batch_heats_then_abort_batch_aborts(client, station, plant):
    obj, state = await station_object(client), await child(client, "BatchState")
    ns = await client.get_namespace_index(NAMESPACE)
    await obj.call_method(f"{ns}:StartBatch", 120.0, ua.Variant(30, ua.VariantType.UInt32))
    plant.run_for(5)
    await station.sync()
    assert await state.read_value() == 1
    assert plant.read("process", "heater_output") > 0
    with pytest.raises(ua.uaerrors.BadInvalidState):  # busy
        await obj.call_method(f"{ns}:StartBatch", 120.0, ua.Variant(30, ua.VariantType.UInt32))
    await obj.call_method(f"{ns}:AbortBatch")
    assert await state.read_value() == 5


async def test_start_batch_bad_arguments_name_the_argument(client, plant):
    obj, method = await station_object(client), await child(client, "StartBatch")
    request = ua.CallMethodRequest(ObjectId=obj.nodeid, MethodId=method.nodeid,
                                   InputArguments=[ua.Variant(400.0), ua.Variant(10, ua.VariantType.UInt32)])
    [result] = await client.uaclient.call([request])
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidArgument
    assert result.InputArgumentResults[0].value == ua.StatusCodes.BadOutOfRange
    assert "setpoint" in result.InputArgumentDiagnosticInfos[0].AdditionalInfo
    request.InputArguments = [ua.Variant(100.0)]
    [result] = await client.uaclient.call([request])
    assert result.StatusCode.value == ua.StatusCodes.BadArgumentsMissing
    assert plant.read("process", "batch_state") == 0


async def test_temperature_subscription_receives_changes(client, station, plant, inbox):
    handler, subscription = inbox
    await subscription.subscribe_data_change(await child(client, "Temperature"))
    first = await next_item(handler.changes)
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100.0)
    plant.run_for(20)
    await station.sync()
    assert await next_item(handler.changes) > first


async def test_over_temperature_alarm_event_on_both_edges(client, station, plant, inbox):
    handler, subscription = inbox
    await subscription.subscribe_events(await station_object(client),
                                        client.get_node(ua.ObjectIds.ExclusiveLevelAlarmType))
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100.0)
    while not plant.over_temperature and plant.now < 600:
        plant.step(1.0)
    await station.sync()
    raised = await next_item(handler.events)
    assert (raised.Severity, getattr(raised, "ActiveState/Id"), raised.Retain) == (800, True, True)
    assert "OverTemperature" in raised.Message.Text
    plant.write("process", "heater_output", 0.0)
    while plant.over_temperature and plant.now < 700:
        plant.step(1.0)
    await station.sync()
    cleared = await next_item(handler.events)
    assert (cleared.Severity, getattr(cleared, "ActiveState/Id"), cleared.Retain) == (200, False, False)


async def test_offline_fault_drops_clients_until_cleared(client, station, plant):
    plant.inject_fault("process", "offline")
    await station.sync()
    with pytest.raises((ConnectionError, OSError, ua.UaError, TimeoutError)):
        await (await child(client, "Temperature")).read_value()
    with pytest.raises(OSError):
        async with Client(station.endpoint_url, timeout=WAIT_S):
            pass
    plant.clear_faults()
    await station.sync()
    async with Client(station.endpoint_url, timeout=WAIT_S) as again:
        assert await (await child(again, "Setpoint")).read_value() == plant.read("process", "setpoint")


async def test_latency_fault_delays_reads_until_cleared(client, station, plant):
    setpoint = await child(client, "Setpoint")
    plant.inject_fault("process", "latency", {"ms": 500})
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(setpoint.read_value(), 0.1)
    plant.clear_faults()
    assert await setpoint.read_value() == plant.read("process", "setpoint")


async def flood(url: str, source: str, client: Client) -> None:
    """Chunks for a secure channel that does not exist from source, until the server read them all."""
    temperature = await child(client, "Temperature")
    _reader, writer = await asyncio.open_connection(*host_port(url), local_addr=(source, 0))
    writer.write(hello(url) + chunk(0x1234, 8192) * 100)
    await writer.drain()
    assert isinstance(await temperature.read_value(), float)
    writer.close()
    await writer.wait_closed()


@pytest.fixture
def fresh_peer_log(monkeypatch):
    """The OPC UA servers' bad-input log with no peer seen yet (it is one per process)."""
    monkeypatch.setattr(limits, "_BAD_INPUT", PeerLog(logging.getLogger(limits.__name__), "OPC UA server"))


async def test_a_chunk_flood_leaves_the_server_answering_and_its_log_one_line_per_peer(station, client, caplog,
                                                                                        fresh_peer_log):
    with caplog.at_level(logging.INFO, "asyncua"):
        for source in ("127.0.0.2",) * 5 + ("127.0.0.3",):
            await flood(station.endpoint_url, source, client)
        assert isinstance(await (await child(client, "Temperature")).read_value(), float)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in loud if r.exc_info]
    assert [r.getMessage().split(":")[1] for r in loud if "peer 127.0.0." in r.getMessage()] == [
        " peer 127.0.0.2", " peer 127.0.0.3"]  # five connections of one peer: one line


async def test_the_collector_sees_asyncuas_connections_come_and_go(station):
    """Fails loudly when asyncua renames the transport list the collector counts."""
    server = station._ua.server
    collector = limits.Collector(server)
    visitor = Client(station.endpoint_url, timeout=WAIT_S)
    await visitor.connect()
    try:
        assert limits.connections(server) == 1 and not collector.check()
    finally:
        await visitor.disconnect()
    await until(lambda: limits.connections(server) == 0)
    assert collector.check() and not collector.check()


async def test_a_message_claiming_a_huge_body_closes_the_connection_and_the_server_answers(station, client):
    """Also fails loudly when asyncua's protocol no longer keeps its unread bytes in `_buffer`."""
    await claim_a_huge_body(station.endpoint_url)
    assert isinstance(await (await child(client, "Temperature")).read_value(), float)
