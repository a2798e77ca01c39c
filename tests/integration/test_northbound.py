"""The northbound OPC UA server against the running simulated line, through asyncua clients.

The simulated line's users file (lines/sim-users.toml) documents its passwords: each user's is their name.
"""

from __future__ import annotations

import pytest
from asyncua import Client, ua
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from cryptography.x509.oid import ExtendedKeyUsageOID

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line, read_alarms
from smarthall.edge.northbound.units import unit_id
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.opcua_abuse import claim_a_huge_body
from tests.waiting import until

NAMESPACE = "urn:smarthall:edge:sim"


@pytest.fixture
async def line(tmp_path):
    async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"), time_scale=5)) as running:
        yield running


def served(line, tmp_path, **northbound):
    """The simulated line's agent, to serve on a free port with its pki in tmp_path."""
    config = load_line(DEFAULT_LINE, {
        **line.line_overrides(), "historian": {"path": str(tmp_path / "history.db"), "flush_s": 0.1},
        "vision": {"camera": {"source": line.camera.stream_url}, "archive": {"path": str(tmp_path / "images")}},
        "northbound": {"port": 0, "pki": str(tmp_path / "pki"), **northbound}})
    return EdgeAgent(config)


@pytest.fixture
async def agent(line, tmp_path):
    running = served(line, tmp_path)
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
        assert set(stations) == {"feeder", "conveyor", "fieldbus", "process", "vision", "Alarms", "Health"}
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


async def test_each_connections_health_is_a_variable_under_the_line(agent, line):
    async with Client(agent.northbound.endpoint_url) as client:
        idx = await client.get_namespace_index(NAMESPACE)
        health = await client.nodes.objects.get_child([f"{idx}:sim", f"{idx}:Health"])
        assert {(await c.read_browse_name()).Name for c in await health.get_children()} == {
            "feeder", "conveyor", "fieldbus", "process"}
        conveyor = await health.get_child(f"{idx}:conveyor")
        assert {(await v.read_browse_name()).Name for v in await conveyor.get_children()} == {
            "Connected", "Cycles", "Overruns", "JitterP99", "BadReadings", "Violations", "LostChanges", "LastError",
            "LastGood"}

        async def figure(connection: str, name: str):  # None until the first update
            node = client.get_node(ua.NodeId(f"health:{connection}.{name}", idx))
            return (await node.read_data_value(raise_on_bad_status=False)).Value.Value

        cycles = await until(lambda: figure("conveyor", "Cycles"))
        await until(lambda: _more(figure("conveyor", "Cycles"), cycles))  # kept current while the agent scans
        assert await figure("conveyor", "Connected") is True and await figure("conveyor", "LastError") == ""
        assert await figure("conveyor", "JitterP99") >= 0 and await figure("conveyor", "LastGood") is not None
        assert await figure("conveyor", "Violations") == 0 and await figure("process", "LostChanges") == 0
        line.plant.inject_fault("feeder", "offline")
        await until(lambda: _false(figure("feeder", "Connected")), timeout=30)
        assert await until(lambda: figure("feeder", "LastError"))  # its tags' BAD reason, once they turned BAD
        assert await figure("feeder", "BadReadings") > 0
        assert await figure("conveyor", "Connected") is True


async def _more(figure, than: int) -> bool:
    return await figure > than


async def _false(figure) -> bool:
    return await figure is False


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


def signed_in(agent, name: str, password: str | None = None) -> Client:
    client = Client(agent.northbound.endpoint_url)
    client.set_user(name)
    client.set_password(name if password is None else password)
    return client


async def write(client: Client, tag: str, value, vtype: ua.VariantType) -> str:
    """The status name a write of value to tag is answered with."""
    idx = await client.get_namespace_index(NAMESPACE)
    node = ua.WriteValue(NodeId=ua.NodeId(tag, idx), AttributeId=ua.AttributeIds.Value,
                         Value=ua.DataValue(ua.Variant(value, vtype)))
    [status] = await client.uaclient.write(ua.WriteParameters(NodesToWrite=[node]))
    return status.name


async def test_writes_are_checked_against_the_signed_in_users_role_and_audited(agent, line):
    await until(lambda: agent.latest.get("conveyor.speed_setpoint"))
    async with signed_in(agent, "kim") as kim:  # trainee of team1: the conveyor's operating controls
        assert await write(kim, "conveyor.speed_setpoint", 320, ua.VariantType.UInt16) == "Good"
        assert await write(kim, "feeder.auto_feed", True, ua.VariantType.Boolean) == "BadUserAccessDenied"
        assert await write(kim, "conveyor.divert_pulse_ms", 250, ua.VariantType.UInt16) == "BadUserAccessDenied"
    async with signed_in(agent, "guest") as guest:  # observer
        assert await write(guest, "conveyor.speed_setpoint", 100, ua.VariantType.UInt16) == "BadUserAccessDenied"
    async with Client(agent.northbound.endpoint_url) as anonymous:  # the users file's anonymous: observer
        assert await write(anonymous, "conveyor.speed_setpoint", 100, ua.VariantType.UInt16) == "BadUserAccessDenied"
    async with signed_in(agent, "teacher") as teacher:  # instructor
        assert await write(teacher, "process.setpoint", 130.0, ua.VariantType.Double) == "Good"
        assert await write(teacher, "conveyor.speed_setpoint", 900, ua.VariantType.UInt16) == "BadOutOfRange"
        assert await write(teacher, "conveyor.parts_good", 1, ua.VariantType.UInt16) == "BadNotWritable"
        assert await write(teacher, "conveyor.motor_run", "on", ua.VariantType.String) == "BadTypeMismatch"
        assert await write(teacher, "process.kp", 2.0, ua.VariantType.Double) == "BadUserAccessDenied"  # configure
    assert line.plant.read("conveyor", "speed_setpoint") == 320
    assert line.plant.read("process", "setpoint") == pytest.approx(130)
    log = [(e.user, e.tag, e.result.split(":")[0]) for e in agent.write_log.entries()]
    assert log == [("kim", "conveyor.speed_setpoint", "ok"), ("kim", "feeder.auto_feed", "refused"),
                   ("kim", "conveyor.divert_pulse_ms", "refused"), ("guest", "conveyor.speed_setpoint", "refused"),
                   ("anonymous", "conveyor.speed_setpoint", "refused"), ("teacher", "process.setpoint", "ok"),
                   ("teacher", "conveyor.speed_setpoint", "rejected"), ("teacher", "conveyor.parts_good", "rejected"),
                   ("teacher", "conveyor.motor_run", "rejected"), ("teacher", "process.kp", "refused")]


async def test_a_wrong_password_is_refused(agent):
    with pytest.raises(ua.UaStatusCodeError, match="BadUserAccessDenied"):
        async with signed_in(agent, "kim", "not-kim"):
            pass
    with pytest.raises(ua.UaStatusCodeError, match="BadUserAccessDenied"):
        async with signed_in(agent, "nobody"):
            pass


async def test_methods_are_called_through_the_agent_for_the_user(agent, line):
    async with signed_in(agent, "teacher") as teacher:
        idx = await teacher.get_namespace_index(NAMESPACE)
        station = teacher.get_node(ua.NodeId("process", idx))
        start = ua.NodeId("process.StartBatch", idx)
        await station.call_method(start, ua.Variant(120.0, ua.VariantType.Double), ua.Variant(600, ua.VariantType.UInt32))
        await until(lambda: line.plant.read("process", "batch_state") == 1)
        with pytest.raises(ua.UaStatusCodeError, match="BadInvalidArgument"):
            await station.call_method(ua.NodeId("process.AbortBatch", idx), ua.Variant(1, ua.VariantType.UInt32))
    async with signed_in(agent, "kim") as kim:  # team1 operates the conveyor, not the process station
        with pytest.raises(ua.UaStatusCodeError, match="BadUserAccessDenied"):
            await kim.get_node(ua.NodeId("process", idx)).call_method(ua.NodeId("process.AbortBatch", idx))
    assert line.plant.read("process", "batch_state") == 1
    log = [(e.user, e.tag, e.result.split(":")[0]) for e in agent.write_log.entries()]
    assert log == [("teacher", "process.StartBatch", "ok"), ("teacher", "process.AbortBatch", "rejected"),
                   ("kim", "process.AbortBatch", "refused")]


class Events:
    def __init__(self) -> None:
        self.seen: list = []

    def event_notification(self, event) -> None:
        self.seen.append(event)

    def of(self, condition: str, **fields) -> list:
        return [e for e in self.seen if getattr(e, "ConditionName", None) == condition
                and all(getattr(e, k, None) == v for k, v in fields.items())]


async def test_an_alarm_is_an_event_acknowledged_by_an_instructor_not_an_observer(agent, line):
    events = Events()
    async with signed_in(agent, "teacher") as teacher, signed_in(agent, "guest") as guest:
        subscription = await teacher.create_subscription(50, events)
        await subscription.subscribe_events(teacher.nodes.server, ua.ObjectIds.OffNormalAlarmType)
        line.plant.inject_fault("conveyor", "estop")
        raised = (await until(lambda: events.of("conveyor.estop", **{"ActiveState/Id": True})))[-1]
        assert getattr(raised, "AckedState/Id") is False and raised.Retain is True and raised.Severity == 1000
        assert raised.SourceName == "conveyor.estop_ok" and "emergency stop pressed" in raised.Message.Text
        condition = raised.NodeId
        acknowledge = ua.NodeId(ua.ObjectIds.AcknowledgeableConditionType_Acknowledge)
        comment = ua.Variant(ua.LocalizedText("checked the button"), ua.VariantType.LocalizedText)
        with pytest.raises(ua.UaStatusCodeError, match="BadUserAccessDenied"):
            await guest.get_node(condition).call_method(acknowledge, ua.Variant(raised.EventId, ua.VariantType.ByteString),
                                                        comment)
        with pytest.raises(ua.UaStatusCodeError, match="BadEventIdUnknown"):
            await teacher.get_node(condition).call_method(acknowledge, ua.Variant(b"old", ua.VariantType.ByteString),
                                                          comment)
        await teacher.get_node(condition).call_method(acknowledge, ua.Variant(raised.EventId, ua.VariantType.ByteString),
                                                      comment)
        acked = (await until(lambda: events.of("conveyor.estop", **{"AckedState/Id": True})))[-1]
        assert acked.ClientUserId == "teacher" and acked.Comment.Text == "checked the button"
        await subscription.delete()
    assert agent.alarms.state("conveyor.estop").state.value == "active-acknowledged"
    log = [(e.user, e.tag, e.result.split(":")[0]) for e in agent.write_log.entries()]
    assert log == [("guest", "alarm conveyor.estop", "refused"), ("teacher", "alarm conveyor.estop", "ok")]


RUNNING = """
[[alarms]]
id = "conveyor.running"
tag = "conveyor.motor_running"
kind = "discrete"
value = true
ko = "벨트가 돕니다"
en = "belt running"
"""


async def test_an_alarm_loaded_while_serving_is_a_condition_and_its_events_follow(agent):
    events = Events()
    async with signed_in(agent, "teacher") as teacher:
        subscription = await teacher.create_subscription(50, events)
        await subscription.subscribe_events(teacher.nodes.server, ua.ObjectIds.OffNormalAlarmType)
        assert await agent.load_alarms(read_alarms(RUNNING, "run.toml", agent.config.tags)) == ["conveyor.running"]
        idx = await teacher.get_namespace_index(NAMESPACE)
        condition = teacher.get_node(ua.NodeId("alarm:conveyor.running", idx))
        assert await until(lambda: _browse_name(condition), timeout=30) == "conveyor.running"
        alarms = await (await teacher.nodes.objects.get_child(f"{idx}:sim")).get_child(f"{idx}:Alarms")
        assert condition in await alarms.get_children()
        await agent.write("conveyor.motor_run", True)
        raised = (await until(lambda: events.of("conveyor.running", **{"ActiveState/Id": True}), timeout=30))[-1]
        assert raised.SourceName == "conveyor.motor_running" and "belt running" in raised.Message.Text
        assert raised.NodeId == ua.NodeId("alarm:conveyor.running", idx)
        await subscription.delete()


async def _browse_name(node) -> str | None:
    """The node's browse name, None while it does not exist."""
    try:
        return (await node.read_browse_name()).Name
    except ua.UaStatusCodeError:
        return None


async def test_a_message_claiming_a_huge_body_closes_the_connection_and_the_server_answers(agent):
    """The bounds of the simulated servers (devices/opcua/server_limits) hold for the edge's own server too."""
    await claim_a_huge_body(agent.northbound.endpoint_url)  # TimeoutError while the server keeps reading
    async with Client(agent.northbound.endpoint_url) as client:
        assert (await until(lambda: value_of(client, "conveyor.speed_setpoint"))).StatusCode.is_good()


async def test_anonymous_can_be_turned_off(line, tmp_path):
    agent = served(line, tmp_path, anonymous=False)
    await agent.start(serve=True)
    try:
        with pytest.raises(ua.UaStatusCodeError, match="BadIdentityTokenRejected"):
            async with Client(agent.northbound.endpoint_url):
                pass
        async with signed_in(agent, "guest") as guest:
            assert (await value_of(guest, "feeder.magazine_count")).StatusCode.is_good() is not None
    finally:
        await agent.close()


async def test_sign_and_encrypt_with_a_trusted_client_certificate_and_a_username(agent, tmp_path):
    key, cert = tmp_path / "client-key.pem", tmp_path / "client-cert.der"
    uri = "urn:smarthall:test:client"
    await setup_self_signed_certificate(key, cert, uri, "localhost", [ExtendedKeyUsageOID.CLIENT_AUTH],
                                        {"commonName": "test client"})
    policy = f"Basic256Sha256,SignAndEncrypt,{cert},{key}"
    untrusted = signed_in(agent, "teacher")
    untrusted.application_uri = uri
    await untrusted.set_security_string(policy)
    with pytest.raises(ua.UaStatusCodeError, match="BadCertificateUntrusted"):
        async with untrusted:
            pass
    [rejected] = (tmp_path / "pki" / "rejected").iterdir()  # the refused certificate, to be moved to trusted/
    rejected.rename(tmp_path / "pki" / "trusted" / rejected.name)
    client = signed_in(agent, "teacher")
    client.application_uri = uri
    await client.set_security_string(policy)
    async with client:
        assert client.security_policy.Mode == ua.MessageSecurityMode.SignAndEncrypt
        assert await write(client, "process.setpoint", 90.0, ua.VariantType.Double) == "Good"
    assert agent.write_log.entries()[-1].user == "teacher"
