"""Inspection speed on one core: the whole pipeline (JPEG decode included, and without) against a baseline
of plain grayscale, blur, Otsu threshold and contours on the same frames, at 640x480 and 1280x720.

1280x720 frames are the simulator's frames scaled 1.5x (6 px/mm) and widened with belt to 1280.
Goal (issue 4): the full inspection within 2x the baseline; p99 <= 5 ms at 640x480 without decode.

    /tmp/venv/bin/python benchmarks/inspection_speed.py [--frames 600]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from edge.inspection import inspect, load_recipe  # noqa: E402
from simulators.camera import Optics, render  # noqa: E402
from simulators.plant import CameraView, Part  # noqa: E402
from simulators.plant.parts import COLORS, DEFECTS  # noqa: E402


def baseline(image: np.ndarray) -> int:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return len(contours)


def frames(count: int, hd: bool) -> list[np.ndarray]:
    rng = random.Random(3)
    out = []
    for i in range(count):
        defect = rng.choice(DEFECTS) if rng.random() < 0.1 else None
        image = render(CameraView(Part(i + 1, rng.choice(COLORS), defect, rng.getrandbits(32)), rng.uniform(-19, 19)),
                       Optics(), rng=np.random.default_rng(i))
        if hd:
            image = cv2.resize(image, (960, 720), interpolation=cv2.INTER_LINEAR)
            image = cv2.copyMakeBorder(image, 0, 0, 160, 160, cv2.BORDER_REFLECT)
        out.append(image)
    return out


def timed(fn, items) -> np.ndarray:
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - started)
    return np.array(times) * 1000


def row(name: str, ms: np.ndarray, base: np.ndarray | None = None) -> str:
    ratio = f"  {np.median(ms) / np.median(base):5.2f}x baseline" if base is not None else ""
    return (f"  {name:34} p50 {np.median(ms):6.2f} ms  p99 {np.percentile(ms, 99):6.2f} ms  "
            f"{1000 / np.mean(ms):7.1f} frames/s{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    recipe = load_recipe()
    for hd in (False, True):
        images = frames(args.frames, hd)
        r = recipe
        if hd:
            x0, y0, x1, y1 = recipe.roi
            r = replace(recipe, px_per_mm=6.0, roi=(round(x0 * 1.5) + 160, round(y0 * 1.5), round(x1 * 1.5) + 160,
                                                   round(y1 * 1.5)))
        jpegs = [cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 85])[1] for im in images]
        for im in images[:20]:  # warm up
            inspect(im, r)
            baseline(im)
        decode = lambda j: cv2.imdecode(j, cv2.IMREAD_COLOR)  # noqa: E731
        base = timed(baseline, images)
        base_dec = timed(lambda j: baseline(decode(j)), jpegs)
        full = timed(lambda im: inspect(im, r), images)
        full_dec = timed(lambda j: inspect(decode(j), r), jpegs)
        h, w = images[0].shape[:2]
        print(f"{w}x{h}, {len(images)} frames, one core:")
        print(row("baseline gray+blur+Otsu+contours", base))
        print(row("inspection pipeline", full, base))
        print(row("baseline, JPEG decode included", base_dec))
        print(row("inspection, JPEG decode included", full_dec, base_dec))
        print(row("JPEG decode alone", timed(decode, jpegs)), flush=True)


if __name__ == "__main__":
    main()
