"""The inspection subcommands: inspect (live source), inspect calibrate, inspect evaluate.

``smarthall inspect --source URL [--recipe FILE]`` prints one line per frame;
``inspect calibrate`` measures pixels per mm on a good part; ``inspect evaluate``
grades the pipeline on parts rendered by the camera simulator, whose ground truth
is known, and prints a confusion matrix per defect class. Without --source the
live commands use the simulator's default stream.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from devices.camera import CameraDriver, CameraSettings
from edge.inspection import DEFAULT_RECIPE, DEFECTS, CalibrationError, RecipeError, Result, inspect, load_recipe
from edge.inspection.calibrate import calibrate

from .edge_commands import CommandError

DEFAULT_SOURCE = "http://127.0.0.1:8080/camera/stream.mjpg"
CONDITIONS = ("normal", "dim_light", "noise", "blur")
USER_ERRORS = (RecipeError, CalibrationError)


class InspectError(CommandError):
    """A user mistake or an unreachable camera; printed as one line."""


def add_commands(sub, add_lang) -> None:
    parser = sub.add_parser("inspect", help="the camera inspection station: inspect a live source, calibrate, "
                                            "evaluate against the simulator's ground truth")
    add_lang(parser, argparse.SUPPRESS)
    parser.add_argument("action", nargs="?", choices=("run", "calibrate", "evaluate"), default="run",
                        help="run (default): print a result per frame; calibrate; evaluate")
    parser.add_argument("--source", default=DEFAULT_SOURCE,
                        help="USB index, video file, RTSP or HTTP/MJPEG URL (default: the simulated camera)")
    parser.add_argument("--recipe", type=Path, default=DEFAULT_RECIPE, help="recipe TOML (default recipes/default.toml)")
    parser.add_argument("--count", type=int, default=10, help="run/calibrate: frames to use (default 10)")
    parser.add_argument("--diameter", type=float, default=None, help="calibrate: the part's true diameter in mm")
    parser.add_argument("--parts", type=int, default=500, help="evaluate: parts to render (default 500)")
    parser.add_argument("--condition", choices=CONDITIONS, default="normal", help="evaluate: lighting/optics")
    parser.add_argument("--defect-rate", type=float, default=0.1, help="evaluate: fraction of defective parts")
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(run=_run)


def _run(args) -> int:
    try:
        recipe = load_recipe(args.recipe)
        if args.action == "evaluate":
            report = evaluate(args.parts, args.condition, recipe, seed=args.seed, defect_rate=args.defect_rate)
            print(report.render())
            return 0
        frames = asyncio.run(_grab(args.source, args.count, print_results=args.action == "run", recipe=recipe))
        if args.action == "calibrate":
            scale = calibrate(frames, recipe, args.diameter)
            print(f"px_per_mm = {scale:.4f}   (put this under [camera] in {args.recipe}; "
                  f"it was {recipe.px_per_mm:g})")
        return 0
    except USER_ERRORS as exc:
        raise InspectError(str(exc)) from None


async def _grab(source: str, count: int, *, print_results: bool, recipe) -> list[np.ndarray]:
    if not source.isdigit() and "://" not in source and not Path(source).exists():
        raise InspectError(f"camera source {source}: no such file (a USB index, a video file or a URL)")
    settings = CameraSettings(int(source) if source.isdigit() else source)
    frames = []
    async with CameraDriver(settings) as camera:
        after = 0.0
        for _ in range(max(count, 1)):
            frame = await camera.frame_after(after, timeout=settings.open_timeout + settings.read_timeout + 1)
            if frame is None:
                raise InspectError(f"camera {source}: {camera.status().reason or 'no frame'}")
            after = frame.monotonic
            frames.append(frame.image)
            if print_results:
                stamp = time.strftime("%H:%M:%S", time.localtime(frame.timestamp))
                print(f"{stamp} #{frame.seq:<5} {inspect(frame.image, recipe).summary()}", flush=True)
    return frames


# -- evaluation against the simulator's ground truth -----------------------------------------


@dataclass
class Report:
    condition: str
    parts: int = 0
    verdict_ok: int = 0
    color_ok: int = 0
    confusion: dict[str, Counter] = field(default_factory=lambda: {d: Counter() for d in DEFECTS})
    false_pass: int = 0
    false_fail: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, defect: str | None, color: str, result: Result) -> None:
        self.parts += 1
        self.verdict_ok += result.passed == (defect is None)
        self.color_ok += result.color == color
        self.false_pass += result.passed and defect is not None
        self.false_fail += (not result.passed) and defect is None
        self.seconds.append(result.elapsed_s)
        for cls in DEFECTS:
            truth, found = defect == cls, cls in result.defects
            self.confusion[cls]["tp" if truth and found else "fn" if truth else "fp" if found else "tn"] += 1

    def precision_recall(self, cls: str) -> tuple[float, float]:
        c = self.confusion[cls]
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return precision, recall

    def render(self) -> str:
        lines = [f"condition {self.condition}: {self.parts} parts, verdict correct "
                 f"{100 * self.verdict_ok / max(self.parts, 1):.2f}% (false pass {self.false_pass}, "
                 f"false fail {self.false_fail}), colour correct {100 * self.color_ok / max(self.parts, 1):.2f}%, "
                 f"inspection p50 {1000 * float(np.median(self.seconds or [0])):.2f} ms",
                 f"  {'defect':15} {'TP':>5} {'FN':>5} {'FP':>5} {'TN':>6} {'precision':>10} {'recall':>7}"]
        for cls in DEFECTS:
            c = self.confusion[cls]
            p, r = self.precision_recall(cls)
            lines.append(f"  {cls:15} {c['tp']:5} {c['fn']:5} {c['fp']:5} {c['tn']:6} {p:10.3f} {r:7.3f}")
        return "\n".join(lines)


def optics_for(condition: str):
    from simulators.camera import BASE_NOISE_SIGMA, Optics

    return {"normal": Optics(), "dim_light": Optics(gain=0.4), "noise": Optics(noise_sigma=np.hypot(BASE_NOISE_SIGMA, 12)),
            "blur": Optics(blur_sigma=3.0)}[condition]


def evaluate(parts: int, condition: str, recipe=None, *, seed: int = 1, defect_rate: float = 0.1) -> Report:
    """Render `parts` random parts as the feeder's magazine makes them and grade the pipeline."""
    from simulators.camera import render
    from simulators.plant import CameraView, Part
    from simulators.plant.parts import COLORS

    recipe = recipe or load_recipe()
    optics = optics_for(condition)
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    report = Report(condition)
    for i in range(parts):
        color = rng.choice(COLORS)
        defect = rng.choice(DEFECTS) if rng.random() < defect_rate else None
        view = CameraView(Part(i + 1, color, defect, rng.getrandbits(32)), rng.uniform(-19.0, 19.0))
        report.add(defect, color, inspect(render(view, optics, rng=noise), recipe))
    return report
