"""`smarthall commission` on a line's camera: what it really gives against what the camera profile asks, and why
it cannot be opened. The camera is the twin of the library's `uvc_camera` (MJPEG at the profile's size and rate);
the conveyor PLC the [vision] table needs is the station interface's twin."""

from __future__ import annotations

import asyncio
import grp
import socket
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from smarthall.devices.camera import open_problem
from smarthall.devices.profiles import load_profile
from smarthall.edge.commission import commission, render
from smarthall.edge.config import load_line
from smarthall.simulators.device import DeviceTwin
from tests.other_user import as_nobody, closed_device

MISSING = "/dev/v4l/by-id/usb-smarthall-test-no-such-camera-video-index0"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def conveyor():
    async with DeviceTwin("conveyor") as twin:
        yield twin


def line_file(folder: Path, conveyor: DeviceTwin, camera: str) -> Path:
    """A line of the conveyor's twin and a [vision] whose [vision.camera] is `camera` (TOML lines)."""
    path = folder / "line.toml"
    path.write_text('[line]\nname = "cell"\nko = "셀"\nen = "cell"\n[historian]\npath = "cell.db"\n\n'
                    f'{conveyor.connection_table("conveyor")}\n[vision]\nconveyor = "conveyor"\n\n'
                    f'[vision.camera]\nprofile = "uvc_camera"\n{camera}\n\n'
                    '[[scan_groups]]\nname = "all"\nrate_ms = 500\ntags = ["conveyor.*"]\n', encoding="utf-8")
    return path


def served(width: int, height: int, fps: float):
    """The library camera's twin, streaming this size at this rate."""
    profile = load_profile("uvc_camera")
    return DeviceTwin(replace(profile, camera={**profile.camera, "width": width, "height": height, "fps": fps}))


@pytest.mark.timeout(120)
async def test_a_camera_giving_what_the_profile_asks_is_no_problem(conveyor, tmp_path):
    async with served(640, 480, 5) as camera:
        path = line_file(tmp_path, conveyor, f'source = "{camera.endpoint}"\nfps = 5')
        results = await commission(load_line(path))
    seen = results[-1]
    assert (seen.name, seen.reachable, seen.problems) == ("vision.camera", True, 0), render("cell", results)
    (got,) = seen.findings
    assert (got.key, got.values["width"], got.values["height"]) == ("camera_got", 640, 480)
    assert got.values["fps"] == pytest.approx(5, rel=0.2)
    assert "got 640x480 at a measured" in render("cell", results, "en")
    assert "받은 영상: 640x480, 측정" in render("cell", results, "ko")


@pytest.mark.timeout(120)
async def test_a_camera_giving_another_size_and_a_slower_rate_is_reported_with_what_to_do(conveyor, tmp_path):
    async with served(320, 240, 3) as camera:
        path = line_file(tmp_path, conveyor, f'source = "{camera.endpoint}"')  # the profile asks 640x480 at 30
        results = await commission(load_line(path))
    seen = results[-1]
    assert [f.key for f in seen.findings if f.problem] == ["camera_size", "camera_fps"]
    size, rate = (f for f in seen.findings if f.problem)
    assert (size.values["asked"], size.values["got"]) == ("640x480", "320x240")
    assert rate.values["asked"] == 30 and rate.values["got"] <= 3.5
    english, korean = render("cell", results, "en"), render("cell", results, "ko")
    assert "asked 640x480, got 320x240: the camera does not offer that size" in english
    assert "asked 30 fps, measured" in english and "auto_exposure = false" in english
    assert "640x480을(를) 요청했지만 320x240을(를) 받았습니다" in korean and "30 fps를 요청했지만" in korean


@pytest.mark.timeout(120)
async def test_a_missing_camera_is_one_line_in_korean_and_english_and_commission_exits_1(conveyor, tmp_path):
    path = line_file(tmp_path, conveyor, f'source = "{MISSING}"')
    (*_, seen) = await commission(load_line(path))
    assert [f.key for f in seen.findings] == ["unreachable"] and not seen.reachable
    assert f"no camera at {MISSING}: is it plugged in? (ls /dev/v4l/by-id" in render("cell", [seen], "en")
    assert f"카메라 {MISSING}가 없습니다: 꽂혀 있나요?" in render("cell", [seen], "ko")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "commission", "--line", str(path),
                                                "--lang", "ko", stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(100):
        out, err = await proc.communicate()
    assert proc.returncode == 1 and b"Traceback" not in err, err.decode()
    assert f"카메라 {MISSING}가 없습니다" in out.decode()


async def test_a_stream_that_cannot_be_opened_says_so(conveyor, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/camera/stream.mjpg"
    path = line_file(tmp_path, conveyor, f'source = "{url}"\nopen_timeout = 1.0\nread_timeout = 0.5')
    (*_, seen) = await commission(load_line(path))
    assert [f.key for f in seen.findings] == ["camera_cannot_open"] and not seen.reachable
    assert f"cannot open camera {url}" in render("cell", [seen], "en")
    assert f"카메라 {url}를 열 수 없습니다" in render("cell", [seen], "ko")


def test_a_camera_the_user_may_not_open_names_the_group_to_join(tmp_path):
    """The device file's group (video on Debian) is the one to join; as root the check runs in a child as nobody."""
    with closed_device("video0", "video") as device:
        group = grp.getgrgid(device.stat().st_gid).gr_name
        note = as_nobody(lambda: open_problem(str(device)))
    assert note.en == (f"camera {device}: permission denied: add the user to the {group} group and log in again"
                       f" (sudo usermod -aG {group} $USER)")
    assert note.ko.startswith(f"카메라 {device}: 권한이 없습니다: 사용자를 {group} 그룹에 넣고")
    assert open_problem(str(tmp_path / "video1")).en.startswith(f"no camera at {tmp_path / 'video1'}: is it plugged in?")
