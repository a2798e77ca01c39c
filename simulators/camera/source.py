"""Frames from the plant: its camera view under the camera faults it holds, rendered from a snapshot of them."""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from smarthall.simulators.camera.render import BASE_NOISE_SIGMA, Optics, render
from smarthall.simulators.camera.server import FrameSource, Picture

if TYPE_CHECKING:
    from smarthall.simulators.plant import Plant


def plant_optics(plant: Plant) -> Optics:
    """Optics under the plant's active camera faults (dim_light, blur, noise)."""
    dim = plant.fault("camera", "dim_light")
    blur = plant.fault("camera", "blur")
    noise = plant.fault("camera", "noise")
    return Optics(
        gain=float(dim.params["factor"]) if dim else 1.0,
        blur_sigma=float(blur.params["sigma"]) if blur else 0.0,
        noise_sigma=math.hypot(BASE_NOISE_SIGMA, float(noise.params["sigma"]) if noise else 0.0),
    )


def plant_frame_source(plant: Plant, rng: np.random.Generator | None = None) -> FrameSource:
    """A frame source for CameraServer: None while ``camera_offline``, else the view rendered as it is now (the
    view and optics are frozen snapshots, so the server renders them in a worker thread while the plant steps on)."""
    noise_rng = rng or np.random.default_rng()

    def frame() -> Picture | None:
        if plant.fault("camera", "camera_offline"):
            return None
        return partial(render, plant.camera_view(), plant_optics(plant), time_s=plant.now, rng=noise_rng)

    return frame
