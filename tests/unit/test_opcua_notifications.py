"""The fast PublishResponse decoder gives what asyncua's own decoder gives, for every DataValue shape,
and a change it decodes is delivered as the Read path reads the same value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import nodeid_from_binary, struct_from_binary, struct_to_binary

from smarthall.devices.opcua.notifications import STATUS_CHANGE, decode_publish, epoch
from smarthall.devices.opcua.values import change_sink, reading
from smarthall.devices.profiles import DataType, Kind, Point, Text
from smarthall.devices.quality import Reading

STAMP = datetime(2026, 11, 27, 5, 0, 0, 123456, tzinfo=UTC)
VALUES = [
    ua.DataValue(ua.Variant(21.5, ua.VariantType.Double), SourceTimestamp=STAMP, ServerTimestamp=STAMP),
    ua.DataValue(ua.Variant(-1200, ua.VariantType.Int16), SourceTimestamp=STAMP),
    ua.DataValue(ua.Variant(True, ua.VariantType.Boolean)),
    ua.DataValue(ua.Variant("Linie 1 — 라인", ua.VariantType.String), SourceTimestamp=STAMP, SourcePicoseconds=5),
    ua.DataValue(ua.Variant(None, ua.VariantType.String)),
    ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadSensorFailure), SourceTimestamp=STAMP),
    ua.DataValue(ua.Variant(7, ua.VariantType.UInt32), StatusCode=ua.StatusCode(ua.StatusCodes.UncertainLastUsableValue),
                 SourceTimestamp=STAMP, ServerTimestamp=STAMP, ServerPicoseconds=9),
    ua.DataValue(ua.Variant([1.0, 2.0], ua.VariantType.Float)),
    ua.DataValue(ua.Variant(2**40, ua.VariantType.UInt64), SourceTimestamp=STAMP),
]


def _response(values: list[ua.DataValue], status: ua.StatusCode | None = None) -> bytes:
    changes = ua.DataChangeNotification(MonitoredItems=[
        ua.MonitoredItemNotification(ClientHandle=100 + i, Value=v) for i, v in enumerate(values)])
    data: list = [changes]
    if status is not None:
        data.append(ua.StatusChangeNotification(Status=status))
    response = ua.PublishResponse()
    response.Parameters = ua.PublishResult(
        SubscriptionId=7, AvailableSequenceNumbers=[41, 42], MoreNotifications=True,
        NotificationMessage=ua.NotificationMessage(SequenceNumber=42, PublishTime=STAMP, NotificationData=data))
    return struct_to_binary(response)


def _after_header(body: bytes) -> bytes:
    buffer = Buffer(body)
    nodeid_from_binary(buffer)
    struct_from_binary(ua.ResponseHeader, buffer)
    return bytes(buffer)


def test_every_data_value_shape_decodes_as_asyncua_decodes_it():
    body = _response(VALUES, ua.StatusCode(ua.StatusCodes.BadTimeout))
    published = decode_publish(_after_header(body))
    reference = struct_from_binary(ua.PublishResponse, Buffer(body)).Parameters
    assert (published.subscription, published.available, published.more, published.sequence) == (7, (41, 42), True, 42)
    assert epoch(published.publish_time) == pytest.approx(STAMP.timestamp())
    _assert_as_asyncua(published, reference.NotificationMessage.NotificationData[0].MonitoredItems)
    ((type_id, status_body),) = published.others
    assert type_id == STATUS_CHANGE
    assert struct_from_binary(ua.StatusChangeNotification, Buffer(status_body)).Status.value == ua.StatusCodes.BadTimeout


def _assert_as_asyncua(published, items) -> None:
    handles, values, statuses, stamps = zip(*published.changes(), strict=True) if items else ((),) * 4
    assert list(handles) == [i.ClientHandle for i in items]
    assert list(values) == [i.Value.Value.Value if i.Value.Value is not None else None for i in items]
    assert list(statuses) == [i.Value.StatusCode.value if i.Value.StatusCode else 0 for i in items]
    assert [epoch(s) if s else None for s in stamps] == [
        pytest.approx(i.Value.SourceTimestamp.timestamp()) if i.Value.SourceTimestamp else None for i in items]
    assert published.count == len(items)


def _double(value: float, status: int | None = None) -> ua.DataValue:
    return ua.DataValue(ua.Variant(value, ua.VariantType.Double), SourceTimestamp=STAMP, ServerTimestamp=STAMP,
                        StatusCode=ua.StatusCode(status) if status is not None else None)


OVERFLOW = ua.StatusCodes.Good | 0x0480
SAME_SHAPE = {  # a response's values: whether the decoder may take them as one block of that shape
    "all Good, no status code": ([_double(i / 4) for i in range(50)], True),
    "all with a status code": ([_double(i / 4, OVERFLOW) for i in range(50)], True),
    "one with a status code among Good": ([_double(i / 4, OVERFLOW if i == 31 else None) for i in range(50)], False),
    "one Float among Doubles": ([_double(1.0), ua.DataValue(ua.Variant(2.5, ua.VariantType.Float),
                                                             SourceTimestamp=STAMP, ServerTimestamp=STAMP),
                                 _double(3.0)], False),
    "no source timestamps": ([ua.DataValue(ua.Variant(i / 4, ua.VariantType.Double)) for i in range(5)], False),
    "one": ([_double(7.0)], True),
}


@pytest.mark.parametrize("shape", SAME_SHAPE)
def test_a_notification_of_one_shape_is_one_block_and_any_other_decodes_item_by_item(shape):
    values, one_block = SAME_SHAPE[shape]
    body = _response(values)
    published = decode_publish(_after_header(body))
    _assert_as_asyncua(published, struct_from_binary(ua.PublishResponse, Buffer(body))
                       .Parameters.NotificationMessage.NotificationData[0].MonitoredItems)
    assert (len(published.blocks) == 1 and (len(published.blocks[0][1][0]) == 3) == all(
        v.StatusCode is None for v in values)) if one_block else published.blocks[0][0]


def test_a_keep_alive_has_no_notifications_and_the_next_sequence_number():
    response = ua.PublishResponse()
    response.Parameters = ua.PublishResult(SubscriptionId=3, MoreNotifications=False, NotificationMessage=ua.NotificationMessage(
        SequenceNumber=5, PublishTime=STAMP, NotificationData=[]))
    published = decode_publish(_after_header(struct_to_binary(response)))
    assert published.keep_alive and published.sequence == 5 and not published.more


def _point(dtype: DataType, **scaling) -> Point:
    return Point(name="p", kind=Kind.NODE, type=dtype, text=Text("p", "p"), node="P", **scaling)


SUNK = [  # (DataValue, the point it is read for): every quality and conversion a change can take
    (VALUES[0], _point(DataType.FLOAT64)),
    (VALUES[1], _point(DataType.INT16)),
    (VALUES[1], _point(DataType.INT16, scale=0.1, offset=5.0)),
    (VALUES[2], _point(DataType.BOOL)),
    (VALUES[3], _point(DataType.STRING)),
    (VALUES[4], _point(DataType.STRING)),
    (VALUES[5], _point(DataType.FLOAT64)),
    (VALUES[6], _point(DataType.UINT32)),
]


@pytest.mark.parametrize(("value", "point"), SUNK)
def test_a_change_delivered_reads_as_a_read_of_the_same_value(value, point):
    """The subscription's per-change path gives the Reading the Read path gives (no value, its status)."""
    published = decode_publish(_after_header(_response([value])))
    got: list[tuple[Point, Reading]] = []
    [(_, value_, status, stamp)] = published.changes()
    change_sink(point, lambda p, r: got.append((p, r)))(value_, status, stamp)
    expected = reading(point, value)
    [(delivered_for, delivered)] = got
    assert delivered_for is point
    assert (delivered.value, delivered.quality, delivered.reason) == (expected.value, expected.quality, expected.reason)
    if value.SourceTimestamp or value.ServerTimestamp:  # else each path takes its own moment of arrival
        assert delivered.timestamp == expected.timestamp
