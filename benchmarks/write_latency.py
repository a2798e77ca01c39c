"""Write latency: from an edge `write` call to the value read back from the PLC.

Against the simulated conveyor (Modbus TCP) and process station (OPC UA), the
agent writes a new setpoint and reads it back, many times; the baseline in
the same run is the bare protocol client doing the same round trip (pymodbus
write_register + read_holding_registers; asyncua write_value + read_value).

    python benchmarks/write_latency.py [--writes 300]

Not a test: it prints numbers; read medians and ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

from asyncua import Client, ua
from pymodbus.client import AsyncModbusTcpClient

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms  p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:6.2f} ms"


async def through_agent(agent: EdgeAgent, tag: str, values: list[float]) -> list[float]:
    samples = []
    for value in values:
        started = time.perf_counter()
        await agent.write(tag, value, user="bench")
        (read,) = await agent.read([tag])
        samples.append(time.perf_counter() - started)
        assert read.value == value, (tag, read)
    return samples


async def bare_modbus(port: int, values: list[int]) -> list[float]:
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    await client.connect()
    samples = []
    try:
        for value in values:
            started = time.perf_counter()
            await client.write_register(0, value, device_id=1)
            reply = await client.read_holding_registers(0, count=1, device_id=1)
            samples.append(time.perf_counter() - started)
            assert reply.registers[0] == value
    finally:
        client.close()
    return samples


async def bare_opcua(endpoint: str, values: list[float]) -> list[float]:
    samples = []
    async with Client(endpoint, timeout=5) as client:
        ns = await client.get_namespace_index("urn:smarthall:process")
        node = await client.nodes.objects.get_child([f"{ns}:ProcessStation", f"{ns}:Setpoint"])
        for value in values:
            started = time.perf_counter()
            await node.write_value(ua.Variant(value, ua.VariantType.Double))
            assert await node.read_value() == value
            samples.append(time.perf_counter() - started)
    return samples


async def main(writes: int) -> None:
    speeds = [100 + i % 300 for i in range(writes)]
    setpoints = [30.0 + (i % 200) for i in range(writes)]
    with tempfile.TemporaryDirectory() as tmp:
        options = SimOptions(**FREE_PORTS,
                             fieldbus_link=f"{tmp}/bus")
        async with SimulatedLine(options) as line:
            agent = EdgeAgent(load_line(DEFAULT_LINE, {**line.line_overrides(),
                                                       "historian": {"path": f"{tmp}/history.db"}}))
            await agent.start()
            try:
                modbus_agent = await through_agent(agent, "conveyor.speed_setpoint", speeds)
                opcua_agent = await through_agent(agent, "process.setpoint", setpoints)
            finally:
                await agent.close()
            modbus_bare = await bare_modbus(line.stations["conveyor"].port, speeds)
            opcua_bare = await bare_opcua(line.process.endpoint_url, setpoints)
    print(f"write_latency: write, then read back, {writes} times each (the agent scanning all tags meanwhile)")
    print(f"  Modbus TCP conveyor.speed_setpoint  agent {summary(modbus_agent)}   bare pymodbus {summary(modbus_bare)}"
          f"   ratio p50 {statistics.median(modbus_agent) / statistics.median(modbus_bare):.2f}")
    print(f"  OPC UA process.setpoint             agent {summary(opcua_agent)}   bare asyncua  {summary(opcua_bare)}"
          f"   ratio p50 {statistics.median(opcua_agent) / statistics.median(opcua_bare):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    asyncio.run(main(parser.parse_args().writes))
