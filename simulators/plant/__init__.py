"""Sans-IO physics of the Smart Hall line: feeder, conveyor, process station, field devices.

Nothing here does I/O or sleeps; one Plant is advanced by step(dt) and read and
written by the station interface's point names (LINE.md).
"""

from .errors import FaultError, PlantError, SensorFailure, WriteRejected
from .faults import FAULT_KINDS, Fault
from .parts import CameraView, Part
from .plant import Plant, PlantConfig

__all__ = [
    "FAULT_KINDS",
    "CameraView",
    "Fault",
    "FaultError",
    "Part",
    "Plant",
    "PlantConfig",
    "PlantError",
    "SensorFailure",
    "WriteRejected",
]
