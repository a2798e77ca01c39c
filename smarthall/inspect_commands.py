"""The inspection subcommands: inspect (live source), inspect calibrate, inspect evaluate.

``smarthall inspect --source URL [--recipe FILE]`` prints one line per frame;
``inspect calibrate`` measures pixels per mm on a good part; ``inspect evaluate``
grades the pipeline on parts rendered by the camera simulator, whose ground truth
is known, and prints a confusion matrix per defect class. Without --source the
live commands use the camera of the line's [vision] table (--line; by default the
simulated line's stream).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.devices.camera import CameraDriver, CameraSettings
from smarthall.edge.inspection import DEFAULT_RECIPE, CalibrationError, RecipeError, load_recipe

from .arg_types import bounded, whole
from .edge_commands import CommandError

if TYPE_CHECKING:  # OpenCV and numpy: imported when a command inspects, not for `smarthall --help`
    import numpy as np

    from smarthall.edge.inspection.grading import Report

CONDITIONS = ("normal", "dim_light", "noise", "blur")  # simulators.camera.samples.CONDITIONS (checked by a test)
USER_ERRORS = (RecipeError, CalibrationError)


class InspectError(CommandError):
    """A user mistake or an unreachable camera; printed as one line."""


def add_commands(sub, add_lang) -> None:
    parser = sub.add_parser("inspect")
    add_lang(parser, argparse.SUPPRESS)
    parser.add_argument("action", nargs="?", choices=("run", "calibrate", "evaluate"), default="run",
                        help="run (default): print a result per frame; calibrate; evaluate")
    parser.add_argument("--source", default=None,
                        help="USB index, video file, RTSP or HTTP/MJPEG URL (default: the camera of --line)")
    parser.add_argument("--line", type=Path, default=None,
                        help="the line whose [vision] camera is inspected without --source (default: the simulated line)")
    parser.add_argument("--recipe", type=Path, default=DEFAULT_RECIPE, help="recipe TOML (default recipes/default.toml)")
    parser.add_argument("--count", type=whole(1, 100_000), default=10, help="run/calibrate: frames to use (default 10)")
    parser.add_argument("--diameter", type=bounded(1, 1000), default=None, help="calibrate: the part's true diameter in mm")
    parser.add_argument("--parts", type=whole(1, 1_000_000), default=500, help="evaluate: parts to render (default 500)")
    parser.add_argument("--condition", choices=CONDITIONS, default="normal", help="evaluate: lighting/optics")
    parser.add_argument("--defect-rate", type=bounded(0, 1), default=0.1, help="evaluate: fraction of defective parts")
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(run=_run)


def _run(args) -> int:
    try:
        recipe = load_recipe(args.recipe)
        if args.action == "evaluate":
            report = evaluate(args.parts, args.condition, recipe, seed=args.seed, defect_rate=args.defect_rate)
            print(report.render())
            return 0
        source = args.source if args.source is not None else line_camera(args.line)
        frames = asyncio.run(_grab(source, args.count, print_results=args.action == "run", recipe=recipe))
        if args.action == "calibrate":
            from smarthall.edge.inspection.calibrate import calibrate

            scale = calibrate(frames, recipe, args.diameter)
            print(f"px_per_mm = {scale:.4f}   (put this under [camera] in {args.recipe}; "
                  f"it was {recipe.px_per_mm:g})")
        return 0
    except USER_ERRORS as exc:
        raise InspectError(str(exc)) from None


def line_camera(line: Path | None) -> str:
    """The camera source of a line's [vision] table (the simulated line's without a line file)."""
    from smarthall.edge.config import DEFAULT_LINE, load_line

    vision = load_line(line or DEFAULT_LINE).vision
    if vision is None:
        raise InspectError(f"{line}: no [vision] table, so no camera to inspect: give --source")
    return str(vision.camera.source)


async def _grab(source: str, count: int, *, print_results: bool, recipe) -> list[np.ndarray]:
    if not source.isdigit() and "://" not in source and not Path(source).exists():
        raise InspectError(f"camera source {source}: no such file (a USB index, a video file or a URL)")
    settings = CameraSettings(int(source) if source.isdigit() else source)
    from smarthall.edge.inspection import inspect

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


def evaluate(parts: int, condition: str, recipe=None, *, seed: int = 1, defect_rate: float = 0.1) -> Report:
    """Render `parts` random parts as the feeder's magazine makes them and grade the pipeline."""
    from smarthall.edge.inspection.grading import grade
    from smarthall.simulators.camera.samples import ground_truth_views

    recipe = recipe or load_recipe()
    return grade(ground_truth_views(parts, condition, seed=seed, defect_rate=defect_rate), recipe, condition)
