"""The camera renderer: frames an OpenCV inspection pipeline can measure, and the plant adapter."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from smarthall.simulators.camera import (
    BASE_NOISE_SIGMA,
    CAMERA_CENTER_PX,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    INSPECTION_REGION,
    PX_PER_MM,
    Optics,
    disc_diameter_mm,
    plant_frame_source,
    plant_optics,
    render,
)
from smarthall.simulators.plant import CameraView, Part, Plant

CLEAN = Optics(noise_sigma=0.0)
NOMINAL_AREA_PX = math.pi * (20.0 * PX_PER_MM) ** 2


def view(color: str = "red", defect: str | None = None, seed: int = 5, offset_mm: float = 0.0) -> CameraView:
    return CameraView(Part(id=7, color=color, defect=defect, seed=seed), offset_mm)


def empty_belt() -> np.ndarray:
    return render(None, CLEAN)


def find_disc(frame: np.ndarray) -> np.ndarray:
    """The disc's outer contour, segmented against the empty belt inside the inspection region."""
    x0, y0, x1, y1 = INSPECTION_REGION
    diff = cv2.absdiff(frame, empty_belt()).max(axis=2)
    mask = np.zeros(diff.shape, np.uint8)
    mask[y0:y1, x0:x1] = (diff[y0:y1, x0:x1] > 15).astype(np.uint8) * 255
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return max(contours, key=cv2.contourArea)


def centre(contour: np.ndarray) -> tuple[int, int]:
    m = cv2.moments(contour)
    return round(m["m10"] / m["m00"]), round(m["m01"] / m["m00"])


def annulus(frame: np.ndarray, inner_mm: float, outer_mm: float) -> np.ndarray:
    """HSV pixels of the disc surface between two radii around the disc's centre."""
    cx, cy = centre(find_disc(frame))
    yy, xx = np.mgrid[0:FRAME_HEIGHT, 0:FRAME_WIDTH]
    r = np.hypot(xx - cx, yy - cy) / PX_PER_MM
    return cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)[(r > inner_mm) & (r < outer_mm)]


def grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float64)


def test_frame_is_640x480_bgr() -> None:
    frame = render(view(), rng=np.random.default_rng(1))
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8


def test_belt_is_dark_grey() -> None:
    x0, y0, x1, y1 = INSPECTION_REGION
    hsv = cv2.cvtColor(empty_belt()[y0:y1, x0:x1], cv2.COLOR_BGR2HSV).reshape(-1, 3)
    _, sat, val = np.median(hsv, axis=0)
    assert sat < 40 and 60 < val < 100


def test_red_disc_is_saturated_red() -> None:
    hsv = annulus(render(view("red"), rng=np.random.default_rng(1)), 6, 16)
    red_hue = (hsv[:, 0] < 10) | (hsv[:, 0] > 170)
    assert red_hue.mean() > 0.95
    assert np.median(hsv[:, 1]) > 150 and np.median(hsv[:, 2]) > 120


def test_black_disc_is_darker_than_belt() -> None:
    belt_val = np.median(cv2.cvtColor(empty_belt(), cv2.COLOR_BGR2HSV)[..., 2])
    hsv = annulus(render(view("black"), rng=np.random.default_rng(1)), 6, 16)
    assert np.median(hsv[:, 2]) < min(60, belt_val - 25)


def test_silver_disc_is_bright_and_unsaturated() -> None:
    hsv = annulus(render(view("silver"), rng=np.random.default_rng(1)), 6, 16)
    assert np.median(hsv[:, 1]) < 40 and np.median(hsv[:, 2]) > 130
    assert np.percentile(hsv[:, 2], 99) - np.percentile(hsv[:, 2], 1) > 60  # metallic gradient and highlight


@pytest.mark.parametrize("color", ["red", "black", "silver"])
def test_disc_area_matches_40_mm(color: str) -> None:
    area = cv2.contourArea(find_disc(render(view(color), CLEAN)))
    assert area == pytest.approx(NOMINAL_AREA_PX, rel=0.04)


@pytest.mark.parametrize("seed", [4, 5])
def test_wrong_diameter_changes_disc_area(seed: int) -> None:
    diameter = disc_diameter_mm("wrong_diameter", seed)
    area = cv2.contourArea(find_disc(render(view("silver", "wrong_diameter", seed), CLEAN)))
    assert diameter in (34.0, 46.0)
    assert area == pytest.approx(NOMINAL_AREA_PX * (diameter / 40.0) ** 2, rel=0.04)


@pytest.mark.parametrize("color", ["red", "black", "silver"])
@pytest.mark.parametrize("defect", [None, "missing_hole"])
def test_centre_hole_shows_the_belt_unless_missing(color: str, defect: str | None) -> None:
    frame = render(view(color, defect), CLEAN)
    cx, cy = centre(find_disc(frame))
    window = (slice(cy - 5, cy + 6), slice(cx - 5, cx + 6))
    ratio = grey(frame)[window].mean() / grey(empty_belt())[window].mean()
    hole_seen = 0.6 < ratio < 0.9  # the belt, a little shadowed
    assert hole_seen == (defect is None)


def test_offset_moves_the_disc_by_px_per_mm() -> None:
    x_at_0, y_at_0 = centre(find_disc(render(view(offset_mm=0.0), CLEAN)))
    x_at_15, y_at_15 = centre(find_disc(render(view(offset_mm=15.0), CLEAN)))
    assert abs(x_at_0 - CAMERA_CENTER_PX[0]) <= 1 and abs(y_at_0 - CAMERA_CENTER_PX[1]) <= 2 * PX_PER_MM
    assert x_at_15 - x_at_0 == pytest.approx(15.0 * PX_PER_MM, abs=1) and y_at_15 == y_at_0


@pytest.mark.parametrize("offset_mm", [-90.0, 75.0, 1000.0])
def test_part_leaving_the_frame_is_clipped(offset_mm: float) -> None:
    frame = render(view(offset_mm=offset_mm), CLEAN)
    assert frame.shape == (480, 640, 3)


def test_part_far_outside_the_field_leaves_the_belt_empty() -> None:
    frame = render(view(offset_mm=1000.0), CLEAN, time_s=0.0)
    x0, y0, x1, y1 = INSPECTION_REGION
    assert np.array_equal(frame[y0:y1, x0:x1], empty_belt()[y0:y1, x0:x1])


@pytest.mark.parametrize("color", ["red", "black", "silver"])
def test_scratch_is_a_thin_bright_line(color: str) -> None:
    brighter = grey(render(view(color, "scratch"), CLEAN)) - grey(render(view(color), CLEAN))
    line = (brighter > 25).astype(np.uint8)
    assert 60 < line.sum() < 1000
    _, (w, h), _ = cv2.minAreaRect(cv2.findNonZero(line))
    assert max(w, h) > 12 * PX_PER_MM and min(w, h) < 1.5 * PX_PER_MM


@pytest.mark.parametrize("color", ["red", "black", "silver"])
def test_chipped_edge_bites_the_rim(color: str) -> None:
    def solidity(frame: np.ndarray) -> float:
        contour = find_disc(frame)
        return cv2.contourArea(contour) / cv2.contourArea(cv2.convexHull(contour))

    assert solidity(render(view(color), CLEAN)) > 0.99
    assert solidity(render(view(color, "chipped_edge"), CLEAN)) < 0.98


@pytest.mark.parametrize("color", ["red", "black", "silver"])
def test_stain_is_a_brownish_blotch(color: str) -> None:
    stained = render(view(color, "stain"), CLEAN)
    changed = cv2.absdiff(stained, render(view(color), CLEAN)).max(axis=2) > 20
    assert changed.sum() > (3 * PX_PER_MM) ** 2
    b, g, r = np.median(stained[changed].astype(np.int16), axis=0)
    assert r > g > b and r < 140  # dark brown


def test_same_part_renders_the_same_frame() -> None:
    first = render(view("silver", "scratch", seed=99), CLEAN, time_s=1.5)
    again = render(view("silver", "scratch", seed=99), CLEAN, time_s=1.5)
    other = render(view("silver", "scratch", seed=98), CLEAN, time_s=1.5)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_overlay_stays_outside_the_inspection_region() -> None:
    x0, y0, x1, y1 = INSPECTION_REGION
    early = render(view(), CLEAN, time_s=1.0)
    late = render(view(), CLEAN, time_s=2.0)
    assert not np.array_equal(early, late)
    assert np.array_equal(early[y0:y1, x0:x1], late[y0:y1, x0:x1])


def test_dim_light_lowers_mean_brightness() -> None:
    normal = grey(render(view(), CLEAN)).mean()
    dim = grey(render(view(), Optics(gain=0.4, noise_sigma=0.0))).mean()
    assert dim < 0.5 * normal


def test_blur_lowers_laplacian_variance() -> None:
    def sharpness(frame: np.ndarray) -> float:  # in the inspection region: the overlay is never blurred
        x0, y0, x1, y1 = INSPECTION_REGION
        return cv2.Laplacian(cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()

    sharp = sharpness(render(view("black", "scratch"), CLEAN))
    blurred = sharpness(render(view("black", "scratch"), Optics(blur_sigma=3.0, noise_sigma=0.0)))
    assert blurred < 0.2 * sharp


@pytest.mark.parametrize("sigma", [BASE_NOISE_SIGMA, 12.0])
def test_noise_has_the_requested_sigma(sigma: float) -> None:
    x0, y0, x1, y1 = INSPECTION_REGION
    clean = render(None, CLEAN)[y0:y1, x0:x1].astype(np.float64)
    noisy = render(None, Optics(noise_sigma=sigma), rng=np.random.default_rng(3))[y0:y1, x0:x1]
    assert np.std(noisy - clean) == pytest.approx(sigma, rel=0.15)


def test_plant_optics_follow_camera_faults() -> None:
    plant = Plant()
    assert plant_optics(plant) == Optics()
    plant.inject_fault("camera", "dim_light", {"factor": 0.3})
    plant.inject_fault("camera", "blur", {"sigma": 2.5})
    plant.inject_fault("camera", "noise", {"sigma": 12})
    assert plant_optics(plant) == Optics(gain=0.3, blur_sigma=2.5, noise_sigma=math.hypot(BASE_NOISE_SIGMA, 12))


def test_plant_frame_source_renders_the_part_at_the_camera() -> None:
    plant = Plant()
    plant.write("conveyor", "motor_run", True)
    plant.write("feeder", "feed", True)
    for _ in range(2000):  # 20 s of plant time at most
        if plant.camera_view() is not None:
            break
        plant.step()
    assert plant.camera_view() is not None
    plant.inject_fault("camera", "blur", {"sigma": 1.5})
    frame = plant_frame_source(plant, np.random.default_rng(1))()()
    expected = render(plant.camera_view(), plant_optics(plant), time_s=plant.now, rng=np.random.default_rng(1))
    assert np.array_equal(frame, expected)
    assert cv2.contourArea(find_disc(frame)) > 0.5 * NOMINAL_AREA_PX


def test_plant_frame_source_is_none_while_camera_offline() -> None:
    plant = Plant()
    source = plant_frame_source(plant)
    fault = plant.inject_fault("camera", "camera_offline")
    assert source() is None
    plant.clear_fault(fault.id)
    assert source()().shape == (480, 640, 3)


def test_plant_frame_source_draws_the_plant_as_it_was_when_asked() -> None:
    """The server draws the picture in a worker thread while the plant steps on: it must hold a snapshot."""
    plant = Plant()
    plant.write("conveyor", "motor_run", True)
    plant.write("feeder", "feed", True)
    while plant.camera_view() is None:
        plant.step()
    view, now = plant.camera_view(), plant.now
    draw = plant_frame_source(plant, np.random.default_rng(1))()
    for _ in range(50):  # half a second: the part moves on 100 mm
        plant.step()
    assert plant.camera_view() != view
    assert np.array_equal(draw(), render(view, Optics(), time_s=now, rng=np.random.default_rng(1)))
