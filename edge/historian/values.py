"""Tag values to and from SQLite, faithfully: a type column keeps bool, int, float, None and NaN apart."""

from __future__ import annotations

import math

Value = bool | int | float | None


def encode(value: Value) -> tuple[int | float | None, str]:
    """(stored value, type name) for a value column without type affinity (SQLite stores NaN as NULL)."""
    if value is None:
        return None, "none"
    if isinstance(value, bool):
        return int(value), "bool"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return (None if math.isnan(value) else value), "float"
    raise TypeError(f"a tag value must be bool, int, float or None, not {type(value).__name__}")


def decode(stored: int | float | None, type_name: str) -> Value:
    """The value `encode` was given."""
    if type_name == "none":
        return None
    if type_name == "bool":
        return bool(stored)
    if type_name == "int":
        return int(stored)
    return math.nan if stored is None else float(stored)


def to_text(value: Value) -> str:
    """A value for CSV: true/false, digits, "" for none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else repr(value)
