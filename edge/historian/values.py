"""Tag values to and from SQLite, faithfully: a type column keeps bool, int, float, str, None and NaN apart."""

from __future__ import annotations

import math
from typing import Any

from smarthall.devices.quality import Value

Stored = int | float | str | None
STORABLE = frozenset({bool, int, float, str, type(None)})  # the types `encode` takes (not their subclasses)


def encode(value: Value | None) -> tuple[Stored, str]:
    """(stored value, type name) for a value column without type affinity (SQLite stores NaN as NULL)."""
    kind = type(value)
    if kind is float:  # the common types first, by exact type: this runs for every stored sample
        return (None if math.isnan(value) else value), "float"
    if kind is int:
        return value, "int"
    if value is None:
        return None, "none"
    if isinstance(value, bool):
        return int(value), "bool"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return (None if math.isnan(value) else value), "float"
    if isinstance(value, str):
        return value, "str"
    raise TypeError(f"a tag value must be bool, int, float, str or None, not {type(value).__name__}")


def decode(stored: Stored, type_name: str) -> Value | None:
    """The value `encode` was given."""
    if type_name == "none":
        return None
    if type_name == "bool":
        return bool(stored)
    if type_name == "int":
        return int(stored)
    if type_name == "str":
        return str(stored)
    return math.nan if stored is None else float(stored)


def to_text(value: Value | None) -> str:
    """A value for CSV: true/false, digits, the text itself, "" for none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return "" if value is None else repr(value)


def moved(old: Any, value: Any, deadband: float) -> bool:
    """Whether value differs from old, a value of its class, by more than deadband (a change only to or from NaN)."""
    kind = value.__class__
    if kind is float:  # the scanned types first, by exact type: this runs for every value scanned
        if math.isnan(value) or math.isnan(old):
            return math.isnan(value) != math.isnan(old)
        return abs(value - old) > deadband if deadband else value != old
    if kind is int:
        return abs(value - old) > deadband if deadband else value != old
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value != old
    if isinstance(value, float) and (math.isnan(value) or math.isnan(old)):
        return math.isnan(value) != math.isnan(old)
    return abs(value - old) > deadband if deadband else value != old
