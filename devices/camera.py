"""The camera driver: any OpenCV source (USB index, V4L2 device path, video file, RTSP or HTTP/MJPEG URL).

`CameraDriver` grabs in its own thread (cv2 calls block) and keeps the newest
`Frame` (image, wall-clock timestamp, monotonic time, sequence number). An
MJPEG stream read through FFmpeg is kept as the JPEGs it sends (OpenCV's raw
mode): a frame is decoded only when its image is first asked for, since most
frames are never looked at (decoding each at 15 frames/s was ~2% of a core;
grabbing it raw is a tenth of that). A source
that fails to open, stops delivering (``stall_s`` without a frame) or ends is
released and reopened with the jittered `Backoff`; meanwhile `status()` is a BAD
`Reading` saying why. Nothing here raises for a lost camera; `SettingsError`
for settings that cannot be used (`camera_settings`). `close()` stops and joins
the thread (a blocked read ends within the read timeout, which OpenCV's FFMPEG
backend honours for network sources).

On opening, the picture and UVC controls asked (`CameraSettings.asked`) are set
in order (format, size, rate, automatic modes, then values), and what the camera
then says it does is kept in `granted` (width, height, fps, fourcc): a camera
refuses what it cannot do silently, so `smarthall commission` compares the two.
`open_problem` says in Korean and English why a V4L2 device file cannot be
opened (missing, the group to join, busy) before OpenCV is asked to.
"""

from __future__ import annotations

import asyncio
import errno
import os
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .backoff import Backoff
from .camera_settings import CameraSettings
from .device_files import owning_group
from .errors import DriverError
from .profiles.model import Text
from .quality import Reading

if TYPE_CHECKING:  # OpenCV is imported when a camera opens: a line file with [vision] loads without it
    import cv2
    import numpy as np


class UnreadableFrame(DriverError):
    """A frame the camera sent compressed that does not decode."""


@dataclass(frozen=True)
class Frame:
    """One grabbed image, when it was grabbed and its number since the driver started."""

    data: np.ndarray  # the BGR uint8 image, or (compressed) the JPEG as the camera sent it
    timestamp: float  # epoch seconds
    monotonic: float  # time.monotonic() at grab: compare with other monotonic times
    seq: int
    compressed: bool = False

    @cached_property
    def image(self) -> np.ndarray:
        """The BGR uint8 image; a compressed frame is decoded on first use (UnreadableFrame when it cannot be)."""
        if not self.compressed:
            return self.data
        from .opencv import cv2

        image = cv2.imdecode(self.data, cv2.IMREAD_COLOR)
        if image is None:
            raise UnreadableFrame(f"camera frame {self.seq}: not a JPEG that decodes ({self.data.size} bytes)")
        return image


# CameraSettings key -> OpenCV property name; booleans as V4L2 takes them (auto exposure: 3 aperture priority, 1 manual)
_PROPERTIES = {"fourcc": "CAP_PROP_FOURCC", "width": "CAP_PROP_FRAME_WIDTH", "height": "CAP_PROP_FRAME_HEIGHT",
               "fps": "CAP_PROP_FPS", "auto_exposure": "CAP_PROP_AUTO_EXPOSURE", "exposure": "CAP_PROP_EXPOSURE",
               "gain": "CAP_PROP_GAIN", "brightness": "CAP_PROP_BRIGHTNESS", "contrast": "CAP_PROP_CONTRAST",
               "saturation": "CAP_PROP_SATURATION", "sharpness": "CAP_PROP_SHARPNESS",
               "auto_white_balance": "CAP_PROP_AUTO_WB", "white_balance": "CAP_PROP_WB_TEMPERATURE",
               "autofocus": "CAP_PROP_AUTOFOCUS", "focus": "CAP_PROP_FOCUS"}
_BOOLEANS = {"auto_exposure": (1, 3), "auto_white_balance": (0, 1), "autofocus": (0, 1)}


def device_path(source: str | int) -> str | None:
    """The V4L2 device file a source opens (a USB index N is /dev/videoN), or None for a file or URL."""
    if isinstance(source, int) or source.isdigit():
        return f"/dev/video{int(source)}"
    return source if source.startswith("/dev/") else None


_TEXTS = {
    "missing": ("카메라 {path}가 없습니다: 꽂혀 있나요? (ls /dev/v4l/by-id, v4l2-ctl --list-devices)",
                "no camera at {path}: is it plugged in? (ls /dev/v4l/by-id, v4l2-ctl --list-devices)"),
    "denied": ("카메라 {path}: 권한이 없습니다: 사용자를 {group} 그룹에 넣고 다시 로그인하세요 (sudo usermod -aG {group} $USER)",
               ("camera {path}: permission denied: add the user to the {group} group and log in again"
                " (sudo usermod -aG {group} $USER)")),
    "busy": ("카메라 {path}를 다른 프로그램이 쓰고 있습니다 (fuser {path})",
             "camera {path} is busy: another program is using it (fuser {path})"),
    "other": ("카메라 {path}: {detail}", "camera {path}: {detail}"),
}


def open_problem(path: str) -> Text | None:
    """Why a camera's device file (`device_path`) cannot be opened, or None when it opens."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return Text.filled(_TEXTS["missing"], path=path)
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Text.filled(_TEXTS["denied"], path=path, group=owning_group(path, "video"))
        if exc.errno == errno.EBUSY:
            return Text.filled(_TEXTS["busy"], path=path)
        return Text.filled(_TEXTS["other"], path=path, detail=os.strerror(exc.errno or 0))
    return None


class CameraDriver:
    """Grabs frames from one source in a background thread; use ``async with`` or start()/close()."""

    def __init__(self, settings: CameraSettings, backoff: Backoff | None = None) -> None:
        self.settings = settings
        self._backoff = backoff or Backoff(settings.backoff_min, settings.backoff_max)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame: Frame | None = None
        self._reason = "not started"
        self._seq = 0
        self.reconnects = 0
        self.granted: dict[str, float | str] = {}  # what the camera said it does once opened (width, height, fps, fourcc)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._compressed = False  # the open source's frames are kept as the JPEGs it sends

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("camera driver already started")
        self._stop.clear()
        self._reason = "connecting"
        self._thread = threading.Thread(target=self._run, name=f"camera {self.settings.source}", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        """Stop grabbing and join the thread (without blocking the event loop)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        await asyncio.to_thread(thread.join)

    async def __aenter__(self) -> CameraDriver:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what callers see -----------------------------------------------------------

    def latest(self) -> Frame | None:
        with self._lock:
            return self._frame

    def status(self) -> Reading:
        """GOOD (value: frames grabbed so far) while frames arrive; BAD with a reason otherwise."""
        with self._lock:
            frame, reason = self._frame, self._reason
        if reason:
            return Reading.bad(reason)
        if frame is None or time.monotonic() - frame.monotonic > self.settings.stall_s:
            return Reading.bad("stalled")
        return Reading.good(frame.seq, frame.timestamp)

    @property
    def ok(self) -> bool:
        return self.status().quality.value == "good"

    async def frame_after(self, monotonic: float, timeout: float) -> Frame | None:
        """The first frame grabbed after ``monotonic`` (time.monotonic()), or None within timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = self.latest()
            if frame is not None and frame.monotonic > monotonic:
                return frame
            left = deadline - loop.time()
            if left <= 0:
                return None
            event = asyncio.Event()
            entry = (loop, event)
            with self._lock:
                self._waiters.append(entry)
            try:
                async with asyncio.timeout(left):
                    await event.wait()
            except TimeoutError:
                return None
            finally:
                with self._lock:
                    if entry in self._waiters:
                        self._waiters.remove(entry)

    # -- the grabbing thread --------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            capture = self._open()
            if capture is None:
                self._stop.wait(self._backoff.next_delay())
                continue
            try:
                self._grab_until_lost(capture)
            finally:
                capture.release()
            if not self._stop.is_set():
                self.reconnects += 1
                self._stop.wait(self._backoff.next_delay())
        with self._lock:
            self._reason = "closed"

    def _open(self) -> cv2.VideoCapture | None:
        from .opencv import cv2

        s = self.settings
        source = s.source
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(s.open_timeout * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(s.read_timeout * 1000)]
        if isinstance(source, int) or source.isdigit():
            capture = cv2.VideoCapture(int(source), cv2.CAP_ANY, params)
        else:
            capture = cv2.VideoCapture(source, cv2.CAP_V4L2 if device_path(source) else cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            self._set_reason(f"cannot open {source}")
            return None
        for key, value in s.asked.items():
            if key == "fourcc":
                value = cv2.VideoWriter.fourcc(*value)
            elif key in _BOOLEANS:
                value = _BOOLEANS[key][bool(value)]
            capture.set(getattr(cv2, _PROPERTIES[key]), value)  # a camera that cannot do it ignores it
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        code = int(capture.get(cv2.CAP_PROP_FOURCC))
        self._compressed = (capture.getBackendName() == "FFMPEG" and code == cv2.VideoWriter.fourcc(*"MJPG")
                            and capture.set(cv2.CAP_PROP_FORMAT, -1))  # raw mode: the JPEGs, undecoded
        self.granted = {"width": capture.get(cv2.CAP_PROP_FRAME_WIDTH), "height": capture.get(cv2.CAP_PROP_FRAME_HEIGHT),
                        "fps": capture.get(cv2.CAP_PROP_FPS),
                        "fourcc": code.to_bytes(4, "little").decode("ascii", "replace").strip("\x00") if code > 0 else ""}
        return capture

    def _grab_until_lost(self, capture: cv2.VideoCapture) -> None:
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                self._set_reason("no frames (camera lost or stream ended)")
                return
            now, mono = time.time(), time.monotonic()
            with self._lock:
                self._seq += 1
                self._frame = Frame(image, now, mono, self._seq, self._compressed)
                self._reason = ""
                waiters, self._waiters = self._waiters, []
            self._backoff.reset()
            for loop, event in waiters:
                try:
                    loop.call_soon_threadsafe(event.set)
                except RuntimeError:
                    pass  # that loop is closed

    def _set_reason(self, reason: str) -> None:
        with self._lock:
            self._reason = reason
