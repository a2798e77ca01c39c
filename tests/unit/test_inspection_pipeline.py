"""The inspection pipeline on frames rendered by the simulator, whose ground truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from smarthall.edge.inspection import DEFECTS, Recipe, inspect, load_recipe
from smarthall.simulators.camera import Optics, disc_diameter_mm, render
from smarthall.simulators.camera.samples import CONDITIONS
from smarthall.simulators.plant import CameraView, Part

COLORS = ("red", "black", "silver")
RECIPE = load_recipe()


def frame(color="red", defect=None, seed=5, offset_mm=0.0, optics=Optics(), noise_seed=0):
    view = CameraView(Part(id=1, color=color, defect=defect, seed=seed), offset_mm)
    return render(view, optics, rng=np.random.default_rng(noise_seed))


@pytest.mark.parametrize("color", COLORS)
def test_good_part_of_each_colour_passes_with_its_colour(color):
    result = inspect(frame(color), RECIPE)
    assert result.passed, result.summary()
    assert result.color == color
    assert result.defects == ()


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("color", COLORS)
def test_each_defect_class_is_found(color, defect):
    for seed in (3, 8):
        result = inspect(frame(color, defect, seed=seed, offset_mm=-6.0), RECIPE)
        assert not result.passed
        assert result.defects == (defect,), result.summary()
        assert result.color == color


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_diameter_within_half_a_millimetre(seed):
    for defect in (None, "wrong_diameter"):
        result = inspect(frame("silver", defect, seed=seed, offset_mm=seed * 3 - 7), RECIPE)
        assert result.measurements.diameter_mm == pytest.approx(disc_diameter_mm(defect, seed), abs=0.5)


def test_centre_and_roundness_are_measured():
    m = inspect(frame("black", offset_mm=10.0), RECIPE).measurements
    assert m.center_px[0] == pytest.approx(320 + 40, abs=2)
    assert 0.85 < m.circularity <= 1.0
    assert m.hole_fraction > 0.9


@pytest.mark.parametrize("color", COLORS)
def test_dim_light_still_classifies_and_passes(color):
    dim = Optics(gain=0.4)
    assert inspect(frame(color, optics=dim), RECIPE).passed
    result = inspect(frame(color, "stain", seed=4, optics=dim), RECIPE)
    assert (result.color, result.defects) == (color, ("stain",))


def test_sensor_noise_does_not_fail_good_parts():
    noisy = Optics(noise_sigma=12.0)
    for i, color in enumerate(COLORS * 2):
        assert inspect(frame(color, seed=i, optics=noisy, noise_seed=i), RECIPE).passed


def test_empty_belt_is_no_part():
    result = inspect(render(None, Optics()), RECIPE)
    assert (result.passed, result.defects, result.color) == (False, ("no_part",), None)


def test_unexpected_colour_fails_by_recipe():
    only_red = Recipe(colors=("red",))
    assert inspect(frame("black"), only_red).defects == ("wrong_color",)


def test_result_carries_time_taken():
    result = inspect(frame(), RECIPE)
    assert result.elapsed_s > 0  # the time taken is reported (its size is for benchmarks/)
    assert "pass" in result.summary()


def test_frame_of_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match="BGR uint8"):
        inspect(np.zeros((480, 640), np.uint8))


NOISE = CONDITIONS["noise"]
BLUR = CONDITIONS["blur"]


def test_stain_reaching_the_rim_is_not_a_chipped_edge():
    for noise_seed in range(3):
        result = inspect(frame("silver", "stain", seed=2082038971, offset_mm=11.3, noise_seed=noise_seed), RECIPE)
        assert result.defects == ("stain",), result.summary()


@pytest.mark.parametrize("optics", [Optics(), BLUR], ids=["normal", "blur"])
@pytest.mark.parametrize("seed,offset_mm", [(1950437467, 16.81), (3655717360, 15.15)])
def test_clean_face_between_a_stain_and_the_rim_is_no_scratch(seed, offset_mm, optics):
    for noise_seed in range(4):
        result = inspect(frame("silver", "stain", seed=seed, offset_mm=offset_mm, optics=optics, noise_seed=noise_seed),
                         RECIPE)
        assert result.defects == ("stain",), result.summary()


@pytest.mark.parametrize("seed,offset_mm", [(3127128071, -13.39), (3480896545, -7.46)])
def test_stain_on_silver_is_found_under_sensor_noise(seed, offset_mm):
    for noise_seed in range(6):
        result = inspect(frame("silver", "stain", seed=seed, offset_mm=offset_mm, optics=NOISE, noise_seed=noise_seed),
                         RECIPE)
        assert result.defects == ("stain",), result.summary()


@pytest.mark.parametrize("color", COLORS)
def test_blurred_good_part_is_not_scratched(color):
    for seed in range(6):
        result = inspect(frame(color, seed=seed, offset_mm=3 * seed - 8, optics=BLUR, noise_seed=seed), RECIPE)
        assert result.passed, result.summary()


def test_part_is_found_anywhere_in_the_region_and_in_a_small_region():
    for offset_mm in (-19.0, 19.0):
        assert inspect(frame("black", offset_mm=offset_mm), RECIPE).passed
    assert inspect(frame(), Recipe(roi=(0, 0, 20, 20))).defects == ("no_part",)
