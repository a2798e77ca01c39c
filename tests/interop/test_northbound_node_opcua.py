"""node-opcua (npm, a client that is not asyncua) against the edge's northbound OPC UA server.

tests/peers/northbound_client.js browses the line, reads, writes as the simulated line's instructor
(lines/sim-users.toml: the password is the name), subscribes and sees its own write come back, then
waits for the conveyor.estop alarm this test raises and acknowledges it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS

PEERS = Path(__file__).resolve().parent.parent / "peers"  # node-opcua from npm: `python3 dev.py test` installs it
pytestmark = [pytest.mark.interop, pytest.mark.debian("node"), pytest.mark.debian("npm"),  # npm: node_modules
              pytest.mark.timeout(180)]  # a line, its agent and three OPC UA servers: over 60 s on a loaded CI


@pytest.fixture
async def agent(tmp_path):
    async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"))) as line:
        config = load_line(DEFAULT_LINE, {
            **line.line_overrides(), "historian": {"path": str(tmp_path / "history.db")},
            "vision": {"camera": {"source": line.camera.stream_url}, "archive": {"path": str(tmp_path / "images")}},
            # every security mode offered (the line file's), an empty trust list: node-opcua's defaults (security
            # None) send its own certificate anyway, which a None channel on loopback neither needs nor checks
            "northbound": {"port": 0, "pki": str(tmp_path / "pki")}})
        running = EdgeAgent(config)
        await running.start(serve=True)
        try:
            yield running, line
        finally:
            await running.close()


async def test_node_opcua_browses_reads_writes_subscribes_and_acknowledges(agent):
    agent, line = agent
    assert (PEERS / "node_modules" / "node-opcua").is_dir(), "run `python3 dev.py test` (npm ci in tests/peers)"
    client = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node", str(PEERS / "northbound_client.js"), agent.northbound.endpoint_url,
        "teacher", "teacher", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    steps = {}
    try:
        async with asyncio.timeout(120):
            while line_out := await client.stdout.readline():
                if not line_out.startswith(b"{"):
                    continue  # node-opcua's own notices
                step = json.loads(line_out)
                steps[step.pop("step")] = step
                assert "error" not in steps, steps["error"]["message"]
                if "watching" in steps and "alarm" not in steps:
                    line.plant.inject_fault("conveyor", "estop")
            await client.wait()
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()
    assert client.returncode == 0, (await client.stderr.read()).decode()[-2000:]
    assert steps["browsed"]["stations"] == ["Alarms", "Health", "conveyor", "feeder", "fieldbus", "process", "vision"]
    assert steps["read"] == {"value": 200, "status": "Good", "unknown": "BadNodeIdUnknown"}
    assert steps["written"] == {"status": "Good", "outOfRange": "BadOutOfRange"}
    assert steps["changed"] == {"value": 285}
    assert steps["alarm"]["source"] == "conveyor.estop_ok" and steps["alarm"]["severity"] == 1000
    assert steps["acknowledged"] == {"status": "Good", "acked": True}
    assert agent.alarms.state("conveyor.estop").state.value == "active-acknowledged"
    assert agent.config.northbound.security == ("None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt")
    assert list((agent.config.northbound.pki / "rejected").iterdir()) == []  # its certificate was never judged
    assert [(e.user, e.tag, e.new, e.result) for e in agent.write_log.entries()][:1] == [
        ("teacher", "conveyor.speed_setpoint", 285, "ok")]
