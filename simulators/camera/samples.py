"""Parts as the camera sees them, with their ground truth: what inspection is graded on.

`ground_truth_views(parts, condition, ...)` renders random parts the way the
feeder's magazine makes them (colour, at most one defect, a random position in
the camera field) under one of the optics `CONDITIONS`, and yields each frame
with the truth it shows. The same seed gives the same parts and pixels.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from smarthall.simulators.plant import CameraView, Part
from smarthall.simulators.plant.parts import COLORS, DEFECTS

from .render import BASE_NOISE_SIGMA, Optics, render

CONDITIONS = {"normal": Optics(), "dim_light": Optics(gain=0.4),
              "noise": Optics(noise_sigma=float(np.hypot(BASE_NOISE_SIGMA, 12))), "blur": Optics(blur_sigma=3.0)}


@dataclass(frozen=True)
class TruthView:
    """One rendered part: its colour, its defect (None: good) and the BGR frame."""

    color: str
    defect: str | None
    image: np.ndarray


def ground_truth_views(parts: int, condition: str = "normal", *, seed: int = 1,
                       defect_rate: float = 0.1) -> Iterator[TruthView]:
    """`parts` rendered random parts under the named optics condition (a key of CONDITIONS)."""
    optics = CONDITIONS[condition]
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    for i in range(parts):
        color = rng.choice(COLORS)
        defect = rng.choice(DEFECTS) if rng.random() < defect_rate else None
        view = CameraView(Part(i + 1, color, defect, rng.getrandbits(32)), rng.uniform(-19.0, 19.0))
        yield TruthView(color, defect, render(view, optics, rng=noise))
