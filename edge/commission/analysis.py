"""What a point's reading says about the profile, sans-IO: out of range, likely word-order mistakes, similar names.

A 32-bit value read in the wrong word order is usually absurd (a float32 of 1e-38 or 4e+12, a counter of
1,310,720) while the same registers in another order give a plausible one. `word_order_hint` re-encodes the
value the profile's order gave into its registers and decodes them in every other order: when the value as
read is implausible and exactly one other order is plausible, that order is the hint.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from typing import TypeGuard

from smarthall.devices.profiles import WORD_ORDERS, DataType, Point
from smarthall.devices.profiles.codec import decode, encode

_WIDE = (DataType.FLOAT32, DataType.INT32, DataType.UINT32, DataType.FLOAT64)
_UNBOUNDED_FLOAT = 1e7  # without min/max, a float beyond this is taken as implausible


def out_of_range(point: Point, value: object) -> tuple[float, float] | None:
    """The profile's min..max when a number lies outside it (None: inside, or no range to be outside of)."""
    if point.is_bool or not _number(value) or (point.min is None and point.max is None):
        return None
    low, high = point.range
    return None if low <= float(value) <= high else (low, high)  # type: ignore[arg-type]


def plausible(point: Point, value: float) -> bool:
    """Whether value could be a real reading of point: finite, inside min..max, else not absurdly large or tiny."""
    if not math.isfinite(value) or point.type.is_float and value != 0 and abs(value) < 1e-6:
        return False  # a float this close to 0 is what swapped words of a real one give (a denormal, often)
    if point.min is not None or point.max is not None:
        return out_of_range(point, value) is None
    return not point.type.is_float or abs(value) <= _UNBOUNDED_FLOAT


def word_order_hint(point: Point, value: object) -> tuple[str, float] | None:
    """(word order, value in it) when value is implausible in the profile's order and plausible in one other."""
    if point.type not in _WIDE or not point.kind.is_register or not _number(value) or plausible(point, value):
        return None
    registers = encode(point, value)
    others = []
    for order in WORD_ORDERS:
        if order == point.word_order:
            continue
        other = decode(replace(point, word_order=order), registers)
        if _number(other) and plausible(point, other):
            others.append((order, float(other)))
    return others[0] if len(others) == 1 else None


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def similar_names(wanted: str, found: list[tuple[str, str]], n: int = 3) -> list[tuple[str, str]]:
    """The (path, NodeId) of the server's variables whose last name is closest to the missing node's."""
    key = _last_name(wanted).lower()
    names = {path: _last_name(path).lower() for path, _ in found}
    close = set(difflib.get_close_matches(key, list(set(names.values())), n=n, cutoff=0.6))
    return [(path, node) for path, node in found if names[path] in close][:n]


def _last_name(text: str) -> str:
    """The last browse name or identifier part of an address: `/3:DB/3:Temp` -> Temp, `s="DB"."Temp"` -> Temp."""
    tail = re.split(r"/|;s=|\.", text.replace('"', ""))[-1]
    return tail.split(":", 1)[-1]
