"""The inspection pipeline, sans-IO: one BGR frame and a recipe in, a `Result` out.

Steps, all inside the recipe's region of interest (ROI):

1. Belt reference: the median colour of the ROI's border (bare belt by recipe),
   so every threshold is relative to the light level (dim light changes nothing).
2. Segmentation: a pixel is part when its box-blurred colour differs from the
   belt by more than ``foreground`` x belt level in any channel; the largest
   outer contour is the part. Its hole (belt showing through) is what the filled
   outline has and the mask has not.
3. Geometry: diameter from the minimum enclosing circle (a chip does not shrink
   it), circularity 4*pi*A/P^2, chipped edge as the deepest notch of the outline
   below that circle.
4. Colour: chromaticity (R, G, B each over their sum, independent of light) says
   red; brightness relative to the belt says black or silver.
5. Surface, on the disc minus rim and hole: a scratch is a long thin bright
   component of (gray - median5(gray)); a stain is a blob whose chromaticity
   differs from the disc's own median.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from .recipe import Recipe

DEFECTS = ("missing_hole", "scratch", "chipped_edge", "wrong_diameter", "stain")
"""Defect classes the pipeline reports, as the simulator names them; plus ``wrong_color`` and ``no_part``."""

_BORDER = 6  # px of the ROI border that sample the belt


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
    roi = frame[y0:y1, x0:x1]
    if roi.shape[0] < 2 * _BORDER + 4 or roi.shape[1] < 2 * _BORDER + 4:
        return Result(False, ("no_part",), None)
    smooth = cv2.blur(roi, (5, 5))
    belt = _belt_colour(smooth)
    level = max(float(belt.mean()), 1.0)
    t = r.foreground * level  # part: any channel farther than t from the belt's colour
    lo = tuple(float(c) - t for c in belt)
    hi = tuple(float(c) + t for c in belt)
    mask = cv2.bitwise_not(cv2.inRange(smooth, lo, hi))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    ppm = r.px_per_mm
    min_area = 0.25 * math.pi * (r.diameter_mm * ppm / 2) ** 2
    if not contours:
        return Result(False, ("no_part",), None)
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if area < min_area:
        return Result(False, ("no_part",), None)
    (cx, cy), radius = cv2.minEnclosingCircle(outline)
    perimeter = cv2.arcLength(outline, True)
    circularity = 4 * math.pi * area / perimeter**2 if perimeter else 0.0
    pts = outline[:, 0, :].astype(np.float32)
    chip_px = float(radius - np.hypot(pts[:, 0] - cx, pts[:, 1] - cy).min())

    # work on the disc's bounding square only
    bx0, by0 = max(int(cx - radius) - 2, 0), max(int(cy - radius) - 2, 0)
    bx1, by1 = min(int(cx + radius) + 3, roi.shape[1]), min(int(cy + radius) + 3, roi.shape[0])
    filled = np.zeros((by1 - by0, bx1 - bx0), np.uint8)
    cv2.drawContours(filled, [outline], -1, 255, cv2.FILLED, offset=(-bx0, -by0))
    part_mask = mask[by0:by1, bx0:bx1]
    ccx, ccy = cx - bx0, cy - by0
    hole_r = r.hole_diameter_mm * ppm / 2
    centre = np.zeros_like(filled)
    cv2.circle(centre, (round(ccx), round(ccy)), max(round(hole_r * 0.8), 1), 255, cv2.FILLED)
    centre_px = max(cv2.countNonZero(centre), 1)
    belt_in_centre = cv2.countNonZero(cv2.bitwise_and(centre, cv2.bitwise_and(filled, cv2.bitwise_not(part_mask))))
    hole_fraction = belt_in_centre / centre_px

    # the surface: the disc without its rim and without the hole
    surface = np.zeros_like(filled)
    cv2.circle(surface, (round(ccx), round(ccy)), max(round(radius - 2.5 * ppm), 1), 255, cv2.FILLED)
    cv2.circle(surface, (round(ccx), round(ccy)), round(hole_r + 2.0 * ppm), 0, cv2.FILLED)
    surface = cv2.bitwise_and(surface, cv2.erode(filled, _kernel(max(round(2.0 * ppm), 1))))
    patch = smooth[by0:by1, bx0:bx1]
    raw = roi[by0:by1, bx0:bx1]
    on_surface = surface > 0
    if not on_surface.any():
        return Result(False, ("no_part",), None)

    # colour
    patch_f = patch.astype(np.float32)
    sums = cv2.transform(patch_f, _SUM) + 1.0
    chroma = cv2.merge([patch_f[..., 1] / sums, patch_f[..., 2] / sums])  # (g, r) chromaticity
    disc_chroma = np.median(chroma[on_surface], axis=0)
    gray_patch = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    brightness = float(np.median(gray_patch[on_surface])) / level
    if disc_chroma[1] > 0.45:
        color = "red"
    elif brightness < 1.0:
        color = "black"
    else:
        color = "silver"

    # scratch: long thin bright components
    gray = cv2.cvtColor(raw, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (3, 3), 0)
    ridge = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, _SQUARE9)
    bright = ((ridge > r.scratch_contrast * level) & on_surface).astype(np.uint8)
    scratch_px = _longest_component(bright, min_px=6)

    # stain: chromaticity away from the disc's own colour
    dg, dr = chroma[..., 0] - disc_chroma[0], chroma[..., 1] - disc_chroma[1]
    far = cv2.magnitude(dg, dr)
    disc_gray = float(np.median(gray_patch[on_surface]))
    dark = gray_patch < r.stain_dark * disc_gray
    blotch = (((far > r.stain_chroma) | dark) & on_surface).astype(np.uint8)
    blotch[cv2.dilate(bright, _SQUARE9) > 0] = 0  # a scratch is no stain
    blotch = cv2.morphologyEx(blotch, cv2.MORPH_OPEN, _kernel(3))
    stain_px = _largest_area(blotch)

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
    if stain_px >= r.stain_min_area_mm2 * ppm * ppm:
        defects.append("stain")
    if color not in r.colors:
        defects.append("wrong_color")
    if circularity < r.min_circularity and "chipped_edge" not in defects:
        defects.append("not_round")
    measurements = Measurements(
        diameter_mm=diameter, circularity=circularity, hole_fraction=hole_fraction, chip_depth_mm=chip_px / ppm,
        scratch_length_mm=scratch_px / ppm, stain_area_mm2=stain_px / ppm / ppm,
        center_px=(cx + r.roi[0], cy + r.roi[1]), brightness=brightness)
    return Result(not defects, tuple(defects), color, measurements)


def _belt_colour(smooth: np.ndarray) -> np.ndarray:
    b = _BORDER
    strips = np.concatenate([smooth[:b].reshape(-1, 3), smooth[-b:].reshape(-1, 3),
                             smooth[:, :b].reshape(-1, 3), smooth[:, -b:].reshape(-1, 3)])
    return np.median(strips, axis=0)


def _longest_component(binary: np.ndarray, min_px: int) -> float:
    """The longest side of the rotated bounding box of the longest component (px)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    best = 0.0
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < min_px:
            continue
        extent = math.hypot(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT])
        if extent <= best:
            continue
        ys, xs = np.nonzero(labels == i)
        (_, _), (w, h), _ = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        if min(w, h) <= max(3.0, 0.25 * max(w, h)):  # thin: a line, not a blob
            best = max(best, max(w, h))
    return best


def _largest_area(binary: np.ndarray) -> int:
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    return int(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0


_KERNELS: dict[int, np.ndarray] = {}
_SQUARE9 = np.ones((9, 9), np.uint8)
_SUM = np.ones((1, 3), np.float32)


def _kernel(size: int) -> np.ndarray:
    if size not in _KERNELS:
        _KERNELS[size] = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return _KERNELS[size]
