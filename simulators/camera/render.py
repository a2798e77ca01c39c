"""Render the camera's view of the belt: a pure function of plant state (sans-IO).

Geometry: the camera looks straight down at the belt centre (300 mm); image x runs
along the belt in the direction of travel, image y across it. The scale is fixed at
``PX_PER_MM`` so the edge can calibrate against it: the 640x480 frame covers
160 x 120 mm, and ``INSPECTION_REGION`` (100 x 60 mm around the centre) holds every
part the plant reports in the field. The overlay text stays outside that region.

A part is a disc (40 mm, or 34/46 mm with ``wrong_diameter``) with an 8 mm centre
hole through which the belt shows. Everything about a part's look is derived from
``Part.seed``, so the same part always renders the same; with ``noise_sigma=0`` the
whole frame is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from smarthall.devices.opencv import cv2

if TYPE_CHECKING:
    from smarthall.simulators.plant import CameraView

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
PX_PER_MM = 4.0
"""Fixed image scale at the belt surface (pixels per millimetre)."""
CAMERA_CENTER_PX = (FRAME_WIDTH // 2, FRAME_HEIGHT // 2)
"""Pixel (x, y) of the camera centre: a part with offset 0 mm is centred here."""
INSPECTION_REGION = (120, 120, 520, 360)
"""(x0, y0, x1, y1) pixels: 100 x 60 mm of belt where parts appear; nothing else is drawn there."""

DISC_DIAMETER_MM = 40.0
WRONG_DIAMETERS_MM = (34.0, 46.0)
HOLE_DIAMETER_MM = 8.0
BASE_NOISE_SIGMA = 2.0
"""Sensor noise of a healthy camera (grey levels); the ``noise`` fault raises it."""

_HOLE_SHADOW = 0.25  # fraction of light lost on the belt seen through the hole
_BEVEL_MM = 1.2  # width of the darker rounded rim
_NOISE_MARGIN = 128  # the noise tile is this much larger than a frame in x and y
_NOISE_SCALE = 16.0  # the int16 noise tile holds N(0, 1) * _NOISE_SCALE
_COLORS_BGR = {
    "red": (38.0, 40.0, 188.0),
    "black": (30.0, 29.0, 28.0),
    "silver": (172.0, 168.0, 163.0),
}


@dataclass(frozen=True)
class Optics:
    """Camera conditions: lighting gain (1 = normal), blur and noise sigmas in pixels / grey levels."""

    gain: float = 1.0
    blur_sigma: float = 0.0
    noise_sigma: float = BASE_NOISE_SIGMA


def disc_diameter_mm(defect: str | None, seed: int) -> float:
    """Diameter of a part as rendered: 40 mm, or 34/46 mm (chosen by seed) when ``wrong_diameter``."""
    if defect != "wrong_diameter":
        return DISC_DIAMETER_MM
    return WRONG_DIAMETERS_MM[seed % 2]


def render(
    view: CameraView | None,
    optics: Optics = Optics(),
    *,
    time_s: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Return the 480x640 BGR uint8 frame for ``view`` (None: empty belt) under ``optics``.

    ``time_s`` is printed in the overlay; ``rng`` drives the sensor noise (a fresh
    generator if None).
    """
    frame = _belt().copy()
    if view is not None:
        part = view.part
        premult, keep, dy_px = _sprite(part.color, part.defect, part.seed)
        x = CAMERA_CENTER_PX[0] + round(view.offset_mm * PX_PER_MM)
        _composite(frame, premult, keep, x, CAMERA_CENTER_PX[1] + dy_px)
    if optics.gain != 1.0:
        frame = cv2.convertScaleAbs(frame, alpha=max(optics.gain, 0.0))
    if optics.blur_sigma > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), optics.blur_sigma)
    if optics.noise_sigma > 0:
        frame = _add_noise(frame, optics.noise_sigma, rng or np.random.default_rng())
    _overlay(frame, time_s, None if view is None else view.part.id)
    return frame


def _composite(frame: np.ndarray, premult: np.ndarray, keep: np.ndarray, cx: int, cy: int) -> None:
    """Blend a premultiplied sprite centred at (cx, cy) into ``frame``, clipped to the frame: belt x keep + premult
    (OpenCV's saturating arithmetic in float32: a sixth of NumPy's time with its temporaries)."""
    size = keep.shape[0]
    x0, y0 = cx - size // 2, cy - size // 2
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x0 + size, FRAME_WIDTH), min(y0 + size, FRAME_HEIGHT)
    if fx0 >= fx1 or fy0 >= fy1:
        return
    sx, sy = slice(fx0 - x0, fx1 - x0), slice(fy0 - y0, fy1 - y0)
    roi = frame[fy0:fy1, fx0:fx1]
    blended = cv2.multiply(roi, keep[sy, sx], dtype=cv2.CV_32F)
    cv2.add(blended, premult[sy, sx], dst=blended)
    roi[...] = cv2.convertScaleAbs(blended, beta=-0.499)  # rounds x - 0.499: truncates x, as the frame always did


def _add_noise(frame: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise to ``frame`` (in place): a window at a random place in a precomputed noise tile (fast).

    The tile is split into its positive and negative grey levels (`_noise_planes`), so the noise goes on
    with two saturating uint8 operations: each pixel gets one of them, so this is the saturated sum.
    """
    dy, dx = rng.integers(0, _NOISE_MARGIN, size=2)
    window = slice(dy, dy + FRAME_HEIGHT), slice(dx, dx + FRAME_WIDTH)
    brighter, darker = _noise_planes(sigma)
    cv2.add(frame, brighter[window], dst=frame)
    return cv2.subtract(frame, darker[window], dst=frame)


def _overlay(frame: np.ndarray, time_s: float, part_id: int | None) -> None:
    """Draw the live caption (time, part id) in the top-left corner, above the inspection region."""
    label = f"SIM CAM  t={time_s:.2f}s  " + ("no part" if part_id is None else f"part #{part_id}")
    (width, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.38, 1)
    cv2.rectangle(frame, (4, 4), (12 + width, 20), (16, 16, 16), thickness=-1)
    cv2.putText(frame, label, (8, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (230, 230, 230), 1, cv2.LINE_AA)


@cache
def _belt() -> np.ndarray:
    """The empty belt: dark grey rubber grain, faint streaks along travel, ring-light falloff."""
    rng = np.random.default_rng(20240)
    grain = cv2.GaussianBlur(rng.normal(0.0, 7.0, (FRAME_HEIGHT, FRAME_WIDTH)).astype(np.float32), (0, 0), 1.2)
    streaks = cv2.GaussianBlur(rng.normal(0.0, 3.0, (FRAME_HEIGHT, 1)).astype(np.float32), (0, 0), 1.5)
    yy, xx = np.mgrid[0:FRAME_HEIGHT, 0:FRAME_WIDTH].astype(np.float32)
    r2 = ((xx - CAMERA_CENTER_PX[0]) ** 2 + (yy - CAMERA_CENTER_PX[1]) ** 2) / (FRAME_WIDTH / 2) ** 2
    light = 1.0 - 0.12 * r2
    grey = (80.0 + grain + streaks) * light
    frame = np.stack([grey + 2.0, grey, grey - 2.0], axis=-1)
    return np.clip(frame, 0, 255).astype(np.uint8)


@cache
def _noise_tile() -> np.ndarray:
    """Standard normal noise scaled by ``_NOISE_SCALE``, as int16, a little larger than a frame."""
    rng = np.random.default_rng(7)
    shape = (FRAME_HEIGHT + _NOISE_MARGIN, FRAME_WIDTH + _NOISE_MARGIN, 3)
    return (rng.standard_normal(shape, dtype=np.float32) * _NOISE_SCALE).astype(np.int16)


@lru_cache(maxsize=4)
def _noise_planes(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The noise tile at ``sigma`` in whole grey levels, as uint8 planes: (its positive part, its negative part)."""
    levels = np.rint(_noise_tile() * np.float32(sigma / _NOISE_SCALE))
    return np.clip(levels, 0, 255).astype(np.uint8), np.clip(-levels, 0, 255).astype(np.uint8)


@lru_cache(maxsize=64)
def _sprite(color: str, defect: str | None, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A part's look: (premultiplied BGR float32, 1 - alpha float32 (HxWx3: what is left of the belt), y shift in px).

    The shadowed belt in the hole is part of the sprite (black with ``_HOLE_SHADOW`` alpha).
    """
    rng = np.random.default_rng(seed)
    y_shift = int(rng.integers(-8, 9))  # parts ride up to 2 mm off the belt centreline
    radius = disc_diameter_mm(defect, seed) / 2 * PX_PER_MM
    size = 2 * math.ceil(radius + 2)
    coords = np.arange(size, dtype=np.float32) + 0.5 - size / 2
    dx, dy = np.meshgrid(coords, coords)
    r = np.hypot(dx, dy)

    inside = np.clip(radius - r + 0.5, 0.0, 1.0)
    if defect == "chipped_edge":
        inside = np.minimum(inside, _bite(dx, dy, radius, rng))
    hole_radius = HOLE_DIAMETER_MM / 2 * PX_PER_MM
    solid = np.ones_like(r) if defect == "missing_hole" else np.clip(r - hole_radius + 0.5, 0.0, 1.0)

    bgr = _surface(color, dx / radius, dy / radius, r / radius, radius, rng)
    if defect == "scratch":
        _scratch(bgr, radius, hole_radius, rng)
    elif defect == "stain":
        _stain(bgr, dx, dy, radius, hole_radius, rng)

    body = inside * solid
    alpha = body + inside * (1.0 - solid) * _HOLE_SHADOW
    keep = np.repeat((1.0 - alpha)[..., None], 3, axis=2)
    return bgr * body[..., None], keep.astype(np.float32), y_shift


def _surface(
    color: str, u: np.ndarray, v: np.ndarray, rn: np.ndarray, radius: float, rng: np.random.Generator
) -> np.ndarray:
    """Shaded disc surface (BGR float32) lit from the top left; u, v, rn are radius-normalised."""
    base = np.array(_COLORS_BGR[color], dtype=np.float32) * rng.uniform(0.96, 1.04)
    light = (-u - v) / math.sqrt(2)  # -1 (bottom right) .. 1 (top left)
    spot = np.exp(-((u + 0.35) ** 2 + (v + 0.35) ** 2) / 0.05)
    bevel_start = 1.0 - _BEVEL_MM * PX_PER_MM / radius
    bevel = 1.0 - 0.3 * np.clip((rn - bevel_start) / (1.0 - bevel_start), 0.0, 1.0)
    if color == "silver":
        rings = 6.0 * np.sin(rn * radius * 2 * math.pi / 3.0 + rng.uniform(0, 2 * math.pi))
        shade = (base + (40.0 * light + 70.0 * spot + rings)[..., None]) * bevel[..., None]
    elif color == "black":
        shade = base + (8.0 * light + 16.0 * spot)[..., None]
    else:
        shade = base * ((0.92 + 0.08 * light) * bevel)[..., None] + (28.0 * spot)[..., None]
    return np.clip(shade, 0.0, 255.0).astype(np.float32)


def _bite(dx: np.ndarray, dy: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Coverage (0..1) left after two overlapping bites out of the rim at a seeded angle."""
    angle = rng.uniform(0, 2 * math.pi)
    keep = np.ones_like(dx)
    for spread, bite_mm in ((0.0, rng.uniform(5.0, 7.0)), (rng.uniform(0.08, 0.15), rng.uniform(3.0, 4.5))):
        a = angle + spread
        bx, by = radius * math.cos(a), radius * math.sin(a)
        dist = np.hypot(dx - bx, dy - by)
        keep = np.minimum(keep, np.clip(dist - bite_mm * PX_PER_MM + 0.5, 0.0, 1.0))
    return keep


def _scratch(bgr: np.ndarray, radius: float, hole_radius: float, rng: np.random.Generator) -> None:
    """Blend a thin bright line across the surface, clear of the hole, at a seeded angle."""
    size = bgr.shape[0]
    angle = rng.uniform(0, math.pi)
    dist = rng.uniform(hole_radius + 3 * PX_PER_MM, radius - 6 * PX_PER_MM) * rng.choice((-1.0, 1.0))
    half = math.sqrt(radius**2 - dist**2) * rng.uniform(0.6, 0.85)
    nx, ny = -math.sin(angle), math.cos(angle)
    mx, my = size / 2 + dist * nx, size / 2 + dist * ny
    tx, ty = math.cos(angle) * half, math.sin(angle) * half
    shift = 4  # sub-pixel endpoints
    p0 = (round((mx - tx) * 2**shift), round((my - ty) * 2**shift))
    p1 = (round((mx + tx) * 2**shift), round((my + ty) * 2**shift))
    mask = np.zeros((size, size), np.uint8)
    cv2.line(mask, p0, p1, 255, 2, cv2.LINE_AA, shift)
    a = (mask.astype(np.float32) / 255.0 * 0.9)[..., None]
    bgr[...] = bgr * (1.0 - a) + np.float32(240.0) * a


def _stain(
    bgr: np.ndarray, dx: np.ndarray, dy: np.ndarray, radius: float, hole_radius: float, rng: np.random.Generator
) -> None:
    """Blend a dark brown blotch (a few soft overlapping ellipses) at a seeded place on the surface."""
    angle = rng.uniform(0, 2 * math.pi)
    dist = rng.uniform(hole_radius + 5 * PX_PER_MM, radius - 6 * PX_PER_MM)
    cx, cy = dist * math.cos(angle), dist * math.sin(angle)
    blot = np.zeros_like(dx)
    for _ in range(4):
        ox, oy = rng.normal(0.0, 1.5 * PX_PER_MM, size=2)
        ax, ay = rng.uniform(2.5, 4.5, size=2) * PX_PER_MM
        blot = np.maximum(blot, np.clip(1.5 - ((dx - cx - ox) / ax) ** 2 - ((dy - cy - oy) / ay) ** 2, 0.0, 1.0))
    a = (0.8 * blot)[..., None]
    bgr[...] = bgr * (1.0 - a) + np.array((28.0, 48.0, 82.0), np.float32) * a
