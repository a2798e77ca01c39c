"""The camera driver against the simulator's MJPEG stream, and the one-request verdict write (FC16)."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from smarthall.devices import Timeouts, WriteFailed
from smarthall.devices.camera import CameraDriver, CameraSettings, Frame, UnreadableFrame
from smarthall.devices.errors import SettingsError
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.profiles import load_profile
from smarthall.devices.quality import Quality
from smarthall.simulators.camera import CameraServer, plant_frame_source
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig

FAST = Timeouts(connect=0.5, read=0.25, write=0.25, backoff_min=0.05, backoff_max=0.2)


async def until(condition, timeout: float = 2.5, every: float = 0.02):
    async with asyncio.timeout(timeout):
        while not (result := condition()):
            await asyncio.sleep(every)
    return result


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=3))


@pytest.fixture
async def camera_server(plant):
    async with CameraServer(plant_frame_source(plant), "127.0.0.1", 0, fps=30) as server:
        yield server


def fast_settings(source) -> CameraSettings:
    return CameraSettings(source, open_timeout=1.0, read_timeout=0.4, stall_s=0.4, backoff_min=0.05, backoff_max=0.2)


async def test_frames_from_the_mjpeg_stream_carry_timestamps(camera_server):
    before, wall_before = time.monotonic(), time.time()
    async with CameraDriver(fast_settings(camera_server.stream_url)) as camera:
        first = await camera.frame_after(before, timeout=2.0)
        second = await camera.frame_after(first.monotonic, timeout=2.0)
        assert camera.status().quality is Quality.GOOD
    assert first.image.shape == (480, 640, 3)
    assert second.seq > first.seq and second.monotonic > first.monotonic
    assert wall_before <= first.timestamp <= time.time()  # epoch seconds, taken at the grab


async def test_mjpeg_frames_are_kept_compressed_and_decode_to_the_picture_sent(camera_server):
    from smarthall.devices.opencv import cv2

    async with CameraDriver(fast_settings(camera_server.stream_url)) as camera:
        frame = await camera.frame_after(0, timeout=2.0)
    assert frame.compressed and frame.data.ndim == 2 and bytes(frame.data[0, :2]) == b"\xff\xd8"  # a JPEG
    assert (frame.image == cv2.imdecode(frame.data, cv2.IMREAD_COLOR)).all() and frame.image.shape == (480, 640, 3)
    broken = Frame(np.frombuffer(b"\xff\xd8 not a jpeg", np.uint8).reshape(1, -1), frame.timestamp, frame.monotonic,
                   frame.seq, compressed=True)
    with pytest.raises(UnreadableFrame, match="not a JPEG"):
        _ = broken.image


async def test_camera_offline_is_bad_quality_then_recovers(camera_server, plant):
    async with CameraDriver(fast_settings(camera_server.stream_url)) as camera:
        await camera.frame_after(0, timeout=2.0)
        fault = plant.inject_fault("camera", "camera_offline")
        bad = await until(lambda: (s := camera.status()).quality is Quality.BAD and s)
        assert bad.reason in ("stalled", "no frames (camera lost or stream ended)")
        plant.clear_fault(fault.id)
        await until(lambda: camera.status().quality is Quality.GOOD)
        assert camera.latest() is not None


async def test_unreachable_source_is_bad_and_close_is_prompt():
    camera = CameraDriver(fast_settings("http://127.0.0.1:9/camera/stream.mjpg"))
    camera.start()
    try:
        bad = await until(lambda: (s := camera.status()).reason.startswith("cannot open") and s)
        assert bad.quality is Quality.BAD
        assert await camera.frame_after(0, timeout=0.05) is None
    finally:
        await camera.close()


def test_camera_settings_are_checked():
    assert CameraSettings.from_settings({"source": 0, "width": 1280}).width == 1280
    with pytest.raises(SettingsError, match="missing key 'source'"):
        CameraSettings.from_settings({})
    with pytest.raises(SettingsError, match="unknown key 'framerate'"):
        CameraSettings.from_settings({"source": "x", "framerate": 3})
    with pytest.raises(SettingsError, match="key 'stall_s': expected a number > 0"):
        CameraSettings.from_settings({"source": "x", "stall_s": 0})
    with pytest.raises(SettingsError, match="key 'source': expected a USB index, a /dev path, a file or a URL, got -1"):
        CameraSettings.from_settings({"source": -1})
    manual = CameraSettings.from_settings({"source": 0, "exposure": 50, "white_balance": 4000})
    assert (manual.auto_exposure, manual.auto_white_balance, manual.autofocus) == (False, False, None)
    assert list(manual.asked) == ["auto_exposure", "exposure", "auto_white_balance", "white_balance"]


@pytest.fixture
async def conveyor(plant):
    station = ModbusTcpStation(plant, load_profile("conveyor").device("conveyor"))
    await station.start()
    driver = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=station.port), FAST)
    try:
        yield station, driver
    finally:
        await driver.close()
        await station.close()


async def test_verdict_part_and_verdict_go_in_one_fc16_request(conveyor, plant):
    station, driver = conveyor
    device = station.device
    await driver.connect()
    calls = []
    client = driver._client
    for name in ("write_registers", "write_register"):
        original = getattr(client, name)
        setattr(client, name, lambda *a, _o=original, _n=name, **k: (calls.append((_n, a)), _o(*a, **k))[1])
    await driver.write_block(device, [(device.point("verdict"), 2), (device.point("verdict_part"), 42)])
    assert calls == [("write_registers", (1, [42, 2]))]
    assert plant.read("conveyor", "verdict_part") == 42
    assert plant.read("conveyor", "verdict") == 2


async def test_write_block_refuses_gaps_and_read_only_points(conveyor):
    station, driver = conveyor
    device = station.device
    with pytest.raises(WriteFailed, match="not contiguous"):
        await driver.write_block(device, [(device.point("speed_setpoint"), 1), (device.point("verdict"), 1)])
    with pytest.raises(WriteFailed, match="not a writable holding register"):
        await driver.write_block(device, [(device.point("part_at_camera"), 1)])
    with pytest.raises(WriteFailed, match="outside 0..2"):
        await driver.write_block(device, [(device.point("verdict_part"), 1), (device.point("verdict"), 7)])
