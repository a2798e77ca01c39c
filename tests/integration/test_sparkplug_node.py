"""The line as a Sparkplug B edge node through a real Mosquitto (shipped config and ACL) to a test host."""

from __future__ import annotations

import time

import pytest

from smarthall.edge.config import read_alarms
from smarthall.edge.sparkplug import payloads
from smarthall.edge.sparkplug.sparkplug_b_pb2 import DataType, Payload
from smarthall.edge.users import hash_password
from tests.sparkplug_host import CONVEYOR, FEEDER, Host, line_file, start_agent
from tests.waiting import until

pytestmark = pytest.mark.debian("mosquitto_passwd")


def metrics_by_name(received) -> dict[str, Payload.Metric]:
    return {m.name: m for r in received for m in r.payload.metrics}


async def test_birth_data_and_death_through_mosquitto(tmp_path, broker, plant_ports):
    plant, feeder_port, conveyor_port = plant_ports
    async with Host(broker) as host:
        agent = await start_agent(line_file(tmp_path, broker, feeder_port, conveyor_port))
        try:
            await until(lambda: len(host.of("DBIRTH")) == 2)
            plant.write("conveyor", "speed_setpoint", 321)
            await until(lambda: any(m.alias == speed.alias and m.int_value == 321
                                    for r in host.of("DDATA") for m in r.payload.metrics)
                        if (speed := metrics_by_name(host.of("DBIRTH")).get("conveyor/speed_setpoint")) else False)
        finally:
            await agent.close()
        await until(lambda: host.of("NDEATH"))
    nbirth, = host.of("NBIRTH")
    assert nbirth.topic == "spBv1.0/hall1/NBIRTH/line1"
    assert nbirth.payload.seq == 0
    node = {m.name: m for m in nbirth.payload.metrics}
    assert node["bdSeq"].datatype == DataType.Int64
    assert node[payloads.REBIRTH].boolean_value is False
    assert {r.device for r in host.of("DBIRTH")} == {"feeder", "conveyor"}
    births = metrics_by_name(host.of("DBIRTH"))
    assert len(births) == len(CONVEYOR.points) + len(FEEDER.points)
    assert len({m.alias for m in births.values()} | {node[payloads.REBIRTH].alias}) == len(births) + 1
    speed = births["conveyor/speed_setpoint"]
    props = dict(zip(speed.properties.keys, speed.properties.values))
    assert speed.datatype == DataType.UInt16
    assert props["engUnit"].string_value == "mm/s"
    assert (props["engLow"].double_value, props["engHigh"].double_value) == (0, 500)
    assert props["readOnly"].boolean_value is False
    assert props["Quality"].int_value == (0 if speed.is_null else 192)  # BAD until the first scan has read it
    data = [m for r in host.of("DDATA") for m in r.payload.metrics]
    assert data and all(not m.name and m.alias for m in data)  # aliases only after the birth
    sequence = [r.payload.seq for r in host.received if r.verb in ("NBIRTH", "DBIRTH", "DDATA", "NDATA")]
    assert sequence == [n % 256 for n in range(len(sequence))]
    death = host.of("NDEATH")[-1]
    assert payloads.bd_seq_of(death.raw) == payloads.bd_seq_of(nbirth.raw)


async def test_rebirth_on_ncmd_and_bdseq_on_the_next_connect(tmp_path, broker, plant_ports):
    _, feeder_port, conveyor_port = plant_ports
    path = line_file(tmp_path, broker, feeder_port, conveyor_port)
    async with Host(broker) as host:
        agent = await start_agent(path)
        try:
            await until(lambda: len(host.of("DBIRTH")) == 2)
            request = Payload(timestamp=int(time.time() * 1000))
            request.metrics.add(name=payloads.REBIRTH, datatype=DataType.Boolean, boolean_value=True)
            await host.command("spBv1.0/hall1/NCMD/line1", request)
            await until(lambda: len(host.of("NBIRTH")) == 2 and len(host.of("DBIRTH")) == 4)
        finally:
            await agent.close()
        agent = await start_agent(path)
        try:
            await until(lambda: len(host.of("NBIRTH")) == 3)
        finally:
            await agent.close()
    first, rebirth, restarted = (payloads.bd_seq_of(r.raw) for r in host.of("NBIRTH"))
    assert rebirth == first  # the same MQTT session: the will still carries that bdSeq
    assert restarted == (first + 1) % 256
    assert [r.payload.seq for r in host.of("NBIRTH")] == [0, 0, 0]


def historical_values(host: Host, alias: int) -> list:
    return [m.int_value for r in host.of("DDATA") for m in r.payload.metrics if m.alias == alias and m.is_historical]


def store_pending(host: Host, node) -> list[int]:
    return [m.long_value for r in host.of("NBIRTH", "NDATA") for m in r.payload.metrics
            if m.alias == node.node_metrics.pending]


SETPOINT_HI = """
[[alarms]]
id = "conveyor.setpoint.hi"
tag = "conveyor.speed_setpoint"
kind = "hi"
limit = 400
ko = "벨트 설정 속도 높음"
en = "belt set too fast"
"""


async def test_an_alarm_loaded_while_live_comes_in_a_new_birth_and_its_changes_follow(tmp_path, broker, plant_ports):
    plant, feeder_port, conveyor_port = plant_ports
    async with Host(broker) as host:
        agent = await start_agent(line_file(tmp_path, broker, feeder_port, conveyor_port))
        try:
            await until(lambda: len(host.of("DBIRTH")) == 2)
            assert await agent.load_alarms(read_alarms(SETPOINT_HI, "fast.toml", agent.config.tags)) == [
                "conveyor.setpoint.hi"]
            await until(lambda: len(host.of("NBIRTH")) == 2)
            first, second = ({m.name: m for m in r.payload.metrics} for r in host.of("NBIRTH"))
            state = second["Alarms/conveyor.setpoint.hi/State"]
            assert "Alarms/conveyor.setpoint.hi/State" not in first and state.string_value == "normal"
            plant.write("conveyor", "speed_setpoint", 450)
            await until(lambda: any(m.alias == state.alias and m.string_value == "active-unacknowledged"
                                    for r in host.of("NDATA") for m in r.payload.metrics), timeout=30)
        finally:
            await agent.close()


async def test_primary_host_state_decides_when_the_node_is_live(tmp_path, broker, plant_ports):
    _, feeder_port, conveyor_port = plant_ports
    agent = await start_agent(line_file(tmp_path, broker, feeder_port, conveyor_port, 'primary_host = "centre"'))
    try:
        async with Host(broker) as host:
            await until(lambda: agent.sparkplug.connected)
            await host.state(True, 1000)
            await until(lambda: len(host.of("DBIRTH")) == 2)
            await host.state(False, 2000)  # the centre went away: NDEATH, reconnect, wait for it
            await until(lambda: host.of("NDEATH") and agent.sparkplug.connected and agent.sparkplug.sessions == 2)
            await host.state(True, 1500)  # older than the offline one: not the centre's latest word
            await host.state(True, 3000)
            await until(lambda: len(host.of("NBIRTH")) == 2)
    finally:
        await agent.close()
    order = [(r.verb, r.raw) for r in host.received if r.verb in ("STATE", "NBIRTH", "NDEATH")]
    states = [payloads.state(True, 1000), payloads.state(False, 2000), payloads.state(True, 1500),
              payloads.state(True, 3000)]
    assert [v if v != "STATE" else states.index(raw) for v, raw in order] == [0, "NBIRTH", 1, "NDEATH", 2, 3, "NBIRTH"]


async def test_broker_outage_keeps_every_change_and_sends_it_after_as_historical(tmp_path, broker, plant_ports):
    plant, feeder_port, conveyor_port = plant_ports
    path = line_file(tmp_path, broker, feeder_port, conveyor_port,
                     'primary_host = "centre"\n[mqtt.store]\ndrain_per_s = 20')
    agent = await start_agent(path)
    node = agent.sparkplug
    alias = node.specs["conveyor.speed_setpoint"].alias
    try:
        async with Host(broker) as host:
            await host.state(True, 1000)
            await until(lambda: len(host.of("DBIRTH")) == 2)
        await broker.stop()
        await until(lambda: not node.connected)
        for speed in range(1, 31):
            plant.write("conveyor", "speed_setpoint", speed)
            await until(lambda: node.latest["conveyor.speed_setpoint"].value == speed)  # noqa: B023
        assert node.store.pending >= 30
        await broker.start()
        async with Host(broker) as host:
            await until(lambda: node.connected)
            await host.state(True, 2000)
            await until(lambda: len(host.of("DBIRTH")) == 2)
            plant.write("conveyor", "speed_setpoint", 444)
            await until(lambda: historical_values(host, alias)[-1:] == [30], timeout=20)
            await until(lambda: store_pending(host, node)[-1:] == [0])  # the centre is told the backlog is gone
    finally:
        await agent.close()
    resent, outage = [], []
    for value in historical_values(host, alias):
        (outage if outage or value == 1 else resent).append(value)
    assert set(resent) <= {200}  # sent live just before the broker went: sent again (at-least-once)
    assert outage == list(range(1, 31))  # nothing lost, in order
    live = [i for i, r in enumerate(host.received) if r.verb == "DDATA"
            for m in r.payload.metrics if m.alias == alias and not m.is_historical and m.int_value == 444]
    last_historical = max(i for i, r in enumerate(host.received) if r.verb == "DDATA"
                          and any(m.is_historical for m in r.payload.metrics))
    assert live and live[0] < last_historical  # live data did not wait for the backlog
    assert max(store_pending(host, node)) >= 30


@pytest.mark.parametrize(("role", "applied"), [("trainee", False), ("instructor", True)])
async def test_a_dcmd_write_is_made_with_the_command_users_role_and_logged(tmp_path, broker, plant_ports, role, applied):
    plant, feeder_port, conveyor_port = plant_ports
    (tmp_path / "users.toml").write_text(f"""
[teams.feeders]
stations = ["feeder"]
[[users]]
name = "centre"
role = "{role}"
{'team = "feeders"' if role == "trainee" else ""}
password = "{hash_password('centre-secret')}"
""", encoding="utf-8")
    path = line_file(tmp_path, broker, feeder_port, conveyor_port, 'command_user = "centre"\n[users]\nfile = "users.toml"')
    agent = await start_agent(path)
    try:
        async with Host(broker) as host:
            await until(lambda: len(host.of("DBIRTH")) == 2)
            command = Payload(timestamp=int(time.time() * 1000))
            command.metrics.add(alias=agent.sparkplug.specs["conveyor.speed_setpoint"].alias, datatype=DataType.UInt16,
                                int_value=345)
            await host.command("spBv1.0/hall1/DCMD/line1/conveyor", command)
            await until(lambda: agent.write_log.entries())
        entry, = agent.write_log.entries()
    finally:
        await agent.close()
    assert (entry.user, entry.tag, entry.new) == ("centre", "conveyor.speed_setpoint", 345)
    if applied:
        assert entry.result == "ok" and plant.read("conveyor", "speed_setpoint") == 345
    else:
        assert entry.result.startswith("refused: centre (team feeders) operates feeder, not conveyor")
        assert plant.read("conveyor", "speed_setpoint") == 200
