"""One session's data-change subscriptions and the PublishRequests that drain them, never falling behind.

OPC UA servers answer PublishRequests the client has sent ahead; a server that
caps a response (node-opcua: 1,000 notifications; PLCs cap too) and finds no
request waiting keeps the rest queued, so a client with one request in flight
falls behind and the items' queues overflow. Here:

- Requests in flight: as many as the messages a publishing cycle takes, plus
  one. A response that says MoreNotifications (the server's cap cut the
  cycle short) chains the next one into the same cycle, as Part 4 (5.13.5)
  expects of clients; each subscription needs the longest of its last
  `CYCLES` cycles (at least one), the session their sum plus one, at least
  `MIN_IN_FLIGHT` and at most `MAX_IN_FLIGHT` or the ceiling the server's
  BadTooManyPublishRequests set. So 5,000 changes a cycle from a server that
  sends 1,000 a response keep 6 in flight, and fewer once the load drops.
  Each answered request is replaced before its notifications are delivered,
  carrying the acknowledgements of every message received since.
- Subscription settings chosen, not defaulted: MaxNotificationsPerPublish 0
  (whatever the server allows: a cap only means more requests, which the
  count above provides); a keep-alive at least every `KEEP_ALIVE_S`, a
  lifetime of `LIFETIME_S`; items sampled at the publishing interval unless
  asked otherwise, with a queue of `QUEUE_S` worth of publishing intervals,
  oldest discarded. A sampling interval of 0 asks for the server's fastest
  rate; servers that monitor a variable continuously (node-opcua for a
  MinimumSamplingInterval of 0, its default; asyncua) then report each change
  as it is written: no sampling work on the server and up to one sampling
  interval less latency (node-opcua's sampler makes a permission-checked read
  and copies of every item: 5,000 items every 100 ms took more than half a
  core of its own on a 2-core machine). `Health.sampling_ms` shows what the
  server granted.
- Lost changes are counted in `Health`, never silent: a sequence-number gap is
  republished when the server still has the message, counted as lost when not,
  and the messages after it wait until then (an item's values come in order);
  a value whose status carries the Overflow bit counts the server's dropped
  samples; a subscription the server ends (StatusChange) turns its points BAD
  and is made again.
- Responses are decoded by `notifications.decode_publish` (about 0.5 µs a
  change) in the response's callback, with no task per response; a block
  of Good changes (no status code) is delivered without the Overflow test.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from asyncua import Client, ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary

from . import wire
from .notifications import EPOCH_1601, STATUS_CHANGE, Publish, decode_publish

log = logging.getLogger(__name__)

_LOST = (ConnectionError, OSError, ua.UaError)
MIN_IN_FLIGHT = 2
MAX_IN_FLIGHT = 20
CYCLES = 10
KEEP_ALIVE_S = 2.0
LIFETIME_S = 30.0
QUEUE_S = 1.0
MAX_QUEUE = 100
_OVERFLOW = 0x0480  # InfoType DataValue (0x0400) with the Overflow bit (0x0080)

Sink = Callable[[object, int, int], None]  # (value, status code, source timestamp in 1601 ticks or 0)
"""Where one item's changes go."""


@dataclass
class Health:
    """What the subscriptions of a connection received and lost (cumulative over reconnects)."""

    changes: int = 0  # data changes delivered
    messages: int = 0  # notification messages received (keep-alives apart)
    keep_alives: int = 0
    republished: int = 0  # missing messages the server sent again
    lost_messages: int = 0  # missing messages the server no longer had: their changes are lost
    overflows: int = 0  # changes flagged Overflow: the server's queue dropped older samples of that item
    in_flight: int = 0  # PublishRequests waiting at the server now
    target: int = 0  # how many the client keeps in flight now
    sampling_ms: float = 0.0  # the slowest sampling interval the server granted an item (it may revise the asked)

    @property
    def lost(self) -> int:
        """Events of loss: messages never received and items whose queue overflowed."""
        return self.lost_messages + self.overflows


@dataclass
class _Subscription:
    id: int
    sinks: dict[int, Sink]  # client handle -> sink
    on_end: Callable[[str], None]
    expected: int = 0  # the next sequence number (0: none yet)
    held: list[Publish] | None = None  # while missing messages are asked for again: what came after them
    chained: int = 0  # messages of the cycle under way (each said MoreNotifications)
    cycles: deque[int] = field(default_factory=lambda: deque(maxlen=CYCLES))  # messages per recent cycle

    def published(self, more: bool) -> None:
        """Count a notification message into its publishing cycle."""
        if more:
            self.chained += 1
        else:
            self.cycles.append(self.chained + 1)
            self.chained = 0

    @property
    def needs(self) -> int:
        """PublishRequests a cycle of this subscription takes: the longest recent one, or the one under way."""
        return max(self.chained + 1, max(self.cycles, default=1))


class Subscriptions:
    """The subscriptions of one connected client; `close()` when the connection goes."""

    def __init__(self, client: Client, timeout: float, health: Health) -> None:
        self._client = client
        self._timeout = timeout
        self.health = health
        self._subs: dict[int, _Subscription] = {}
        self._acks: list[ua.SubscriptionAcknowledgement] = []
        self._pending: set[asyncio.Future] = set()
        self._tasks: set[asyncio.Task] = set()
        self._ceiling = MAX_IN_FLIGHT
        self._handles = 0
        self._closed = False
        health.in_flight = 0

    async def add(self, interval_ms: float, items: Sequence[tuple[ua.NodeId, Sink]],
                  on_end: Callable[[str], None], sampling_ms: float | None = None) -> list[ua.StatusCode | None]:
        """One subscription of the items; per item None (monitored) or the server's refusal.

        on_end(reason) is called when the server ends the subscription (its items are gone); the items are
        sampled every sampling_ms (None: the publishing interval; 0: as fast as the server can, see above).
        """
        params = ua.CreateSubscriptionParameters(
            RequestedPublishingInterval=interval_ms,
            RequestedLifetimeCount=max(3 * _keep_alive(interval_ms), math.ceil(LIFETIME_S * 1000 / interval_ms)),
            RequestedMaxKeepAliveCount=_keep_alive(interval_ms), MaxNotificationsPerPublish=0,
            PublishingEnabled=True, Priority=0)
        request = ua.CreateSubscriptionRequest(Parameters=params)
        created = await wire.call(self._client, request, ua.CreateSubscriptionResponse, self._timeout)
        sub = _Subscription(created.Parameters.SubscriptionId, {}, on_end)
        self._subs[sub.id] = sub
        queue = max(1, min(MAX_QUEUE, math.ceil(QUEUE_S * 1000 / interval_ms)))
        sampling = interval_ms if sampling_ms is None else sampling_ms
        requests = []
        for node, sink in items:
            self._handles += 1
            sub.sinks[self._handles] = sink
            requests.append(ua.MonitoredItemCreateRequest(
                ItemToMonitor=ua.ReadValueId(NodeId=node, AttributeId=ua.AttributeIds.Value),
                MonitoringMode=ua.MonitoringMode.Reporting,
                RequestedParameters=ua.MonitoringParameters(
                    ClientHandle=self._handles, SamplingInterval=sampling, QueueSize=queue, DiscardOldest=True)))
        handles = list(sub.sinks)
        results = await self._client.uaclient.create_monitored_items(ua.CreateMonitoredItemsParameters(
            SubscriptionId=sub.id, TimestampsToReturn=ua.TimestampsToReturn.Both, ItemsToCreate=requests))
        refused: list[ua.StatusCode | None] = []
        for handle, result in zip(handles, results):
            if result.StatusCode.is_good():
                refused.append(None)
                self.health.sampling_ms = max(self.health.sampling_ms, result.RevisedSamplingInterval)
            else:
                del sub.sinks[handle]
                refused.append(result.StatusCode)
        self._fill()
        return refused

    def close(self) -> None:
        """Stop sending. The PublishRequests in flight end with the connection, answered or failed, and are
        let be: an answer that came in for a request cancelled here made asyncua warn ('already done')."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        self.health.in_flight = 0

    def _fill(self) -> None:
        """Keep the target number of PublishRequests at the server."""
        target = min(self._ceiling, max(MIN_IN_FLIGHT, sum(sub.needs for sub in self._subs.values()) + 1))
        self.health.target = target
        while not self._closed and self._subs and len(self._pending) < target:
            acks, self._acks = self._acks, []
            request = ua.PublishRequest(Parameters=ua.PublishParameters(SubscriptionAcknowledgements=acks))
            try:
                future = wire.publish(self._client, request)
            except _LOST as exc:
                log.info("publish: %r (the connection's watchdog reconnects)", exc)
                break
            self._pending.add(future)
            future.add_done_callback(self._answered)
        self.health.in_flight = len(self._pending)

    def _answered(self, future: asyncio.Future) -> None:
        self._pending.discard(future)
        if future.cancelled():
            return
        if self._closed:
            future.exception()  # answered or failed with the connection: no one's now
            return
        try:
            published = decode_publish(wire.result_bytes(future.result()))
        except ua.UaStatusCodeError as exc:
            self._refused(exc)
            return
        except (TimeoutError, *_LOST) as exc:
            log.info("publish: %r (the connection's watchdog reconnects)", exc)
            return
        sub = self._subs.get(published.subscription)
        if sub is not None and not published.keep_alive:
            sub.published(published.more)
        self._fill()
        asyncio.get_running_loop().call_soon(self._received, published)  # after the replacements are sent

    def _refused(self, exc: ua.UaStatusCodeError) -> None:
        code = exc.code
        if code == ua.StatusCodes.BadTooManyPublishRequests:
            self._ceiling = max(1, len(self._pending))
        elif code == ua.StatusCodes.BadNoSubscription:
            return  # nothing to publish yet; add() sends again
        elif code not in (ua.StatusCodes.BadTimeout, ua.StatusCodes.BadRequestTimeout):
            log.warning("publish refused: %s", ua.StatusCode(code).name)
            self._later(self._fill_after(1.0))
            return
        self._fill()

    async def _fill_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._fill()

    def _received(self, published: Publish) -> None:
        sub = self._subs.get(published.subscription)
        if sub is None or self._closed:
            return
        if sub.held is not None:
            sub.held.append(published)
            return
        sequence = published.sequence
        if sub.expected and sequence > sub.expected:  # held until the missing ones are in: an item's older
            sub.held = [published]                     # value never comes after its newer one
            self._later(self._republish(sub, range(sub.expected, sequence)))
            return
        if published.keep_alive:
            self.health.keep_alives += 1
            sub.expected = max(sub.expected, sequence)
            return
        sub.expected = max(sub.expected, sequence + 1)
        self._acks.append(ua.SubscriptionAcknowledgement(SubscriptionId=sub.id, SequenceNumber=sequence))
        self._deliver(sub, published)

    def _deliver(self, sub: _Subscription, published: Publish) -> None:
        health = self.health
        health.messages += 1
        health.changes += published.count
        sinks = sub.sinks
        try:
            for statused, rows in published.blocks:
                if not statused:  # all Good: no status code, so no Overflow bit either
                    for handle, value, stamp in rows:
                        sink = sinks.get(handle)
                        if sink is not None:
                            sink(value, 0, stamp)
                    continue
                for handle, value, status, stamp in rows:
                    if status & _OVERFLOW == _OVERFLOW:
                        health.overflows += 1
                    sink = sinks.get(handle)
                    if sink is not None:
                        sink(value, status, stamp)
        except Exception:
            log.exception("a data change subscriber failed")
        for type_id, body in published.others:
            if type_id == STATUS_CHANGE:
                status = struct_from_binary(ua.StatusChangeNotification, Buffer(body)).Status
                if status.is_bad():
                    self._ended(sub, status.name)

    def _ended(self, sub: _Subscription, reason: str) -> None:
        self._subs.pop(sub.id, None)
        log.warning("subscription %d ended by the server: %s", sub.id, reason)
        sub.on_end(reason)

    async def _republish(self, sub: _Subscription, missing: range) -> None:
        """Ask for messages that never came, then hand on what came after them; what the server no longer has
        is counted lost."""
        try:
            await self._ask_again(sub, missing)
        except (TimeoutError, *_LOST) as exc:
            log.info("republish: %r (the connection's watchdog reconnects)", exc)
        finally:
            held, sub.held = sub.held or [], None
            sub.expected = max(sub.expected, missing.stop)
            for at, published in enumerate(held):
                if sub.held is not None:  # another gap: the rest waits for that one
                    sub.held += held[at:]
                    break
                self._received(published)

    async def _ask_again(self, sub: _Subscription, missing: range) -> None:
        """Each missing message the server still has, delivered; the others counted lost."""
        for sequence in missing:
            request = ua.RepublishRequest(Parameters=ua.RepublishParameters(
                SubscriptionId=sub.id, RetransmitSequenceNumber=sequence))
            try:
                answer = await wire.call(self._client, request, ua.RepublishResponse, self._timeout)
            except ua.UaStatusCodeError:
                self.health.lost_messages += 1
                continue
            self.health.republished += 1
            self._acks.append(ua.SubscriptionAcknowledgement(SubscriptionId=sub.id, SequenceNumber=sequence))
            published = Publish(sub.id, (), False, sequence, 0)
            for data in answer.NotificationMessage.NotificationData:
                if getattr(data, "MonitoredItems", None) is not None:
                    published.blocks.append((True, [
                        (item.ClientHandle, item.Value.Value.Value if item.Value.Value is not None else None,
                         item.Value.StatusCode.value if item.Value.StatusCode else 0,
                         _ticks(item.Value.SourceTimestamp or item.Value.ServerTimestamp))
                        for item in data.MonitoredItems]))
            self._deliver(sub, published)
        if self.health.lost_messages:
            log.warning("subscription %d: %d notification messages lost in all", sub.id, self.health.lost_messages)

    def _later(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _keep_alive(interval_ms: float) -> int:
    return max(1, math.ceil(KEEP_ALIVE_S * 1000 / interval_ms))


def _ticks(stamp) -> int:
    return 0 if stamp is None else int(stamp.timestamp() * 1e7) + EPOCH_1601

