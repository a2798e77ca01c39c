"""The inspection pipeline, sans-IO: one BGR frame and a recipe in, a `Result` out.

Steps, all inside the recipe's region of interest (ROI):

1. Segmentation (`segment`): the belt's colour from the ROI's border, so every
   threshold is relative to the light level (dim light changes nothing); the part
   located on a quarter-scale copy, then outlined at full resolution in its box.
   Its hole (belt showing through) is what the filled outline has and the mask
   has not.
2. Geometry: diameter from the minimum enclosing circle (a chip does not shrink
   it), circularity 4*pi*A/P^2, chipped edge as the deepest notch of the outline
   below that circle.
3. The face, the disc minus rim and hole (`surface`): colour, scratches, stains.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from smarthall.devices.opencv import cv2

from .recipe import Recipe
from .segment import find_part
from .surface import Face, bright_lines, colour, scratch_length, stain

DEFECTS = ("missing_hole", "scratch", "chipped_edge", "wrong_diameter", "stain")
"""Defect classes the pipeline reports, as the simulator names them; plus ``wrong_color`` and ``no_part``."""


@dataclass(frozen=True)
class Measurements:
    diameter_mm: float = 0.0
    circularity: float = 0.0
    hole_fraction: float = 0.0
    chip_depth_mm: float = 0.0
    scratch_length_mm: float = 0.0
    stain_area_mm2: float = 0.0
    center_px: tuple[float, float] = (0.0, 0.0)
    brightness: float = 0.0  # disc median over belt median


@dataclass(frozen=True)
class Result:
    """One inspection: verdict, defects found, colour, measurements, and the time it took (s)."""

    passed: bool
    defects: tuple[str, ...]
    color: str | None
    measurements: Measurements = field(default_factory=Measurements)
    elapsed_s: float = 0.0

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"

    def summary(self) -> str:
        m = self.measurements
        found = ",".join(self.defects) or "-"
        return (f"{self.verdict:4} color={self.color or '-':6} defects={found:24} d={m.diameter_mm:5.2f}mm "
                f"circ={m.circularity:.3f} hole={m.hole_fraction:.2f} chip={m.chip_depth_mm:.1f}mm "
                f"scratch={m.scratch_length_mm:.1f}mm stain={m.stain_area_mm2:.1f}mm2 "
                f"t={self.elapsed_s * 1000:.2f}ms")


def inspect(frame: np.ndarray, recipe: Recipe = Recipe()) -> Result:
    """Inspect one BGR frame (uint8, HxWx3); never raises for what is in the picture."""
    started = time.perf_counter()
    result = _inspect(frame, recipe)
    return Result(result.passed, result.defects, result.color, result.measurements,
                  time.perf_counter() - started)


def _inspect(frame: np.ndarray, r: Recipe) -> Result:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected a BGR uint8 frame, got shape {frame.shape} {frame.dtype}")
    x0, y0, x1, y1 = r.roi
    part = find_part(frame[y0:y1, x0:x1], r)
    if part is None:
        return _NO_PART
    outline, level, ppm = part.outline, part.level, r.px_per_mm
    area = cv2.contourArea(outline)
    (cx, cy), radius = cv2.minEnclosingCircle(outline)
    perimeter = cv2.arcLength(outline, True)
    circularity = 4 * math.pi * area / perimeter**2 if perimeter else 0.0
    pts = outline[:, 0, :].astype(np.float32)
    chip_px = float(radius - cv2.magnitude(pts[:, 0] - cx, pts[:, 1] - cy).min())

    filled = np.zeros_like(part.mask)
    cv2.drawContours(filled, [outline], -1, 255, cv2.FILLED)
    centre_xy = (round(cx), round(cy))
    hole_r = r.hole_diameter_mm * ppm / 2
    centre = np.zeros_like(filled)
    cv2.circle(centre, centre_xy, max(round(hole_r * 0.8), 1), 255, cv2.FILLED)
    belt_in_centre = cv2.countNonZero(cv2.bitwise_and(cv2.bitwise_and(centre, filled), cv2.bitwise_not(part.mask)))
    hole_fraction = belt_in_centre / max(cv2.countNonZero(centre), 1)

    face_mask = np.zeros_like(filled)  # the disc without its rim and without the hole
    cv2.circle(face_mask, centre_xy, max(round(radius - 2.5 * ppm), 1), 255, cv2.FILLED)
    cv2.circle(face_mask, centre_xy, round(hole_r + 2.0 * ppm), 0, cv2.FILLED)
    face_mask = cv2.bitwise_and(face_mask, cv2.erode(filled, _kernel(max(round(2.0 * ppm), 1))))
    if not cv2.countNonZero(face_mask):
        return _NO_PART
    face = Face.of(part.smooth, face_mask)
    color, brightness = colour(face, level)
    bright = bright_lines(part.raw, face_mask, level, r)
    stain_px, stained = stain(face, bright, r)
    stained_part = stain_px >= r.stain_min_area_mm2 * ppm * ppm
    scratch_px = scratch_length(bright, stained if stained_part else None)

    diameter = 2 * radius / ppm
    defects = []
    if hole_fraction < r.min_hole_fraction:
        defects.append("missing_hole")
    if scratch_px >= r.scratch_min_length_mm * ppm:
        defects.append("scratch")
    if chip_px >= r.chip_depth_mm * ppm:
        defects.append("chipped_edge")
    if abs(diameter - r.diameter_mm) > r.diameter_tol_mm:
        defects.append("wrong_diameter")
    if stained_part:
        defects.append("stain")
    if color not in r.colors:
        defects.append("wrong_color")
    if circularity < r.min_circularity and "chipped_edge" not in defects:
        defects.append("not_round")
    ox, oy = part.origin
    measurements = Measurements(
        diameter_mm=diameter, circularity=circularity, hole_fraction=hole_fraction, chip_depth_mm=chip_px / ppm,
        scratch_length_mm=scratch_px / ppm, stain_area_mm2=stain_px / ppm / ppm,
        center_px=(cx + ox + x0, cy + oy + y0), brightness=brightness)
    return Result(not defects, tuple(defects), color, measurements)


_NO_PART = Result(False, ("no_part",), None)
_KERNELS: dict[int, np.ndarray] = {}


def _kernel(size: int) -> np.ndarray:
    if size not in _KERNELS:
        _KERNELS[size] = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return _KERNELS[size]
