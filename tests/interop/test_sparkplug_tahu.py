"""Eclipse Tahu's JavaScript decoder (npm sparkplug-payload) reads every Sparkplug message the edge node sends."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path

import pytest

from smarthall.edge.sparkplug.metrics import get_value
from smarthall.edge.sparkplug.sparkplug_b_pb2 import DataType
from tests.sparkplug_host import Host, line_file, start_agent
from tests.waiting import until

pytestmark = [pytest.mark.interop, pytest.mark.debian("mosquitto_passwd"), pytest.mark.debian("node"),
              pytest.mark.debian("npm")]  # npm: node_modules
DECODER = Path(__file__).resolve().parent.parent / "peers" / "sparkplug_decode.js"


async def tahu_decode(raws: list[bytes]) -> list[dict]:
    if not (DECODER.parent / "node_modules" / "sparkplug-payload").is_dir() or shutil.which("node") is None:
        pytest.fail("sparkplug-payload is not installed: run `python3 dev.py test` (npm ci in tests/peers)")
    process = await asyncio.create_subprocess_exec("node", str(DECODER), stdin=asyncio.subprocess.PIPE,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(b"".join(base64.b64encode(r) + b"\n" for r in raws)), 30)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


def ours(metric) -> tuple:
    """(name, alias, type, value, quality) as this project encoded them; 64-bit integers as text like the decoder's."""
    value = get_value(metric, metric.datatype)
    if metric.datatype in (DataType.Int64, DataType.UInt64) and value is not None:
        value = str(value)
    quality = dict(zip(metric.properties.keys, metric.properties.values)).get("Quality")
    return (metric.name or None, str(metric.alias) if metric.HasField("alias") else None,
            DataType.Name(metric.datatype), value, None if quality is None else quality.int_value)


def theirs(metric: dict) -> tuple:
    quality = metric.get("properties", {}).get("Quality")
    return (metric.get("name"), metric.get("alias"), metric.get("type"), metric.get("value"),
            None if quality is None else quality["value"])


async def test_tahu_decodes_births_data_historical_data_node_data_and_death(tmp_path, broker, plant_ports):
    plant, feeder_port, conveyor_port = plant_ports
    agent = await start_agent(line_file(tmp_path, broker, feeder_port, conveyor_port, 'primary_host = "centre"'))
    try:
        async with Host(broker) as host:
            await until(lambda: agent.sparkplug.store.pending > 0)  # scanned while the centre is away: kept
            await host.state(True, 1000)
            await until(lambda: len(host.of("DBIRTH")) == 2)
            plant.write("conveyor", "speed_setpoint", 222)
            await until(lambda: agent.sparkplug.store.pending == 0 and host.of("NDATA"))
            await until(lambda: any(not m.is_historical and m.int_value == 222
                                    for r in host.of("DDATA") for m in r.payload.metrics))
            await agent.close()
            await until(lambda: host.of("NDEATH"))
    finally:
        await agent.close()
    sent = [r for r in host.received if r.verb != "STATE"]
    assert {r.verb for r in sent} == {"NBIRTH", "DBIRTH", "DDATA", "NDATA", "NDEATH"}
    assert any(m.is_historical for r in host.of("DDATA") for m in r.payload.metrics)
    decoded = await tahu_decode([r.raw for r in sent])
    for received, tahu in zip(sent, decoded, strict=True):
        assert int(tahu["timestamp"]) == received.payload.timestamp
        if received.verb != "NDEATH":
            assert int(tahu["seq"]) == received.payload.seq
        assert [theirs(m) for m in tahu["metrics"]] == [ours(m) for m in received.payload.metrics], received.verb
        assert [m.get("isHistorical", False) for m in tahu["metrics"]] == [m.is_historical for m in received.payload.metrics]
