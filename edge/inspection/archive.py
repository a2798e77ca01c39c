"""Images of inspected parts for review: every rejected part and a sample of passed ones, with a size cap.

Each image is ``<time>-part<id>-<verdict>.jpg`` with a ``.json`` beside it holding the result.
When the directory grows beyond ``max_bytes`` the oldest pairs are deleted.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from smarthall.devices.opencv import cv2

from .pipeline import Result


class ImageArchive:
    def __init__(self, directory: str | Path, max_bytes: int = 50_000_000, pass_sample: int = 50) -> None:
        if max_bytes <= 0 or pass_sample < 0:
            raise ValueError(f"image archive {directory}: max_bytes must be > 0 and pass_sample >= 0")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.pass_sample = pass_sample
        self._passed = 0

    def keep(self, part_id: int, image: np.ndarray, result: Result, timestamp: float | None = None) -> Path | None:
        """Save the image if it is a reject or the pass sample's turn; returns the image path or None."""
        if result.passed:
            self._passed += 1
            if not self.pass_sample or self._passed % self.pass_sample:
                return None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(timestamp or time.time()))
        stem = self.directory / f"{stamp}-{time.monotonic_ns() % 10**9:09d}-part{part_id}-{result.verdict}"
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            return None
        image_path = stem.with_suffix(".jpg")
        image_path.write_bytes(jpeg.tobytes())
        record = {"part": part_id, "verdict": result.verdict, "color": result.color, "defects": list(result.defects),
                  "measurements": asdict(result.measurements), "elapsed_s": result.elapsed_s}
        stem.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")
        self._trim()
        return image_path

    def _trim(self) -> None:
        files = sorted(self.directory.glob("*.jpg"))
        total = sum(f.stat().st_size + _sidecar_size(f) for f in files)
        while files and total > self.max_bytes:
            oldest = files.pop(0)
            total -= oldest.stat().st_size + _sidecar_size(oldest)
            oldest.unlink(missing_ok=True)
            oldest.with_suffix(".json").unlink(missing_ok=True)


def _sidecar_size(image: Path) -> int:
    sidecar = image.with_suffix(".json")
    return sidecar.stat().st_size if sidecar.exists() else 0
