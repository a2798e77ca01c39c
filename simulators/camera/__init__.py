"""The simulated vision station: a rendered belt camera served as MJPEG over HTTP.

``render`` draws frames from plant state (sans-IO), ``CameraServer`` serves any frame
source, and ``plant_frame_source`` connects the two. Errors: the server raises
``OSError`` when it cannot bind and ``RuntimeError`` when used out of order.
"""

from smarthall.simulators.camera.render import (
    BASE_NOISE_SIGMA,
    CAMERA_CENTER_PX,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    INSPECTION_REGION,
    PX_PER_MM,
    Optics,
    disc_diameter_mm,
    render,
)
from smarthall.simulators.camera.server import SNAPSHOT_PATH, STREAM_PATH, CameraServer, FrameSource, Picture
from smarthall.simulators.camera.source import plant_frame_source, plant_optics

__all__ = [
    "BASE_NOISE_SIGMA",
    "CAMERA_CENTER_PX",
    "FRAME_HEIGHT",
    "FRAME_WIDTH",
    "INSPECTION_REGION",
    "PX_PER_MM",
    "SNAPSHOT_PATH",
    "STREAM_PATH",
    "CameraServer",
    "FrameSource",
    "Optics",
    "Picture",
    "disc_diameter_mm",
    "plant_frame_source",
    "plant_optics",
    "render",
]
