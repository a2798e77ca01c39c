"""Calibration, sans-IO: pixels per millimetre from a frame of a good part of known diameter."""

from __future__ import annotations

import numpy as np

from .errors import CalibrationError
from .pipeline import inspect
from .recipe import Recipe


def calibrate(frames: list[np.ndarray], recipe: Recipe, diameter_mm: float | None = None) -> float:
    """Pixels per mm: the median measured diameter (px) over the known diameter (default: the recipe's).

    CalibrationError when no frame shows a round part.
    """
    known = diameter_mm or recipe.diameter_mm
    sizes = []
    for frame in frames:  # the outline's size in pixels does not depend on the recipe's scale
        result = inspect(frame, recipe)
        m = result.measurements
        if "no_part" not in result.defects and m.circularity >= recipe.min_circularity:
            sizes.append(m.diameter_mm * recipe.px_per_mm)
    if not sizes:
        raise CalibrationError(f"no round part found in {len(frames)} frame(s): put a good {known:g} mm part "
                               "under the camera")
    return float(np.median(sizes)) / known
