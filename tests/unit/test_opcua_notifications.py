"""The fast PublishResponse decoder gives what asyncua's own decoder gives, for every DataValue shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import nodeid_from_binary, struct_from_binary, struct_to_binary

from smarthall.devices.opcua.notifications import STATUS_CHANGE, decode_publish, epoch

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
    items = reference.NotificationMessage.NotificationData[0].MonitoredItems
    assert published.handles == [i.ClientHandle for i in items]
    assert published.values == [i.Value.Value.Value if i.Value.Value is not None else None for i in items]
    assert published.statuses == [i.Value.StatusCode.value if i.Value.StatusCode else 0 for i in items]
    assert [epoch(s) if s else None for s in published.stamps] == [
        pytest.approx(i.Value.SourceTimestamp.timestamp()) if i.Value.SourceTimestamp else None for i in items]
    ((type_id, status_body),) = published.others
    assert type_id == STATUS_CHANGE
    assert struct_from_binary(ua.StatusChangeNotification, Buffer(status_body)).Status.value == ua.StatusCodes.BadTimeout


def test_a_keep_alive_has_no_notifications_and_the_next_sequence_number():
    response = ua.PublishResponse()
    response.Parameters = ua.PublishResult(SubscriptionId=3, MoreNotifications=False, NotificationMessage=ua.NotificationMessage(
        SequenceNumber=5, PublishTime=STAMP, NotificationData=[]))
    published = decode_publish(_after_header(struct_to_binary(response)))
    assert published.keep_alive and published.sequence == 5 and not published.more
