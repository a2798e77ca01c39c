"""The camera driver: any OpenCV source (USB index, video file, RTSP or HTTP/MJPEG URL).

`CameraDriver` grabs in its own thread (cv2 calls block) and keeps the newest
`Frame` (image, wall-clock timestamp, monotonic time, sequence number). A source
that fails to open, stops delivering (``stall_s`` without a frame) or ends is
released and reopened with the jittered `Backoff`; meanwhile `status()` is a BAD
`Reading` saying why. Nothing here raises for a lost camera; `SettingsError`
for settings that cannot be used. `close()` stops and joins the thread (a
blocked read ends within the read timeout, which OpenCV's FFMPEG backend
honours for network sources).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .backoff import Backoff
from .errors import SettingsError
from .quality import Reading

if TYPE_CHECKING:  # OpenCV is imported when a camera opens: a line file with [vision] loads without it
    import cv2
    import numpy as np


@dataclass(frozen=True)
class Frame:
    """One grabbed image (BGR uint8), when it was grabbed and its number since the driver started."""

    image: np.ndarray
    timestamp: float  # epoch seconds
    monotonic: float  # time.monotonic() at grab: compare with other monotonic times
    seq: int


@dataclass(frozen=True)
class CameraSettings:
    """Where the camera is and how to treat it; width/height/exposure only where the camera allows it."""

    source: str | int
    width: int | None = None
    height: int | None = None
    exposure: float | None = None
    open_timeout: float = 2.0
    read_timeout: float = 1.0
    stall_s: float = 1.0
    backoff_min: float = 0.2
    backoff_max: float = 5.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> CameraSettings:
        """From a line TOML table: source (int index, file path or URL) and the optional keys above."""
        if "source" not in settings:
            raise SettingsError("camera settings: missing key 'source' (USB index, file path or URL)")
        known = set(cls.__dataclass_fields__)
        if unknown := sorted(set(settings) - known):
            raise SettingsError(f"camera settings: unknown key {unknown[0]!r}: expected one of {', '.join(sorted(known))}")
        source = settings["source"]
        if isinstance(source, bool) or not isinstance(source, (int, str)) or source == "":
            raise SettingsError(f"camera settings: key 'source': expected a USB index or a path or URL, got {source!r}")
        values = {}
        for key in known - {"source"}:
            if key in settings:
                value = settings[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise SettingsError(f"camera settings: key {key!r}: expected a number > 0, got {value!r}")
                values[key] = value
        return cls(source=source, **values)


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
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

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
            capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            self._set_reason(f"cannot open {source}")
            return None
        for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, s.width), (cv2.CAP_PROP_FRAME_HEIGHT, s.height),
                            (cv2.CAP_PROP_EXPOSURE, s.exposure)):
            if value is not None:
                capture.set(prop, value)  # a camera that cannot do it ignores it
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
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
                self._frame = Frame(image, now, mono, self._seq)
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
