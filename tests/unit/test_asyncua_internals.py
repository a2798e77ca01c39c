"""Loud: the asyncua internals devices/opcua/wire.py and notifications.py lean on are still there.

If this fails after an asyncua upgrade, fix devices/opcua/wire.py (the one wrapper) before anything else.
"""

from __future__ import annotations

import inspect

from asyncua import Client, ua
from asyncua.client.ua_client import UASocketProtocol
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import variant_from_binary, variant_to_binary


def test_the_client_has_a_protocol_that_sends_raw_requests():
    client = Client("opc.tcp://127.0.0.1:1")
    assert hasattr(client.uaclient, "protocol") and client.uaclient.protocol is None, "UaClient.protocol moved"
    parameters = list(inspect.signature(UASocketProtocol.send_request).parameters)
    assert parameters[:3] == ["self", "request", "timeout"], f"UASocketProtocol.send_request is now {parameters}"
    assert inspect.iscoroutinefunction(UASocketProtocol.send_request)
    parameters = list(inspect.signature(UASocketProtocol._send_request).parameters)
    assert parameters[:3] == ["self", "request", "timeout"], f"UASocketProtocol._send_request is now {parameters}"
    assert not inspect.iscoroutinefunction(UASocketProtocol._send_request), "_send_request no longer returns a future"


def test_a_buffer_starts_at_an_offset_and_shrinks_as_it_is_read():
    data = b"\xff\xff" + variant_to_binary(ua.Variant([1, 2], ua.VariantType.Int32)) + b"tail"
    buffer = Buffer(data, 2)
    assert variant_from_binary(buffer).Value == [1, 2]
    assert len(buffer) == 4 and bytes(buffer) == b"tail"
