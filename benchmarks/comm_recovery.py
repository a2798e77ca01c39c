"""How soon a station is read GOOD again after it comes back, and how often the driver tried meanwhile.

A simulated station (the Modbus TCP conveyor, or with --opcua the OPC UA process station, read
through a subscription as the scanner does) goes offline (its listener closes, as a PLC that is
switched off) for --away seconds while the driver reads every --scan-ms; then it comes back.
Printed per backoff setting: the time from the station listening again to the first GOOD reading
(median and worst of --runs), and connect attempts while away against the backoff steps that fit.
The first setting is the old default (backoff_max 10 s) as the baseline, measured in the same run.

    .venv/bin/python benchmarks/comm_recovery.py --runs 5 --away 15
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time

from smarthall.devices import Quality, Timeouts
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.profiles import load_profile
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.opcua import ProcessStationServer
from smarthall.simulators.plant import Plant, PlantConfig

OLD_BACKOFF_MAX_S = 10.0


async def one_run(backoff_max: float, away_s: float, scan_s: float) -> tuple[float, int]:
    """Seconds from the station listening again to a GOOD reading; connect attempts while it was away."""
    plant = Plant(PlantConfig(seed=1))
    device = load_profile("conveyor").device("conveyor")
    station = ModbusTcpStation(plant, device, fault_poll_s=0.01)
    await station.start()
    driver = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=station.port),
                          Timeouts(backoff_max=max(backoff_max, Timeouts.backoff_min)))
    attempts = 0
    connect = driver.connect

    async def counted() -> None:
        nonlocal attempts
        attempts += 1
        await connect()

    driver.connect = counted
    point = [device.point("speed_actual")]
    try:
        while (await driver.read(device, point))[0].quality is not Quality.GOOD:
            await asyncio.sleep(scan_s)
        fault = plant.inject_fault("conveyor", "offline", {})
        while station.serving:
            await asyncio.sleep(0.005)
        attempts = 0
        ends = time.monotonic() + away_s
        while time.monotonic() < ends:
            await driver.read(device, point)
            await asyncio.sleep(scan_s)
        while_away = attempts
        plant.clear_fault(fault.id)
        while not station.serving:
            await asyncio.sleep(0.001)
        back = time.monotonic()
        while (await driver.read(device, point))[0].quality is not Quality.GOOD:
            await asyncio.sleep(scan_s)
        return time.monotonic() - back, while_away
    finally:
        await driver.close()
        await station.close()


async def one_opcua_run(backoff_max: float, away_s: float, scan_s: float) -> tuple[float, int]:
    """As one_run, for the OPC UA process station read through a subscription (reads only while it is down)."""
    plant = Plant(PlantConfig(seed=1))
    profile = load_profile("process")
    device = profile.devices[0]
    server = ProcessStationServer(plant, profile, endpoint="opc.tcp://127.0.0.1:0")
    await server.start()
    driver = OpcUaDriver(server.endpoint_url, str(profile.transport["namespace"]),
                         Timeouts(backoff_max=max(backoff_max, Timeouts.backoff_min)))
    attempts = 0
    connect = driver.connect

    async def counted() -> None:
        nonlocal attempts
        attempts += 1
        await connect()

    driver.connect = counted
    point = device.point("temperature")
    latest: list = []
    syncing = asyncio.create_task(_sync_every(server, 0.01))
    try:
        await driver.subscribe(device, [point], lambda p, reading: latest.append(reading), 100)
        while not latest or latest[-1].quality is not Quality.GOOD:
            if not driver.connected:
                latest.append((await driver.read(device, [point]))[0])
            await asyncio.sleep(scan_s)
        fault = plant.inject_fault("process", "offline", {})
        while driver.connected:
            await asyncio.sleep(scan_s)
        attempts = 0
        ends = time.monotonic() + away_s
        while time.monotonic() < ends:
            if not driver.connected:
                await driver.read(device, [point])
            await asyncio.sleep(scan_s)
        while_away = attempts
        plant.clear_fault(fault.id)
        await server.sync()
        back = time.monotonic()
        latest.clear()
        while not latest or latest[-1].quality is not Quality.GOOD:
            if not driver.connected:
                latest.append((await driver.read(device, [point]))[0])
            await asyncio.sleep(scan_s)
        return time.monotonic() - back, while_away
    finally:
        syncing.cancel()
        await driver.close()
        await server.close()


async def _sync_every(server: ProcessStationServer, period_s: float) -> None:
    while True:
        await server.sync()
        await asyncio.sleep(period_s)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--away", type=float, default=15.0, help="seconds the station stays offline")
    parser.add_argument("--scan-ms", type=float, default=100.0)
    parser.add_argument("--opcua", action="store_true", help="the OPC UA process station instead of Modbus TCP")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    settings = [OLD_BACKOFF_MAX_S] + ([Timeouts.backoff_max] if Timeouts.backoff_max != OLD_BACKOFF_MAX_S else [])
    run = one_opcua_run if args.opcua else one_run
    print(f"{'OPC UA' if args.opcua else 'Modbus TCP'} station offline {args.away:g} s, reads every "
          f"{args.scan_ms:g} ms, {args.runs} runs each")
    for backoff_max in settings:
        results = [await run(backoff_max, args.away, args.scan_ms / 1000) for _ in range(args.runs)]
        recovery = [r for r, _ in results]
        attempts = [a for _, a in results]
        label = "old default" if backoff_max == OLD_BACKOFF_MAX_S else "default"
        print(f"backoff {Timeouts.backoff_min:g}..{backoff_max:g} s ({label}): GOOD again after "
              f"median {statistics.median(recovery):.2f} s, worst {max(recovery):.2f} s; "
              f"connect attempts while away median {statistics.median(attempts):g} "
              f"(at most one per backoff step: >= {args.away / backoff_max:.1f} steps at the cap)")


if __name__ == "__main__":
    asyncio.run(main())
