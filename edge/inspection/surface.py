"""The part's face, sans-IO: colour, scratches and stains on the disc minus rim and hole.

- Colour: chromaticity (R, G, B each over their sum, independent of light) says
  red; the median grey relative to the belt says black or silver.
- Scratch: a long, thin, straight bright component of the top-hat of grey, at
  full resolution; on a stained part, none beside the stain (the clean face
  between a stain and the rim or hole shows as a bright arc).
- Stain: a blob whose chromaticity differs from the face's own median, or that is
  much darker than the face, at half resolution (stains are millimetres wide).
  Medians come from histograms (cheaper than sorting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smarthall.devices.opencv import cv2

from .recipe import Recipe

_SQUARE9 = np.ones((9, 9), np.uint8)
_SUM = np.ones((1, 3), np.float32)
_MIN_LINE_PX = 6  # smaller bright specks are noise
_FILL = 0.5  # a line's pixels fill at least this much of its rotated bounding box
_CHROMA_BINS = 1024  # resolution of the chromaticity median (1/1024)


@dataclass(frozen=True)
class Face:
    """The face at half resolution (every other pixel of the blurred crop): chromaticity, grey, their medians."""

    on: np.ndarray  # 255 on the face
    green: np.ndarray
    red: np.ndarray
    gray: np.ndarray
    median_green: float
    median_red: float
    median_gray: float

    @classmethod
    def of(cls, smooth: np.ndarray, face: np.ndarray) -> Face:
        """``smooth`` (BGR, box-blurred, so every other pixel loses nothing) under the mask ``face``."""
        half, on = _half(smooth), _half(face)
        f = half.astype(np.float32)
        sums = cv2.transform(f, _SUM) + 1.0
        green, red = f[..., 1] / sums, f[..., 2] / sums
        gray = cv2.cvtColor(half, cv2.COLOR_BGR2GRAY)
        return cls(on, green, red, gray, median(green, on, _CHROMA_BINS, 1.0), median(red, on, _CHROMA_BINS, 1.0),
                   median(gray, on, 256))


def colour(face: Face, level: float) -> tuple[str, float]:
    """(colour, the face's median grey over the belt level)."""
    brightness = face.median_gray / level
    if face.median_red > 0.45:
        return "red", brightness
    return ("black" if brightness < 1.0 else "silver"), brightness


def bright_lines(raw: np.ndarray, on: np.ndarray, level: float, r: Recipe) -> np.ndarray:
    """Mask (255) of the thin bright structures of ``raw`` (BGR, the top-hat of grey) under the mask ``on``."""
    gray = cv2.GaussianBlur(cv2.cvtColor(raw, cv2.COLOR_BGR2GRAY), (3, 3), 0)
    ridge = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, _SQUARE9)
    bright = cv2.threshold(ridge, r.scratch_contrast * level, 255, cv2.THRESH_BINARY)[1]
    return cv2.bitwise_and(bright, on)


def stain(face: Face, bright: np.ndarray, r: Recipe) -> tuple[int, np.ndarray]:
    """(area in px at full resolution of the largest stain on ``face``, its mask at half resolution).

    A stain's pixels are off the face's chromaticity or dark; off-chromaticity pixels near a bright
    line are the line's (a white scratch on red), dark ones never are.
    """
    far = cv2.magnitude(face.green - face.median_green, face.red - face.median_red) > r.stain_chroma
    dark = face.gray < r.stain_dark * face.median_gray
    near_line = _half(cv2.dilate(bright, _SQUARE9)) > 0
    blotch = ((dark | (far & ~near_line)) & (face.on > 0)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(blotch, 8, cv2.CV_32S, cv2.CCL_GRANA)
    if n < 2:
        return 0, blotch
    biggest = 1 + int(stats[1:, cv2.CC_STAT_AREA].argmax())
    return 4 * int(stats[biggest, cv2.CC_STAT_AREA]), (labels == biggest).astype(np.uint8)


def scratch_length(bright: np.ndarray, stained: np.ndarray | None = None) -> float:
    """Length (px) of the longest straight thin component of ``bright``.

    With ``stained`` (a half-resolution stain mask) a line along the stain is not counted: a
    stain's edge leaves thin bright arcs of clean face between it and the rim or the hole.
    """
    near_stain = None
    if stained is not None:
        near = cv2.dilate(stained, _SQUARE9)  # 4 px at half resolution: 8 px around the stain
        near_stain = cv2.resize(near, (bright.shape[1], bright.shape[0]), interpolation=cv2.INTER_NEAREST)
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(bright, 8, cv2.CV_32S, cv2.CCL_GRANA)
    best = 0.0
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < _MIN_LINE_PX or math.hypot(w, h) <= best:
            continue
        own = labels[y:y + h, x:x + w] == i
        if near_stain is not None and near_stain[y:y + h, x:x + w][own].any():
            continue
        ys, xs = np.nonzero(own)
        (_, _), (rw, rh), _ = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        thin = min(rw, rh) <= max(3.0, 0.25 * max(rw, rh))  # a line, not a blob
        if thin and area >= _FILL * rw * rh:  # straight: an arc fills less of its box
            best = max(best, max(rw, rh))
    return best


def median(image: np.ndarray, mask: np.ndarray, bins: int, top: float = 256.0) -> float:
    """Median of the one-channel ``image`` (values in [0, top)) under ``mask``, to 1/``bins`` of ``top``."""
    hist = cv2.calcHist([image], [0], mask, [bins], [0, top]).ravel()
    middle = int(np.searchsorted(np.cumsum(hist), hist.sum() / 2))
    return (middle + 0.5) * top / bins


def _half(image: np.ndarray) -> np.ndarray:
    """Every other pixel in x and y (like ``image[::2, ::2]``, but contiguous and faster)."""
    h, w = image.shape[:2]
    return cv2.resize(image, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_NEAREST)
