"""RS-485 adapters: a missing or busy port is one clear line, the port is tuned where the OS lets it, and
requests keep the inter-frame silence of the baud rate. Ports are pty pairs (the twin's bus)."""

from __future__ import annotations

import asyncio
import grp
from asyncio import sleep as real_sleep

import pytest
import serial

from smarthall.devices import ConnectFailed, Quality, Timeouts
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.modbus import driver as modbus_driver
from smarthall.devices.modbus.serial_port import problem, serial_of
from smarthall.devices.modbus.timing import silence_time
from smarthall.simulators.device import DeviceTwin
from tests.other_user import as_nobody, closed_device

FAST = Timeouts(connect=1.0, read=0.5, write=0.5, backoff_min=0.01, backoff_max=0.01)


class _AsyncioWith:
    """asyncio, as the driver module sees it, with its sleep recorded."""

    def __init__(self, sleep) -> None:
        self.sleep = sleep

    def __getattr__(self, name: str):
        return getattr(asyncio, name)


def driver_at(path: str, baudrate: int = 9600, **more) -> ModbusDriver:
    return ModbusDriver(Link(rtu=True, serial=path, baudrate=baudrate, parity="N", stopbits=2, **more), FAST)


async def test_a_missing_port_is_one_line_saying_so(tmp_path):
    driver = driver_at(str(tmp_path / "ttyUSB9"))
    with pytest.raises(ConnectFailed) as caught:
        await driver.connect()
    message = str(caught.value)
    assert "ttyUSB9 is missing: is the adapter plugged in?" in message and "\n" not in message
    assert "ttyUSB9가 없습니다: 어댑터가 꽂혀 있나요?" in caught.value.said("ko")
    assert caught.value.said("en") == message
    await driver.close()


def test_a_port_the_user_may_not_open_names_the_group_to_join():
    """The device file's group (dialout on Debian) is the one to join; as root the check runs in a child as nobody."""
    with closed_device("ttyUSB0", "dialout") as port:
        group = grp.getgrgid(port.stat().st_gid).gr_name
        note = as_nobody(lambda: problem(str(port)))
    assert note.en == (f"serial port {port}: permission denied: add the user to the {group} group and log in"
                       f" again (sudo usermod -aG {group} $USER)")
    assert note.ko.startswith(f"시리얼 포트 {port}: 권한이 없습니다: 사용자를 {group} 그룹에 넣고")


async def test_a_busy_port_is_one_line_naming_it():
    async with DeviceTwin("autonics_tk") as twin:
        holder = serial.Serial(twin.endpoint, exclusive=True)
        try:
            driver = driver_at(twin.endpoint)
            with pytest.raises(ConnectFailed, match=r"is busy: another program has it open"):
                await driver.connect()
            await driver.close()
        finally:
            holder.close()


async def test_the_port_is_tuned_where_offered_and_reads_go_on_where_not():
    async with DeviceTwin("autonics_tk") as twin:
        twin.set("pv", 21.5)
        device = twin.profile.devices[0]
        driver = driver_at(twin.endpoint)
        try:
            (reading,) = await driver.read(device, [device.point("pv")])
            assert (reading.quality, reading.value) == (Quality.GOOD, 21.5)
            assert isinstance(serial_of(driver._client), serial.Serial), "pymodbus moved its serial port object"
            # a pty has neither flag: both refusals are noted, nothing raised, in Korean and English
            assert [n.en.split(" (")[0] for n in driver.serial_notes] == [
                "low-latency mode not offered", "RS-485 mode not offered, the adapter switches direction itself"]
            assert [n("ko").split(" (")[0] for n in driver.serial_notes] == [
                "저지연 모드를 지원하지 않습니다", "RS-485 모드를 지원하지 않습니다: 어댑터가 송수신 방향을 스스로 바꿉니다"]
        finally:
            await driver.close()
        off = driver_at(twin.endpoint, rs485="off")
        try:
            await off.connect()
            assert [n.en.split(" (")[0] for n in off.serial_notes] == ["low-latency mode not offered"]
        finally:
            await off.close()


def test_the_inter_frame_silence_follows_the_baud_rate():
    assert Link(rtu=True, serial="/dev/ttyUSB0", baudrate=9600).frame_gap_s == pytest.approx(3.5 * 11 / 9600)
    assert Link(rtu=True, serial="/dev/ttyUSB0", baudrate=115200).frame_gap_s == pytest.approx(0.00175)
    assert Link(rtu=True, host="10.0.0.2", port=4001).frame_gap_s == 0
    assert silence_time(2400) == pytest.approx(0.016041666)


async def test_a_request_after_a_reply_waits_out_the_frame_silence_at_300_baud(monkeypatch, tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text('[profile]\nname = "slow"\nversion = 1\nprotocol = "modbus-rtu"\ntitle = { ko = "느림", en = "slow" }\n'
                    '[transport]\nbaudrate = 300\n[[devices]]\nname = "d"\nunit = 1\ntitle = { ko = "d", en = "d" }\n'
                    'points = [{ name = "v", kind = "holding_register", address = 0, type = "uint16", access = "r",'
                    ' default = 7, ko = "v", en = "v" }]\n', encoding="utf-8")
    waits: list[float] = []

    async def recorded(seconds, *args):
        waits.append(seconds)
        await real_sleep(seconds, *args)

    async with DeviceTwin(path) as twin:
        device = twin.profile.devices[0]
        driver = driver_at(twin.endpoint, baudrate=300)
        monkeypatch.setattr(modbus_driver, "asyncio", _AsyncioWith(recorded))  # the driver's own sleeps only
        try:
            for _ in range(5):  # back to back: each request but the first comes within the silence of the last reply
                (reading,) = await driver.read(device, device.points)
                assert reading.value == 7
        finally:
            await driver.close()
    assert waits and all(0 < w <= silence_time(300) for w in waits), waits
