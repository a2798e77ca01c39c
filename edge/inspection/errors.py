"""The inspection package's exception tree (see `edge.inspection`)."""

from __future__ import annotations

from ..errors import EdgeError


class InspectionError(EdgeError):
    """Base of every error of the inspection station."""


class RecipeError(InspectionError, ValueError):
    """A recipe that cannot be used; the message names the file, the key and what was expected."""


class CalibrationError(InspectionError):
    """Calibration could not measure a part (none found, or not round)."""
