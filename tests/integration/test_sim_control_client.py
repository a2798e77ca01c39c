"""The lessons' sim control client over OPC UA on loopback: a lost connection is taken up again."""

from __future__ import annotations

import pytest

from smarthall.lessons.sim_control import SimControl
from smarthall.simulators.opcua import SimControlServer
from smarthall.simulators.plant import Plant
from tests.waiting import until


@pytest.mark.timeout(120)
async def test_a_call_after_the_connection_was_lost_reconnects():
    """A console keeps one sim control session for a whole class: one late keep-alive on a loaded machine ended it,
    and every fault drill after failed with 'client is disconnected'."""
    server = SimControlServer(Plant(), on_time_scale=lambda _factor: None, endpoint="opc.tcp://127.0.0.1:0")
    await server.start()
    try:
        async with SimControl(server.endpoint_url) as sim:
            assert await sim.active_faults() == []
            sim._client.uaclient.protocol.transport.abort()  # the connection is lost under the client
            await until(lambda: sim._client.uaclient.state.name != "CONNECTED", timeout=30)
            assert await sim.active_faults() == []  # it waits for the new session, not 'client is disconnected'
    finally:
        await server.close()
