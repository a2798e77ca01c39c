"""How many simulated stations one process serves in real time.

Each station is a plant plus its conveyor Modbus TCP server; one pacer steps
every plant at a 10 ms tick while a client in another process polls each
station at 10 Hz. For a rising number of stations it prints the plant tick
overrun rate, how late ticks started (99th percentile: what a 10 ms tick
loses to the rest of the process and the machine), the polls answered and
their latency, the server's CPU, and its CPU per plant tick run (every station's physics and the polls served: what a
10 ms tick must hold, and less disturbed by a loaded machine), split into the CPU of
one plant step and the rest per poll served (the server's own CPU-seconds: robust under
load, and what one classroom team's line costs per station). Then it measures Modbus
requests/s served back to back by one of our stations and, as the baseline
in the same run, by pymodbus's own example server (SimDevice datastore),
with the same pymodbus client.

    python benchmarks/sim_scale.py [--seconds 4] [--levels 1,10,25,50,100]

Not a test: it prints numbers; read medians and ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time

from pymodbus.client import AsyncModbusTcpClient

from smarthall import event_loop
from smarthall.devices.profiles import load_profile
from smarthall.simulators.clock import Pacer
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig

POLL_HZ = 10
TICK = 0.01


# --- the client side (runs in its own process) ---------------------------------------------

async def poll(ports: list[int], seconds: float, rate_hz: float | None) -> dict:
    """Read 10 input registers from each port at rate_hz (None: back to back); latencies in ms."""
    latencies: list[float] = []
    errors = 0

    async def one(port: int) -> None:
        nonlocal errors
        client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
        await client.connect()
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        next_poll = loop.time()
        try:
            while loop.time() < end:
                started = time.perf_counter()
                try:
                    reply = await client.read_input_registers(0, count=10, device_id=1)
                    errors += reply.isError()
                except Exception:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
                if rate_hz:
                    next_poll += 1 / rate_hz
                    await asyncio.sleep(max(0.0, next_poll - loop.time()))
        finally:
            client.close()

    await asyncio.gather(*(one(p) for p in ports))
    return {"requests": len(latencies), "errors": errors, "latencies": latencies}


def run_client(ports: list[int], seconds: float, rate_hz: float | None) -> subprocess.Popen:
    command = [sys.executable, __file__, "--client", ",".join(map(str, ports)), "--seconds", str(seconds)]
    if rate_hz:
        command += ["--rate", str(rate_hz)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


async def client_result(proc: subprocess.Popen) -> dict:
    out, _ = await asyncio.to_thread(proc.communicate)
    return json.loads(out)


# --- the server side ---------------------------------------------------------------------

async def scale_level(stations: int, seconds: float) -> dict:
    conveyor = load_profile("conveyor").device("conveyor")
    plants = [Plant(PlantConfig(seed=i)) for i in range(stations)]
    for plant in plants:
        plant.write("conveyor", "motor_run", True)
        plant.write("feeder", "auto_feed", True)
    servers = [ModbusTcpStation(plant, conveyor, "127.0.0.1", 0) for plant in plants]
    for server in servers:
        await server.start()

    plant_cpu = 0.0

    def step_all(dt: float) -> None:
        nonlocal plant_cpu
        started = time.thread_time()
        for plant in plants:
            plant.step(dt)
        plant_cpu += time.thread_time() - started

    pacer = Pacer(step_all, tick=TICK)
    pacer_task = asyncio.create_task(pacer.run())
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    try:
        result = await client_result(run_client([s.port for s in servers], seconds, POLL_HZ))
    finally:
        used = time.process_time() - cpu_before
        cpu = used / (time.perf_counter() - wall_before)
        pacer_task.cancel()
        await asyncio.gather(pacer_task, return_exceptions=True)
        for server in servers:
            await server.close()
    expected = stations * POLL_HZ * seconds
    lat = sorted(result["latencies"])
    return {
        "stations": stations, "overrun": pacer.stats.overrun_rate, "late_p99": 1000 * pacer.stats.lateness(0.99),
        "answered": result["requests"] / expected,
        "errors": result["errors"], "p50": statistics.median(lat), "p99": lat[int(len(lat) * 0.99) - 1],
        "cpu": cpu, "cpu_per_tick_ms": 1000 * used / max(1, pacer.stats.ticks),
        "plant_us": 1e6 * plant_cpu / max(1, pacer.stats.ticks * stations),
        "poll_us": 1e6 * (used - plant_cpu) / max(1, result["requests"]),
    }


async def served(port: int, seconds: float) -> tuple[float, float]:
    """Requests/s answered back to back on port by a server in this process, and requests per CPU-second of
    this process (the server's; the client runs in its own), which a loaded machine disturbs less."""
    cpu = time.process_time()
    result = await client_result(run_client([port], seconds, None))
    return result["requests"] / seconds, result["requests"] / max(time.process_time() - cpu, 1e-9)


async def throughput_ours(seconds: float) -> tuple[float, float]:
    server = ModbusTcpStation(Plant(), load_profile("conveyor").device("conveyor"), "127.0.0.1", 0)
    await server.start()
    try:
        return await served(server.port, seconds)
    finally:
        await server.close()


async def throughput_pymodbus_example(seconds: float) -> tuple[float, float]:
    """pymodbus's example server: ModbusTcpServer over a SimDevice datastore."""
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    device = SimDevice(1, simdata=[SimData(0, count=10, values=0, datatype=DataType.REGISTERS)])
    server = ModbusTcpServer([device], address=("127.0.0.1", 0))
    await server.serve_forever(background=True)
    try:
        return await served(server.transport.sockets[0].getsockname()[1], seconds)
    finally:
        await server.shutdown()


async def main(seconds: float, levels: list[int]) -> None:
    print(f"sim_scale: {POLL_HZ} Hz polls of 10 input registers per station, plant tick {TICK * 1000:g} ms, "
          f"{seconds:g} s per level")
    print(f"{'stations':>8} {'tick overrun':>12} {'late p99 ms':>11} {'polls answered':>14} {'p50 ms':>7} {'p99 ms':>7} {'server CPU':>10}"
          f" {'CPU ms/tick':>11} {'plant step us':>13} {'poll us':>7}")
    real_time = 0
    for stations in levels:
        r = await scale_level(stations, seconds)
        print(f"{r['stations']:>8} {r['overrun']:>11.1%} {r['late_p99']:>11.1f} {r['answered']:>13.1%} {r['p50']:>7.2f} {r['p99']:>7.2f}"
              f" {r['cpu']:>9.0%} {r['cpu_per_tick_ms']:>11.2f} {r['plant_us']:>13.1f} {r['poll_us']:>7.0f}" + (f"  errors {r['errors']}" if r["errors"] else ""))
        if r["overrun"] < 0.01 and r["answered"] > 0.95 and not r["errors"]:
            real_time = stations
    print(f"largest level served in real time (overrun < 1%, > 95% of polls answered): {real_time} stations")
    ours, theirs = [], []
    for _ in range(3):  # in turn, so both meet the same load
        ours.append(await throughput_ours(seconds / 2))
        theirs.append(await throughput_pymodbus_example(seconds / 2))
    for i, what in enumerate(("requests/s", "requests per CPU-second")):
        mine, base = statistics.median(r[i] for r in ours), statistics.median(r[i] for r in theirs)
        print(f"{what} back to back, one connection, median of 3: ours {mine:,.0f}, "
              f"pymodbus example server {base:,.0f} (baseline), ratio {mine / base:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--levels", default="1,10,25,50,100")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        ports = [int(p) for p in args.client.split(",")]
        print(json.dumps(asyncio.run(poll(ports, args.seconds, args.rate))))
    else:
        event_loop.run(main(args.seconds, [int(n) for n in args.levels.split(",")]))  # the loop `smarthall sim` runs
