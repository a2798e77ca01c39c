"""A camera profile's twin picture (sans-IO): a test pattern at the profile's size, gone while the twin is offline.

The twin serves it as MJPEG (`simulators.camera.CameraServer`) at the profile's rate, so the edge's camera
driver reads it under the profile's own keys, with the stream's URL as ``source``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from smarthall.simulators.camera import FrameSource

SIZE = (640, 480)  # a profile that asks no size
FPS = 15.0  # a profile that asks no rate


def pattern_source(camera: Mapping[str, object], offline: Callable[[], bool]) -> FrameSource:
    """Grey bars of the asked width x height with a white band that moves one step per frame."""
    width, height = int(camera.get("width", SIZE[0])), int(camera.get("height", SIZE[1]))  # type: ignore[call-overload]
    bars = np.repeat(np.linspace(40, 215, 8, dtype=np.uint8), -(-width // 8))[:width]
    base = np.broadcast_to(bars[None, :, None], (height, width, 3)).copy()
    band = max(1, height // 16)
    frames = 0

    def frame() -> np.ndarray | None:
        nonlocal frames
        if offline():
            return None
        frames += 1
        image = base.copy()
        top = frames * band % height
        image[top:top + band] = 255
        return image

    return frame
