"""PublishResponse bodies decoded without asyncua's generic decoder (sans-IO).

asyncua decodes every MonitoredItemNotification into objects through its
generic struct decoder, about 30 µs each here: 5,000 items every 100 ms took
a whole core. This decodes the PublishResult that follows the ResponseHeader
straight from the bytes (OPC UA Part 6, 5.2): each data change as
(client handle, value, status code, source timestamp), with one compiled
`struct` per (DataValue mask, Variant type) seen. A DataChangeNotification
whose items all share one such shape with a source timestamp (a server
sends the same fields for every Good Double of a subscription) is unpacked
in one `iter_unpack` call; which is checked first on every item's mask and
type byte. Other notifications (StatusChangeNotification, events) come back
as their type id and body, for the caller to decode with asyncua. Variants
of other types are decoded with asyncua (`ua_binary.variant_from_binary`),
as are arrays.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import variant_from_binary

DATA_CHANGE = 811  # DataChangeNotification_Encoding_DefaultBinary
STATUS_CHANGE = 820  # StatusChangeNotification_Encoding_DefaultBinary
EPOCH_1601 = 116444736000000000  # 100 ns ticks from 1601-01-01 to 1970-01-01

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_MESSAGE = struct.Struct("<IqI")  # sequence number, publish time, notification count (int32 -1: none)
_SCALARS = {1: "?", 2: "b", 3: "B", 4: "h", 5: "H", 6: "i", 7: "I", 8: "q", 9: "Q", 10: "f", 11: "d"}
_STRING = 12


Rows = list[tuple]
"""Data changes in order: (client handle, value, status code, source timestamp) or, in a block of Good
values without a status code, (client handle, value, source timestamp). Timestamps are 100 ns ticks since
1601, 0 for none."""


@dataclass
class Publish:
    """One PublishResult: what arrived for which subscription, in order."""

    subscription: int
    available: tuple[int, ...]
    more: bool
    sequence: int
    publish_time: int
    blocks: list[tuple[bool, Rows]] = field(default_factory=list)  # (rows carry a status code, rows), in order
    others: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def keep_alive(self) -> bool:
        """A keep-alive carries no notifications; its sequence number is the next one to come."""
        return not self.blocks and not self.others

    @property
    def count(self) -> int:
        """How many data changes."""
        return sum(len(rows) for _, rows in self.blocks)

    def changes(self) -> list[tuple[int, object, int, int]]:
        """Every data change as (client handle, value, status code, source timestamp), in order."""
        return [row if statused else (row[0], row[1], 0, row[2]) for statused, rows in self.blocks for row in rows]


def decode_publish(data: bytes | memoryview) -> Publish:
    """The PublishResult after the ResponseHeader (SubscriptionId ... NotificationData); the rest is left."""
    subscription, count = struct.unpack_from("<Ii", data, 0)
    pos = 8
    available = struct.unpack_from(f"<{count}I", data, pos) if count > 0 else ()
    pos += 4 * max(count, 0)
    more = data[pos] != 0
    sequence, publish_time, notifications = _MESSAGE.unpack_from(data, pos + 1)
    pos += 1 + _MESSAGE.size
    result = Publish(subscription, available, more, sequence, publish_time)
    for _ in range(max(notifications, 0)):
        pos, type_id = _type_id(data, pos)
        encoding = data[pos]
        (length,) = _I32.unpack_from(data, pos + 1)
        body = pos + 5
        pos = body + max(length, 0)
        if encoding != 1:
            continue
        if type_id == DATA_CHANGE:
            _data_changes(data, body, result)
        else:
            result.others.append((type_id, bytes(data[body:pos])))
    return result


def _data_changes(data, pos: int, out: Publish) -> None:
    """MonitoredItems of a DataChangeNotification at pos into out (its DiagnosticInfos are not needed)."""
    (count,) = _I32.unpack_from(data, pos)
    pos += 4
    if count <= 0:
        return
    mask, vtype = data[pos + 4], data[pos + 5]
    layout = _LAYOUTS.get((mask, vtype)) or _layout(mask, vtype)
    if layout is not _SLOW and layout[2]:
        shape, has_status, _ = layout
        end = pos + count * shape.size
        # every item has this shape if every mask and type byte, a shape's size apart, says so
        if (end <= len(data) and data[pos + 4:end:shape.size] == bytes((mask,)) * count
                and data[pos + 5:end:shape.size] == bytes((vtype,)) * count):
            out.blocks.append((has_status, list(shape.iter_unpack(memoryview(data)[pos:end]))))
            return
    rows = []
    for _ in range(count):
        mask, vtype = data[pos + 4], data[pos + 5]
        layout = _LAYOUTS.get((mask, vtype)) or _layout(mask, vtype)
        if layout is _SLOW:
            (handle,) = _U32.unpack_from(data, pos)
            pos, value, status, stamp = _slow_data_value(data, pos + 5, mask)
            rows.append((handle, value, status, stamp))
            continue
        shape, has_status, has_stamp = layout
        fields = shape.unpack_from(data, pos)
        pos += shape.size
        rows.append((fields[0], fields[1], fields[2] if has_status else 0, fields[-1] if has_stamp else 0))
    out.blocks.append((True, rows))


_SLOW = ("slow",)
_LAYOUTS: dict[tuple[int, int], tuple] = {}


def _layout(mask: int, vtype: int) -> tuple:
    """One struct for an item with a scalar value: its handle, value, status and source timestamp (those it has),
    skipping the mask, the Variant's type byte and the rest; else _SLOW."""
    if not mask & 1 or vtype not in _SCALARS:
        layout: tuple = _SLOW
    else:
        skipped = 2 * bool(mask & 0x10) + 8 * bool(mask & 8) + 2 * bool(mask & 0x20)
        shape = struct.Struct(f"<I2x{_SCALARS[vtype]}{'I' if mask & 2 else ''}{'q' if mask & 4 else ''}{skipped}x")
        layout = (shape, bool(mask & 2), bool(mask & 4))
    _LAYOUTS[(mask, vtype)] = layout
    return layout


def _slow_data_value(data, pos: int, mask: int) -> tuple[int, object, int, int]:
    """A DataValue at pos (after its mask byte) field by field; the position after it."""
    value = None
    if mask & 1 and data[pos] == _STRING:
        (length,) = _I32.unpack_from(data, pos + 1)
        pos += 5
        if length >= 0:
            value = bytes(data[pos:pos + length]).decode("utf-8", "replace")
            pos += length
    elif mask & 1:
        buffer = Buffer(data, pos)
        before = len(buffer)
        value = variant_from_binary(buffer).Value
        pos += before - len(buffer)
    status = stamp = 0
    if mask & 2:
        (status,) = _U32.unpack_from(data, pos)
        pos += 4
    if mask & 4:
        (stamp,) = struct.unpack_from("<q", data, pos)
        pos += 8
    pos += 2 * bool(mask & 0x10) + 8 * bool(mask & 8) + 2 * bool(mask & 0x20)
    return pos, value, status, stamp


def _type_id(data, pos: int) -> tuple[int, int]:
    """A numeric NodeId (two-byte, four-byte or numeric encoding) at pos: the position after it and its id."""
    form = data[pos]
    if form == 0:
        return pos + 2, data[pos + 1]
    if form == 1:
        return pos + 4, struct.unpack_from("<H", data, pos + 2)[0]
    if form == 2:
        return pos + 7, _U32.unpack_from(data, pos + 3)[0]
    raise ValueError(f"notification type id with NodeId encoding {form}: expected a numeric id")


def epoch(ticks: int) -> float:
    """An OPC UA DateTime (100 ns since 1601) as epoch seconds."""
    return (ticks - EPOCH_1601) / 1e7
