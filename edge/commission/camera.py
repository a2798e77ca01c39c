"""The line's camera (`[vision.camera]`), opened as the edge opens it: what it gives against what was asked.

A V4L2 device file that cannot be opened is said before OpenCV is asked (missing, the group to join, busy).
Once frames come, the size is the frames' own, the rate is measured over `MEASURE_S` (frame numbers over
grab times, so a slow reader does not lower it) and the pixel format is what the camera said it took.
A size or format other than asked, or a rate under `RATE_SHORT` of the one asked, is a problem.
"""

from __future__ import annotations

from smarthall.devices.camera import CameraDriver, Frame, device_path, open_problem
from smarthall.devices.camera_settings import CameraSettings

from .probe import ConnectionResult, Finding

MEASURE_S = 2.0
RATE_SHORT = 0.8


async def probe_camera(settings: CameraSettings, measure_s: float = MEASURE_S) -> ConnectionResult:
    result = ConnectionResult("vision.camera", "uvc", str(settings.source))
    path = device_path(settings.source)
    if path is not None and (problem := open_problem(path)) is not None:
        result.findings.append(Finding("unreachable", {"reason": problem}))
        return result
    async with CameraDriver(settings) as camera:
        first = await camera.frame_after(0, settings.open_timeout + 2 * settings.read_timeout + 1)
        if first is None:
            reason = camera.status().reason
            result.findings.append(Finding("camera_cannot_open" if reason.startswith("cannot open") else
                                           "camera_no_frames", {"source": settings.source}))
            return result
        last = await _last_frame(camera, first, measure_s, settings.read_timeout)
        granted = dict(camera.granted)
    result.reachable = True
    _judge(result, settings, first, last, str(granted.get("fourcc", "")))
    return result


async def _last_frame(camera: CameraDriver, first: Frame, measure_s: float, read_timeout: float) -> Frame:
    """The newest frame once `measure_s` has passed since the first (or when frames stop coming)."""
    last = first
    while last.monotonic - first.monotonic < measure_s:
        frame = await camera.frame_after(last.monotonic, read_timeout + 1)
        if frame is None:
            break
        last = frame
    return last


def _judge(result: ConnectionResult, settings: CameraSettings, first: Frame, last: Frame, fourcc: str) -> None:
    height, width = first.image.shape[:2]
    elapsed = last.monotonic - first.monotonic
    fps = (last.seq - first.seq) / elapsed if elapsed > 0 else 0.0
    result.findings.append(Finding("camera_got", {"width": width, "height": height, "fps": fps,
                                                  "fourcc": fourcc or "-"}, problem=False))
    asked_width, asked_height = settings.width or width, settings.height or height
    if (asked_width, asked_height) != (width, height):
        result.findings.append(Finding("camera_size", {"asked": f"{asked_width}x{asked_height}",
                                                       "got": f"{width}x{height}"}))
    if settings.fps is not None and fps < RATE_SHORT * settings.fps:
        result.findings.append(Finding("camera_fps", {"asked": settings.fps, "got": fps}))
    if settings.fourcc is not None and fourcc and fourcc != settings.fourcc:
        result.findings.append(Finding("camera_format", {"asked": settings.fourcc, "got": fourcc}))
