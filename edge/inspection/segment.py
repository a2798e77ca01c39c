"""Find the part in the recipe's region of interest (ROI), sans-IO.

Coarse to fine, so the full-resolution work covers the part and not the belt:

1. A quarter-scale copy of the ROI gives the belt's colour (the median of its
   border, bare belt by recipe) and a rough part mask, whose largest blob is the
   part's bounding box.
2. Inside that box only, at full resolution: a pixel is part when its
   box-blurred colour differs from the belt by more than ``foreground`` x belt
   level in any channel; the largest outer contour is the part's outline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smarthall.devices.opencv import cv2

from .recipe import Recipe

_SCALE = 4  # the coarse copy is 1/_SCALE of the ROI in x and y (independent of the recipe: calibration relies on it)
_BORDER = 2  # px of the coarse copy's border that sample the belt (8 px of the ROI)
_PAD = 2 * _SCALE  # px around the coarse box, for the part's blurred rim
_BLUR = 5  # box blur (px) of the full-resolution crop before thresholding
_TINT = np.array([[-1.0, 0.0, 1.0, 128.0]], np.float32)  # red - blue + 128


@dataclass(frozen=True)
class Found:
    """The part: its outline and the crop of the ROI around it (offset ``origin`` in the ROI)."""

    origin: tuple[int, int]
    raw: np.ndarray  # BGR crop as in the frame
    smooth: np.ndarray  # the crop box-blurred
    mask: np.ndarray  # 255 where the crop is part, not belt
    outline: np.ndarray  # the part's outer contour, crop coordinates
    level: float  # mean of the belt's colour: every threshold is relative to it


def find_part(roi: np.ndarray, r: Recipe) -> Found | None:
    """The part in ``roi`` (BGR), or None when there is none of at least a quarter of the recipe's area."""
    h, w = roi.shape[0] // _SCALE, roi.shape[1] // _SCALE
    if h < 2 * _BORDER + 2 or w < 2 * _BORDER + 2:
        return None
    coarse = cv2.blur(cv2.resize(roi[: h * _SCALE, : w * _SCALE], (w, h), interpolation=cv2.INTER_LINEAR), (3, 3))
    belt = _border_median(coarse)
    level = max(float(belt.mean()), 1.0)
    lo, hi = _band(belt, r.foreground * level)
    min_area = 0.25 * math.pi * (r.diameter_mm * r.px_per_mm / 2) ** 2
    blob = _largest(cv2.bitwise_not(cv2.inRange(coarse, lo, hi)), min_area / _SCALE**2)
    if blob is None:
        return None
    x, y, bw, bh = cv2.boundingRect(blob)
    x0, y0 = max(x * _SCALE - _PAD, 0), max(y * _SCALE - _PAD, 0)
    x1, y1 = min((x + bw) * _SCALE + _PAD, roi.shape[1]), min((y + bh) * _SCALE + _PAD, roi.shape[0])
    raw = roi[y0:y1, x0:x1]
    smooth = cv2.blur(raw, (_BLUR, _BLUR))
    tint = cv2.transform(smooth, _TINT)  # a stain on the rim is belt-dark but brown: red minus blue tells it
    belt_tint = float(belt[2] - belt[0]) + 128.0
    t = r.foreground * level
    belt_like = cv2.bitwise_and(cv2.inRange(smooth, lo, hi), cv2.inRange(tint, belt_tint - t, belt_tint + t))
    mask = cv2.bitwise_not(belt_like)
    outline = _largest(mask, min_area)
    if outline is None:
        return None
    return Found((x0, y0), raw, smooth, mask, outline, level)


def _border_median(image: np.ndarray) -> np.ndarray:
    b = _BORDER
    strips = np.concatenate([image[:b].reshape(-1, 3), image[-b:].reshape(-1, 3),
                             image[b:-b, :b].reshape(-1, 3), image[b:-b, -b:].reshape(-1, 3)])
    return np.median(strips, axis=0)


def _band(belt: np.ndarray, t: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The colours within ``t`` of the belt's in every channel."""
    return tuple(float(c) - t for c in belt), tuple(float(c) + t for c in belt)


def _largest(mask: np.ndarray, min_area: float) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    best = max(contours, key=cv2.contourArea)
    return best if cv2.contourArea(best) >= min_area else None
