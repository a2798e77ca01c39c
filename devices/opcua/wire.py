"""The one place that uses asyncua beyond its public API (tests/unit/test_asyncua_internals.py fails loudly).

Subscriptions are made and drained here without asyncua's `Subscription`:
its session publish loop keeps a single PublishRequest in flight and decodes
every notification through the generic struct decoder, so a server that caps
its responses (node-opcua: 1,000 notifications) outran it (issue 17: 44% of
5,000 changes every 100 ms lost). What is used:

- ``UaClient.protocol.send_request(request, timeout)``: sends a service request on
  the session's secure channel (signed and encrypted as set up) and returns the
  raw response body, a `Buffer` starting at the response's type id (asyncua 2.1;
  a ServiceFault is raised as `UaStatusCodeError`).
- ``UaClient.protocol._send_request(request, timeout)``, what send_request
  awaits: sends and returns the future of the raw response body, for
  PublishRequests, which the server holds until it has something to send. No
  task waits for each of them, and a ServiceFault comes back as a body for the
  caller to check (`result_bytes`): send_request logs each as a warning, and
  the server answers every PublishRequest in flight with one when the session
  closes.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from asyncua import Client, ua
from asyncua.client.ua_client import UASocketProtocol
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import nodeid_from_binary, struct_from_binary

T = TypeVar("T")


async def send(client: Client, request: object, timeout: float) -> Buffer:
    """The raw response body to request (timeout 0: the server may hold it, as it does PublishRequests)."""
    return await _protocol(client).send_request(request, timeout)


def publish(client: Client, request: ua.PublishRequest) -> asyncio.Future[Buffer]:
    """The future raw response body to a PublishRequest (no timeout: the server holds it); see above."""
    return _protocol(client)._send_request(request, 0)


def _protocol(client: Client) -> UASocketProtocol:
    """The client's connection; ConnectionError when it has none."""
    protocol = client.uaclient.protocol
    if protocol is None:
        raise ConnectionError("not connected")
    return protocol


async def call(client: Client, request: object, response: type[T], timeout: float) -> T:
    """request answered and decoded as response; UaStatusCodeError if its ServiceResult is bad."""
    decoded = struct_from_binary(response, await send(client, request, timeout))
    decoded.ResponseHeader.ServiceResult.check()
    return decoded


def result_bytes(body: Buffer) -> bytes:
    """What follows the type id and ResponseHeader of a response; UaStatusCodeError if its ServiceResult is bad."""
    nodeid_from_binary(body)
    struct_from_binary(ua.ResponseHeader, body).ServiceResult.check()
    return bytes(body)
