"""The reject loop on the running simulated line: the edge decides, the PLC sorts, the counts match the truth.

The line here is the simulator's own pieces (plant, pacer, conveyor Modbus TCP
station, MJPEG camera server) without the OPC UA servers, which take seconds
to start; the camera serves 30 frames/s so the plant can run 4x faster than
real time and still show every part in a frame.
"""

from __future__ import annotations

import asyncio
import contextlib

from smarthall.devices import Timeouts
from smarthall.devices.camera import CameraDriver, CameraSettings
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.profiles import load_profile
from smarthall.devices.quality import Quality
from smarthall.edge.historian import Historian
from smarthall.edge.inspection import load_recipe
from smarthall.edge.inspection.archive import ImageArchive
from smarthall.edge.inspection.loop import RejectLoop
from smarthall.simulators.camera import CameraServer, plant_frame_source
from smarthall.simulators.clock import Pacer
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig
from tests.waiting import until

FAST = Timeouts(connect=0.5, read=0.25, write=0.25, backoff_min=0.05, backoff_max=0.2)
CONVEYOR = load_profile("conveyor").device("conveyor")
TIME_SCALE = 4.0  # plant seconds per wall second: a part is in the camera field for 50 ms of wall time


@contextlib.asynccontextmanager
async def station(tmp_path, parts: int, defect_rate: float):
    """The line with `parts` parts in the magazine, the edge's reject loop running, the belt at 200 mm/s."""
    plant = Plant(PlantConfig(seed=4))
    plant.load_magazine(parts, defect_rate)
    pacer = Pacer(plant.step, tick=0.01, time_scale=TIME_SCALE)
    plc = ModbusTcpStation(plant, CONVEYOR, "127.0.0.1", 0)
    await plc.start()
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(plc.close)
        camera_server = await stack.enter_async_context(CameraServer(plant_frame_source(plant), "127.0.0.1", 0, fps=30))
        pacing = asyncio.create_task(pacer.run())
        conveyor = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=plc.port), FAST)
        camera = CameraDriver(CameraSettings(camera_server.stream_url, read_timeout=0.4, stall_s=0.4,
                                             backoff_min=0.05, backoff_max=0.2))
        camera.start()
        historian = Historian(tmp_path / "history.db")
        loop = RejectLoop(conveyor, CONVEYOR, camera, load_recipe(), publish=historian.record,
                          archive=ImageArchive(tmp_path / "images", max_bytes=2_000_000))
        task = asyncio.create_task(loop.run())
        try:
            await camera.frame_after(0, timeout=2.0)
            plant.write("feeder", "feed_interval_ms", 500)
            plant.write("conveyor", "motor_run", True)
            plant.write("feeder", "auto_feed", True)
            yield plant, loop, historian
        finally:
            for running in (task, pacing):
                while not running.done():  # asyncio.wait_for on 3.11 may swallow one cancellation (as EdgeAgent knows)
                    running.cancel()
                    await asyncio.wait({running}, timeout=1.0)
                with contextlib.suppress(asyncio.CancelledError):
                    running.result()
            await camera.close()
            await conveyor.close()
            historian.close()


def binned(plant):
    return [p for p in plant.recent_parts if p.outcome is not None]


async def test_parts_flow_to_the_bins_the_edge_decides_and_counts_match_the_truth(tmp_path):
    parts = 4
    async with station(tmp_path, parts, defect_rate=0.5) as (plant, loop, historian):
        await until(lambda: len(binned(plant)) == parts, timeout=30)  # 4 parts take ~3 s; a loaded machine more
        truth = binned(plant)
        good = sum(p.defect is None for p in truth)
        assert 0 < good < parts  # the seed gives both kinds
        assert plant.read("conveyor", "parts_uninspected") == 0
        assert plant.read("conveyor", "parts_good") == good
        assert plant.read("conveyor", "parts_rejected") == parts - good
        for p in truth:
            assert p.outcome == ("good" if p.defect is None else "reject"), p
            assert p.verdict == (1 if p.defect is None else 2), p
        assert loop.stats.passed == good and loop.stats.failed == parts - good
        assert max(loop.stats.latencies_s) < 1.5 / TIME_SCALE  # inside the camera-to-diverter window
        verdicts = [v.value for v in historian.history("vision.last_verdict", 0)]
        assert verdicts.count("fail") >= 1 and verdicts.count("pass") >= 1
        assert len(list((tmp_path / "images").glob("*-fail.jpg"))) == parts - good


async def test_camera_offline_parts_are_rejected_fail_safe_and_the_loop_survives(tmp_path):
    parts = 3
    async with station(tmp_path, parts, defect_rate=0.0) as (plant, loop, historian):
        plant.inject_fault("camera", "camera_offline")
        await until(lambda: len(binned(plant)) == parts)
        assert plant.read("conveyor", "parts_uninspected") == parts
        assert plant.read("conveyor", "parts_rejected") == parts
        assert loop.stats.no_frame == parts and loop.stats.passed == 0
        camera = historian.history("vision.camera_ok", 0)
        assert camera[-1].value is False and camera[-1].quality is Quality.GOOD and camera[-1].reason
        assert historian.history("vision.no_frame", 0)[-1].value == parts
