"""The scan engine: one task per connection reads its due scan groups and runs queued writes.

A dead or slow connection only delays its own task. Writes wait in a queue
and go out between reads; at most `WRITES_BETWEEN_READS` run before a due
group is read, so a burst of writes never starves the scan. Each group keeps
its own schedule; a cycle that starts late is measured (jitter) and a cycle
missed altogether is counted as an overrun, never made up in a burst.

A request never outlives the run that queued it: when run() raises or is
cancelled, every read still waiting (or in service) is answered BAD and every
write fails, with the reason (``internal error`` or ``scanner stopped``).

Each scanner knows whether its connection communicates: lost when a whole
scan brought no GOOD value (or `fail` says the scanner itself broke), back
with the first GOOD value; `report_comm(ok, reason)` hears every change.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import isfinite
from operator import attrgetter

from smarthall.devices.driver import CountsLostChanges, CountsViolations, Driver, ReadsValues
from smarthall.devices.errors import WriteFailed
from smarthall.devices.profiles import Point
from smarthall.devices.quality import AllGood, Quality, Reading

from .config import Connection, ScanGroup, Tag
from .supervise import INTERNAL_ERROR
from .tags import BlockLayout, TagBlock, TagValue

NOT_A_NUMBER = "not a number"  # a reading's reason when the device sent NaN or infinity

WRITES_BETWEEN_READS = 4
GOOD = Quality.GOOD
QUALITY = attrgetter("quality")
JITTER_SAMPLES = 2000
STOPPED = "scanner stopped"


@dataclass
class GroupStats:
    """How one scan group of one connection kept its schedule."""

    cycles: int = 0
    overruns: int = 0
    jitter_s: deque = field(default_factory=lambda: deque(maxlen=JITTER_SAMPLES))

    def jitter_p99(self) -> float:
        ordered = sorted(self.jitter_s)
        return ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0


@dataclass
class _Write:
    tag: Tag
    value: bool | int | float
    done: asyncio.Future


@dataclass
class _Read:
    tags: Sequence[Tag]
    done: asyncio.Future


def to_tag_value(tag: Tag, reading: Reading) -> TagValue:
    """The tag's value from a driver's reading; a float that is NaN or infinite (a float register's or an OPC UA
    variable's way of saying "no measurement") is BAD with no value, never a GOOD number."""
    value = reading.value
    if value.__class__ is float and not isfinite(value):
        return TagValue(tag.name, None, Quality.BAD, reading.timestamp, f"{NOT_A_NUMBER}: the device sent {value}",
                        tag.unit)
    return TagValue(tag.name, value, reading.quality, reading.timestamp, reading.reason, tag.unit)


def good_block(layout: BlockLayout, read: AllGood) -> TagBlock | None:
    """A batch read whole and GOOD as one block, when every value is a finite number (the common case, checked in
    C passes); else None, and `good_tag_values` makes its values one by one."""
    values = read.values
    if len(values) == len(layout.tags) and _all_finite(values):
        return TagBlock(layout, values, read.timestamp)
    return None


def good_tag_values(tags: Sequence[Tag], read: AllGood) -> list[TagValue]:
    """`to_tag_value` of each value of a batch read whole and GOOD, no Reading between."""
    now = read.timestamp
    return [TagValue(tag.name, value, GOOD, now, "", tag.unit) if value.__class__ is not float or isfinite(value)
            else to_tag_value(tag, Reading(value, GOOD, now)) for tag, value in zip(tags, read.values, strict=True)]


def _all_finite(values: Sequence[object]) -> bool:
    """Whether every value is a finite number (False for a string or an int too large for a float)."""
    try:
        return all(map(isfinite, values))
    except (TypeError, OverflowError):
        return False


class ConnectionScanner:
    """Scans one connection's tags group by group and carries out its writes."""

    def __init__(self, connection: Connection, tags: Sequence[Tag], groups: Sequence[ScanGroup],
                 driver: Driver, publish: Callable[[TagValue], None], subscribe_ms: float | None = None,
                 report_comm: Callable[[bool, str], None] = lambda ok, reason: None,
                 publish_all: Callable[[list[TagValue]], None] | None = None,
                 publish_block: Callable[[TagBlock], None] | None = None) -> None:
        self.connection = connection
        self.driver = driver
        self.publish = publish
        self.publish_all = publish_all  # one device's values of a scan at once (else `publish` value by value)
        self.publish_block = publish_block  # a device's scan read whole and GOOD, as it is (else as its values)
        self.subscribe_ms = subscribe_ms
        self.report_comm = report_comm
        self.comm_ok: bool | None = None  # None until the first scan or value
        self._tags = tuple(tags)
        self._read_values = driver.read_values if isinstance(driver, ReadsValues) else None
        rates = {g.name: g.rate_s for g in groups}
        self._groups = {name: _by_device([t for t in tags if t.group == name])
                        for name in rates if any(t.group == name for t in tags)}
        self._rates = {name: rates[name] for name in self._groups}
        self.stats = {name: GroupStats() for name in self._groups}
        self.readings = 0  # values delivered (scans, reads, subscription changes) since start
        self.bad_readings = 0  # of which not GOOD (timeouts, CRC errors, exceptions, bad status)
        self._requests: deque[_Write | _Read] = deque()
        self._arrived = asyncio.Event()
        self._running = False
        self._subscribed = False

    @property
    def protocol_violations(self) -> int:
        """Replies that did not answer their request (0 for a driver that does not count them)."""
        return self.driver.protocol_violations if isinstance(self.driver, CountsViolations) else 0

    @property
    def lost_changes(self) -> int:
        """Data changes a subscription lost on the way (0 for a driver that does not count them)."""
        return self.driver.lost_changes if isinstance(self.driver, CountsLostChanges) else 0

    async def write(self, tag: Tag, value: bool | float) -> None:
        """Queue a write and wait until the device took it (raises the driver's WriteFailed)."""
        if not self._running:
            return await self.driver.write(tag.device, tag.point, value)
        done = asyncio.get_running_loop().create_future()
        self._put(_Write(tag, value, done))
        await done

    async def read_now(self, tags: Sequence[Tag]) -> list[TagValue]:
        """Read these tags at once, between scans, and publish them."""
        if not self._running:
            return await self._scan(tags)
        done = asyncio.get_running_loop().create_future()
        self._put(_Read(tags, done))
        return await done

    async def run(self) -> None:
        """Scan until cancelled.

        With subscribe_ms (OPC UA), the server reports data changes and the
        groups are only read while the subscription's connection is down,
        which also brings the connection back through the driver's backoff.
        """
        self._running = True
        reason = STOPPED
        try:
            await self._run()
        except Exception:
            reason = INTERNAL_ERROR
            raise
        finally:
            self._running = False
            self._answer_waiting(reason)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        if self.subscribe_ms is not None and not self._subscribed:
            await self._subscribe()
            self._subscribed = True  # the driver keeps subscriptions across reconnects and restarts of run()
        due = {name: loop.time() for name in self._groups}
        while True:
            name = min(due, key=due.get) if due else None
            await self._serve_until(due.get(name))
            if name is None:
                continue
            stats = self.stats[name]
            stats.jitter_s.append(loop.time() - due[name])
            if self.subscribe_ms is None or not self.driver.connected:
                await self._read(self._groups[name])
            stats.cycles += 1
            due[name] += self._rates[name]
            if due[name] < loop.time():
                missed = int((loop.time() - due[name]) / self._rates[name]) + 1
                stats.overruns += missed
                due[name] += missed * self._rates[name]

    def fail(self, reason: str) -> None:
        """The scanner itself broke: every tag BAD with reason, and the connection counts as lost."""
        now = time.time()
        for tag in self._tags:
            self._deliver(to_tag_value(tag, Reading.bad(reason, now)))
        self._comm(False, reason)

    def _answer_waiting(self, reason: str) -> None:
        """Answer every request this run accepted and did not answer: reads BAD, writes failed, with reason."""
        now = time.time()
        while self._requests:
            request = self._requests.popleft()
            if request.done.done():
                continue
            if isinstance(request, _Read):
                request.done.set_result([to_tag_value(tag, Reading.bad(reason, now)) for tag in request.tags])
            else:
                request.done.set_exception(WriteFailed(f"{request.tag.name}: {reason}", reason))

    def _put(self, request: _Write | _Read) -> None:
        self._requests.append(request)
        self._arrived.set()

    async def _serve_until(self, deadline: float | None) -> None:
        """Serve requests until deadline; once it has passed, at most WRITES_BETWEEN_READS more.

        Requests wait in a deque with an event, and the deadline is a timer that
        sets the event: no asyncio.wait_for here, because on Python 3.11 it can
        drop a queue item taken just as the timeout fires, and was seen here to
        leave a cancelled scanner waiting forever.
        """
        loop = asyncio.get_running_loop()
        late = 0
        while True:
            overdue = deadline is not None and loop.time() >= deadline
            if self._requests and not (overdue and late >= WRITES_BETWEEN_READS):
                late += overdue
                await self._serve(self._requests[0])  # stays queued while in service: run() answers it if cut short
                self._requests.popleft()
                continue
            if overdue:
                return
            self._arrived.clear()
            alarm = None if deadline is None else loop.call_at(deadline, self._arrived.set)
            try:
                await self._arrived.wait()
            finally:
                if alarm is not None:
                    alarm.cancel()

    async def _subscribe(self) -> None:
        for device_tags, _, _ in _by_device(self._tags):
            by_point = {t.point.name: t for t in device_tags}
            await self.driver.subscribe(device_tags[0].device, [t.point for t in device_tags],
                                        lambda point, reading, by_point=by_point:
                                        self._deliver(to_tag_value(by_point[point.name], reading)),
                                        self.subscribe_ms)

    async def _serve(self, request: _Write | _Read) -> None:
        try:
            if isinstance(request, _Write):
                await self.driver.write(request.tag.device, request.tag.point, request.value)
                result = None
            else:
                result = await self._scan(request.tags)
        except Exception as exc:
            if not request.done.done():
                request.done.set_exception(exc)
            return
        if not request.done.done():
            request.done.set_result(result)

    async def _scan(self, tags: Sequence[Tag]) -> list[TagValue]:
        return await self._read(_by_device(tags), collect=True)

    async def _read(self, batches: Sequence[_Batch], collect: bool = False) -> list[TagValue]:
        """Read tags device by device; every reading is published, bad ones too. With collect, returns their
        TagValues; a scan (without) makes none for a device's values read whole and GOOD: they go on as a block."""
        collected: list[TagValue] = []
        others: list[TagValue] = []  # the values not in a block: no GOOD value in a scan says why
        good = 0
        read_values = self._read_values
        for device_tags, points, layout in batches:
            if read_values is None:
                readings = await self.driver.read(device_tags[0].device, points)
            else:
                readings = await read_values(device_tags[0].device, points)
            if isinstance(readings, AllGood):
                block = good_block(layout, readings)
                if block is not None:
                    self._deliver_block(block)
                    good += 1
                    if collect:
                        collected += block.tag_values()
                    continue
                read = good_tag_values(device_tags, readings)
            else:
                read = list(map(to_tag_value, device_tags, readings))
            good += self._deliver_all(read)
            others += read
            if collect:
                collected += read
        if others and not good:
            self._comm(False, Counter(v.reason for v in others).most_common(1)[0][0])
        return collected

    def _deliver_block(self, block: TagBlock) -> None:
        """`_deliver_all` for a device's values read whole and GOOD, as the block."""
        if self.publish_block is None:
            self._deliver_all(block.tag_values())
            return
        self.publish_block(block)
        self.readings += len(block.values)
        self._comm(True, "")

    def _deliver_all(self, values: list[TagValue]) -> int:
        """`_deliver` for one device's values of a scan, counted once; returns how many are GOOD."""
        if self.publish_all is not None:
            self.publish_all(values)
        else:
            publish = self.publish
            for value in values:
                publish(value)
        good = list(map(QUALITY, values)).count(GOOD)  # in C: this runs for every value scanned
        self.readings += len(values)
        self.bad_readings += len(values) - good
        if good:
            self._comm(True, "")
        return good

    def _deliver(self, value: TagValue) -> None:
        self.readings += 1
        good = value.quality is Quality.GOOD
        self.bad_readings += not good
        self.publish(value)
        if good:
            self._comm(True, "")

    def _comm(self, ok: bool, reason: str) -> None:
        if ok is not self.comm_ok:
            self.comm_ok = ok
            self.report_comm(ok, reason)



_Batch = tuple[tuple[Tag, ...], tuple[Point, ...], BlockLayout]  # one device's tags and points, read in one call


def _by_device(tags: Sequence[Tag]) -> list[_Batch]:
    """The tags device by device, with their points as a tuple (the driver may keep its plan for it) and the
    layout of their blocks."""
    grouped: dict[str, list[Tag]] = {}
    for tag in tags:
        grouped.setdefault(tag.device.name, []).append(tag)
    return [(tuple(device_tags), tuple(t.point for t in device_tags),
             BlockLayout(tuple(t.name for t in device_tags), tuple(t.unit for t in device_tags),
                         tuple(t.deadband for t in device_tags)))
            for device_tags in grouped.values()]
