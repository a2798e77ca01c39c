"""Inspection speed on one core: the whole pipeline (JPEG decode included, and without) against a baseline
of plain grayscale, blur, Otsu threshold and contours on the same frames, at 640x480 and 1280x720.

1280x720 frames are the simulator's frames scaled 1.5x (6 px/mm) and widened with belt to 1280.
Goal (issue 4): the full inspection within 2x the baseline; p99 <= 5 ms at 640x480 without decode.

Fairness: the process is pinned to one CPU and OpenCV to one thread; every variant is warmed up,
then timed frame by frame in turn (baseline, pipeline, ... on the same frame) so load from other
processes falls on all of them alike, with the garbage collector off during timing for all of them.
Each figure is the median over ``--runs`` runs.

    /tmp/venv/bin/python benchmarks/inspection_speed.py [--frames 600] [--runs 3] [--cpu N]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from smarthall.edge.inspection import Recipe, inspect, load_recipe
from smarthall.simulators.camera import Optics, render
from smarthall.simulators.plant import CameraView, Part
from smarthall.simulators.plant.parts import COLORS, DEFECTS

GOAL_RATIO = 2.0
GOAL_P99_MS = 5.0  # at 640x480, without decode


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


def decode(jpeg: np.ndarray) -> np.ndarray:
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def variants(recipe: Recipe) -> dict:
    """What is timed: name -> fn(image, its JPEG)."""
    return {
        "base": lambda im, j: baseline(im),
        "full": lambda im, j: inspect(im, recipe),
        "base_dec": lambda im, j: baseline(decode(j)),
        "full_dec": lambda im, j: inspect(decode(j), recipe),
        "decode": lambda im, j: decode(j),
    }


def timed_in_turn(variants: dict, images: list[np.ndarray], jpegs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """ms per frame of each variant (name -> fn(image, jpeg)), the variants taking turns on each frame."""
    times = {name: [] for name in variants}
    for image, jpeg in zip(images[:20], jpegs[:20]):  # warm up
        for fn in variants.values():
            fn(image, jpeg)
    gc.collect()
    gc.disable()
    try:
        for image, jpeg in zip(images, jpegs):
            for name, fn in variants.items():
                started = time.perf_counter()
                fn(image, jpeg)
                times[name].append(time.perf_counter() - started)
    finally:
        gc.enable()
    return {name: np.array(t) * 1000 for name, t in times.items()}


def stats(ms: np.ndarray) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, frames/s)."""
    return float(np.median(ms)), float(np.percentile(ms, 99)), 1000 / float(np.mean(ms))


def row(name: str, runs: list[tuple[float, float, float]], base: list[tuple[float, float, float]] | None = None
        ) -> str:
    p50, p99, fps = np.median(np.array(runs), axis=0)
    ratio = f"  {np.median([r[0] / b[0] for r, b in zip(runs, base)]):5.2f}x baseline" if base else ""
    return f"  {name:34} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {fps:7.1f} frames/s{ratio}"


def pin(cpu: int) -> str:
    """Run on one CPU: ``cpu`` indexes the allowed ones (-1: the last)."""
    chosen = sorted(os.sched_getaffinity(0))[cpu]
    os.sched_setaffinity(0, {chosen})
    return f"CPU {chosen}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3, help="timing passes; figures are medians over them")
    parser.add_argument("--cpu", type=int, default=-1, help="index of the allowed CPU to pin to (-1: the last)")
    args = parser.parse_args()
    where = pin(args.cpu)
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
        runs = [{name: stats(ms) for name, ms in timed_in_turn(variants(r), images, jpegs).items()}
                for _ in range(args.runs)]
        series = {name: [run[name] for run in runs] for name in runs[0]}
        h, w = images[0].shape[:2]
        print(f"{w}x{h}, {len(images)} frames, one core ({where}, 1 OpenCV thread, gc off while timing), "
              f"median of {args.runs} runs:")
        print(row("baseline gray+blur+Otsu+contours", series["base"]))
        print(row("inspection pipeline", series["full"], series["base"]))
        print(row("baseline, JPEG decode included", series["base_dec"]))
        print(row("inspection, JPEG decode included", series["full_dec"], series["base_dec"]))
        print(row("JPEG decode alone", series["decode"]))
        ratio = float(np.median([f[0] / b[0] for f, b in zip(series["full"], series["base"])]))
        goals = [f"p50 {ratio:.2f}x baseline (goal <= {GOAL_RATIO:g}x): {'met' if ratio <= GOAL_RATIO else 'missed'}"]
        if not hd:
            p99 = float(np.median([f[1] for f in series["full"]]))
            goals.append(f"p99 {p99:.2f} ms (goal <= {GOAL_P99_MS:g} ms): {'met' if p99 <= GOAL_P99_MS else 'missed'}")
        print(f"  goals, without decode: {'; '.join(goals)}\n", flush=True)


if __name__ == "__main__":
    main()
