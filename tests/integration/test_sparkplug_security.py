"""Sparkplug over a signed-in, access-controlled and encrypted Mosquitto: the shipped ACL, TLS with a CA file (the
lines' and the centre's), and a hall's Mosquitto bridged to the complex's with the shipped bridge.conf and complex.acl."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import aiomqtt
import pytest

from smarthall.centre.app import mqtt_session
from smarthall.centre.model import HostModel
from smarthall.edge.sparkplug import payloads
from smarthall.stopping import stop
from tests.broker import BROKER_DIR, PASSWORDS, Mosquitto
from tests.sparkplug_host import Host, line_file, start_agent
from tests.waiting import until

pytestmark = pytest.mark.debian("mosquitto_passwd")


async def test_a_line_publishes_only_under_its_own_edge_node_id(broker):
    async with Host(broker) as host:
        async with aiomqtt.Client("127.0.0.1", broker.port, username="line1", password=PASSWORDS["line1"]) as line1:
            await line1.publish("spBv1.0/hall1/NBIRTH/line2", b"forged", qos=1)
            await line1.publish("spBv1.0/hall1/DCMD/line2/conveyor", b"forged", qos=1)
            await line1.publish("spBv1.0/STATE/centre", b"forged", qos=1)
            await line1.publish("spBv1.0/hall1/NDATA/line1", b"", qos=1)  # its own: arrives, after the others
        await until(lambda: host.received)
    assert [r.topic for r in host.received] == ["spBv1.0/hall1/NDATA/line1"]


async def test_wrong_password_is_refused(broker):
    with pytest.raises(aiomqtt.MqttError, match="[Nn]ot authorized|[Bb]ad user name or password"):
        async with aiomqtt.Client("127.0.0.1", broker.port, username="line1", password="guess"):
            pass


@pytest.mark.debian("openssl")
async def test_tls_with_the_configured_ca_file_and_refused_without_it(tmp_path, tls_broker, plant_ports):
    _, feeder_port, conveyor_port = plant_ports
    url = f"mqtts://127.0.0.1:{tls_broker.tls_port}"
    async with Host(tls_broker) as host:
        untrusted = await start_agent(line_file(tmp_path, tls_broker, feeder_port, conveyor_port, url=url))
        try:
            await until(lambda: "certificate verify failed" in untrusted.sparkplug.last_error)
        finally:
            await untrusted.close()
        trusted = await start_agent(line_file(tmp_path, tls_broker, feeder_port, conveyor_port, url=url,
                                              mqtt_extra=f'ca_file = "{tls_broker.ca_file}"'))
        try:
            await until(lambda: len(host.of("DBIRTH")) == 2)
        finally:
            await trusted.close()
    assert len(host.of("NBIRTH")) == 1  # only the line that trusts the hall's CA got through


@pytest.mark.debian("openssl")
async def test_the_centre_trusts_the_broker_through_its_ca_file(tls_broker):
    url = f"mqtts://127.0.0.1:{tls_broker.tls_port}"
    trusted, untrusted = (SimpleNamespace(model=HostModel(), status="", client=None, lang="en") for _ in range(2))
    sessions = [asyncio.create_task(mqtt_session(url, "centre", "centre", PASSWORDS["centre"], ca)(app))
                for ca, app in ((tls_broker.ca_file, trusted), (None, untrusted))]
    try:
        await until(lambda: trusted.client is not None)  # signed in over TLS, subscribed, its STATE published
        await until(lambda: "certificate verify failed" in untrusted.status)
        assert untrusted.client is None
    finally:
        await asyncio.gather(*map(stop, sessions))


@pytest.fixture
async def complex_broker(tmp_path):
    """The industrial complex's broker: the shipped complex.acl, a hall's bridge signs in as its group id."""
    (tmp_path / "complex").mkdir()
    broker = Mosquitto(tmp_path / "complex", acl="complex.acl")
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def test_a_hall_bridge_publishes_only_under_its_own_group_on_the_complex(complex_broker):
    async with Host(complex_broker) as centre:
        async with aiomqtt.Client("127.0.0.1", complex_broker.port, username="hall1",
                                  password=PASSWORDS["hall1"]) as hall1:
            await hall1.publish("spBv1.0/hall2/NBIRTH/line1", b"forged", qos=1)
            await hall1.publish("spBv1.0/STATE/centre", b"forged", qos=1)
            await hall1.publish("spBv1.0/hall1/NDATA/line1", b"", qos=1)  # its own group: arrives, after the others
        await until(lambda: centre.received)
    assert [r.topic for r in centre.received] == ["spBv1.0/hall1/NDATA/line1"]


async def test_a_line_of_a_hall_bridged_to_the_complex_is_born_at_the_centre_there_and_obeys_its_rebirth(
        tmp_path, complex_broker, plant_ports):
    _, feeder_port, conveyor_port = plant_ports
    (tmp_path / "hall").mkdir()
    bridge = (f"connection hall1-complex\naddress 127.0.0.1:{complex_broker.port}\nremote_clientid hall1-bridge\n"
              f"remote_username hall1\nremote_password {PASSWORDS['hall1']}\n"
              + (BROKER_DIR / "bridge.conf").read_text(encoding="utf-8"))
    hall = Mosquitto(tmp_path / "hall", extra=bridge)
    await hall.start()
    try:
        async with Host(complex_broker) as centre:
            await centre.state(True, int(time.time() * 1000))  # retained on the complex, bridged down to the hall
            agent = await start_agent(line_file(tmp_path, hall, feeder_port, conveyor_port, 'primary_host = "centre"'))
            try:
                await until(lambda: len(centre.of("DBIRTH")) == 2, timeout=60)  # live by the STATE, born up there
                await centre.client.publish("spBv1.0/hall1/NCMD/line1", payloads.rebirth_command(0), qos=1)
                await until(lambda: len(centre.of("NBIRTH")) == 2, timeout=60)  # the command came down the bridge
            finally:
                await agent.close()
    finally:
        await hall.stop()
