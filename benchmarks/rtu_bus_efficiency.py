"""Transactions/s on the RS-485 bus with wire time emulated, against the theoretical maximum.

The simulated bus (RtuBus, emulate_wire_time=True) answers no sooner than a
real 19200 8E1 line could: request and reply at 11 bits per character, the
3.5-character silence and the device's turnaround. The theoretical maximum
for a frame pair is 1 / (that time). Measured in the same run:

  * baseline: a bare pymodbus serial client reading one meter's 8 registers back to back;
  * the driver reading the same meter (one planned block);
  * a whole-bus scan (every unit's points) planned into blocks vs one request per point.

    python benchmarks/rtu_bus_efficiency.py [--seconds 5]

Not a test: it prints numbers (the machine is shared; read ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from pymodbus.client import AsyncModbusSerialClient

from smarthall.devices import Timeouts
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.modbus.planner import Limits
from smarthall.devices.profiles import load_profile
from smarthall.simulators.modbus import RtuBus
from smarthall.simulators.plant import Plant

BAUD = 19200
BITS_PER_CHAR = 11  # start, 8 data, even parity, stop
TURNAROUND_S = 0.002
PROFILE = load_profile("fieldbus")
METER = PROFILE.device("energy.conveyor")


def theoretical_tps(request_bytes: int, reply_bytes: int) -> float:
    char = BITS_PER_CHAR / BAUD
    return 1 / ((request_bytes + reply_bytes) * char + 3.5 * char + TURNAROUND_S)


async def rate(action, seconds: float) -> tuple[float, int]:
    """Calls of action per second over `seconds`, and how many failed."""
    done = failed = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        failed += not await action()
        done += 1
    return done / seconds, failed


async def main(seconds: float) -> None:
    plant = Plant()
    link = Path(tempfile.mkdtemp()) / "fieldbus"
    bus = RtuBus(plant, PROFILE, link=link, emulate_wire_time=True, turnaround_s=TURNAROUND_S)
    await bus.start()
    timeouts = Timeouts(read=0.5)
    serial = Link(rtu=True, serial=str(link), baudrate=BAUD, parity="N")  # ptys keep no parity bit
    try:
        block_max = theoretical_tps(8, 5 + 2 * 8)
        print(f"19200 8E1, turnaround {TURNAROUND_S * 1000:g} ms; FC04 x8 registers: request 8 B, reply 21 B")
        print(f"theoretical maximum: {block_max:.1f} transactions/s")

        client = AsyncModbusSerialClient(str(link), baudrate=BAUD, parity="N", timeout=0.5, retries=0)
        await client.connect()

        async def bare() -> bool:
            return not (await client.read_input_registers(0, count=8, device_id=METER.unit)).isError()
        tps, failed = await rate(bare, seconds)
        client.close()
        print(f"baseline pymodbus client: {tps:6.1f} tx/s = {tps / block_max:5.1%} of max ({failed} failed)")

        driver = ModbusDriver(serial, timeouts)
        await driver.connect()

        async def one_meter() -> bool:
            return all(r.quality == "good" for r in await driver.read(METER, METER.points))
        tps, failed = await rate(one_meter, seconds)
        print(f"driver, one meter block:  {tps:6.1f} tx/s = {tps / block_max:5.1%} of max ({failed} failed)")

        points = sum(len(d.points) for d in PROFILE.devices)
        for label, limits in (("planned blocks", Limits()), ("one request per point", Limits(registers=2, register_gap=0))):
            driver.planner.limits = limits

            async def scan() -> bool:
                results = [await driver.read(d, d.points) for d in PROFILE.devices]
                return all(r.quality == "good" for rs in results for r in rs)
            requests = sum(len(driver.planner.plan(d.unit, d.points)) for d in PROFILE.devices)
            scans, failed = await rate(scan, seconds)
            print(f"whole bus, {label:22s}: {requests:2d} requests/scan, {scans:5.2f} scans/s, "
                  f"{scans * points:6.1f} points/s ({failed} failed)")
        await driver.close()
    finally:
        await bus.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    asyncio.run(main(parser.parse_args().seconds))
