"""What a write may send: a value checked against its tag's point before anything reaches the device.

Plain checks over the line configuration's tags (no driver, no asyncio): the agent uses it for every write, the
lesson loader for a lesson's writes before a line runs.
"""

from __future__ import annotations

from smarthall.devices.profiles import DataType

from .config import Tag
from .errors import WriteRejected


def checked_value(tag: Tag, value: bool | float) -> bool | int | float:
    """The value as the point's type, or WriteRejected saying why not (nothing reaches the PLC)."""
    point = tag.point
    if tag.derived:
        raise WriteRejected(f"{tag.name} is computed by the edge (a derived tag), not written to a device")
    if not point.writable:
        raise WriteRejected(f"{tag.name} is read-only ({point.kind})")
    if point.type is DataType.BOOL:
        if value not in (0, 1) or isinstance(value, float) and value != int(value):
            raise WriteRejected(f"{tag.name} is a bool: expected 0/1 or true/false, got {value!r}")
        return bool(value)
    if isinstance(value, bool):
        raise WriteRejected(f"{tag.name} is a {point.type}: expected a number, got {value!r}")
    if not point.type.is_float and point.scale == 1 and point.offset == 0 and value != int(value):
        raise WriteRejected(f"{tag.name} is a {point.type}: expected a whole number, got {value!r}")
    try:
        point.check(value)
    except ValueError as exc:
        raise WriteRejected(f"{tag.name}: {str(exc).split(': ', 1)[1]}") from None
    return value if point.type.is_float or point.scale != 1 else int(value)
