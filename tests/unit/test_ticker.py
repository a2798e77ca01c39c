"""The servers' shared housekeeping timer: one timer per loop and period runs every check."""

from __future__ import annotations

from smarthall.devices.profiles import load_profile
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant
from smarthall.simulators.ticker import ticker
from tests.waiting import until


async def test_every_check_runs_each_period_from_one_timer_and_a_failing_one_stops_none():
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    shared = ticker(0.01)
    assert ticker(0.01) is shared and ticker(0.02) is not shared
    def fine() -> None:
        calls.append("ok")

    shared.add(broken)
    shared.add(fine)
    await until(lambda: calls.count("ok") >= 3, timeout=30)
    assert calls.count("broken") >= calls.count("ok") - 1
    shared.remove(broken)
    shared.remove(fine)


async def test_a_ticker_with_no_checks_left_has_no_timer():
    shared = ticker(0.01)
    calls: list[int] = []

    def check() -> None:
        calls.append(1)

    shared.add(check)
    await until(lambda: calls, timeout=30)
    shared.remove(check)
    assert shared._next is None


async def test_stations_of_one_process_share_one_timer():
    stations = [ModbusTcpStation(Plant(), load_profile("feeder").device("feeder"), fault_poll_s=0.03) for _ in range(3)]
    for station in stations:
        await station.start()
    try:
        shared = ticker(0.03)
        assert [station._check for station in stations] == list(shared._checks)
        stations[1].plant.inject_fault("feeder", "offline")
        await until(lambda: not stations[1].serving, timeout=30)
        assert stations[0].serving and stations[2].serving
        stations[1].plant.clear_faults()
        await until(lambda: stations[1].serving, timeout=30)
    finally:
        for station in stations:
            await station.close()
    assert shared._next is None
