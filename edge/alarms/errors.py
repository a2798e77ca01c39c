"""The alarms' exception tree (see the package docstring)."""

from __future__ import annotations

from ..errors import EdgeError


class AlarmError(EdgeError):
    """Base of every error the alarm system raises on purpose."""


class InvalidAlarmSpec(AlarmError):
    """An alarm configuration that cannot work (bad kind, negative deadband, duplicate id...)."""


class UnknownAlarm(AlarmError):
    """An operator command names an alarm id that is not configured."""
