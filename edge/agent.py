"""The edge agent: the one async API (read, write, watch) over the whole line.

`EdgeAgent` opens a driver per connection (from the `drivers` factory it is
given), runs a scanner task per connection (and the vision station's reject
loop when the line has one), and routes every value to the latest-value
table, the historian, the alarms and the watchers. Every task is supervised
(edge.supervise): one that raises is logged, its connection's tags turn BAD
(``internal error``) with its communication alarm, and it restarts; closing
always stops every task and flushes the history. Writes are checked against the profile (access,
type, range) before anything reaches a PLC, and every write is logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from functools import partial
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING

from smarthall.devices.driver import Driver, WritesBlocks, driver_for, missing_capabilities
from smarthall.devices.quality import Quality
from smarthall.stopping import stop

from . import collector
from .alarms import AlarmError, AlarmEvent, AlarmManager, AlarmSpec, comm_status
from .audit import WriteLog, WriteRecord
from .config import Connection, LineConfig, LineConfigError, Tag
from .errors import AlarmsRefused, CallRejected, Forbidden, WriteRejected
from .historian import Historian
from .latest import LatestValues
from .owner import LineLock
from .scan import ConnectionScanner
from .supervise import INTERNAL_ERROR, supervised
from .tags import TagBlock, TagValue
from .users import User, authorize
from .write_check import checked_value

if TYPE_CHECKING:
    from .inspection.station import VisionStation

WATCH_QUEUE = 1000
TAG = attrgetter("tag")
HISTORY_BATCH = 50_000  # rows the historian buffers before writing them behind the scan; else each flush_s
log = logging.getLogger(__name__)


def line_driver(connection: Connection) -> Driver:
    """The driver for a connection of the line file (its profile's protocol, settings and timeouts)."""
    return driver_for(connection.profile, connection.settings, connection.timeouts)


class EdgeAgent:
    """Reads, writes and watches the line's tags; records history and alarms while running."""

    def __init__(self, config: LineConfig, history_path=None,
                 drivers: Callable[[Connection], Driver] = line_driver) -> None:
        self.config = config
        self.drivers = drivers
        self.history_path = history_path or config.historian.path
        self.latest = LatestValues()
        self._deadbands = {name: tag.deadband for name, tag in config.tags.items()}  # read for every value
        self.alarms = AlarmManager(config.alarms)
        self.historian: Historian | None = None
        self.write_log: WriteLog | None = None
        self.lock: LineLock | None = None  # held from start to close: this process owns the line
        self.scanners: dict[str, ConnectionScanner] = {}
        self.vision: VisionStation | None = None
        self._watchers: list[tuple[frozenset[str], asyncio.Queue[TagValue]]] = []
        self._alarm_listeners: list[asyncio.Queue[AlarmEvent]] = []
        self._tasks: list[asyncio.Task] = []
        self._tuned = False  # the garbage collector tuned for scanning (edge.collector) until close
        self.listeners: list[Callable[[TagValue], None]] = []  # called with every published value, in the scan
        self.alarm_listeners: list[Callable[[AlarmEvent], None]] = []  # called with every alarm event
        self.sparkplug = None  # the SparkplugNode while publishing to the broker
        self.northbound = None  # the NorthboundServer while serving

    async def start(self, scan: bool = True, serve: bool = False) -> None:
        """Open the history file and the connections; with scan, start scanning every group and the vision loop;
        with serve (and scan), first serve the line over OPC UA as the line file's [northbound] table says, and
        publish to the broker as its [mqtt] table says.

        If anything fails part-way, what was started is closed again before the error is raised.
        """
        try:
            if scan and serve and self.config.northbound is not None and self.config.northbound.enabled:
                await self._serve()
            self._start(scan, serve)
        except BaseException:
            await self.close()
            raise

    async def _serve(self) -> None:
        from .northbound.server import NorthboundServer  # asyncua's server only for the agent that serves
        self.northbound = NorthboundServer(self, self.config.northbound)
        self.listeners.append(self.northbound.offer)
        self.alarm_listeners.append(self.northbound.offer_alarm)
        await self.northbound.start()

    def _start(self, scan: bool, serve: bool) -> None:
        self.lock = LineLock.acquire(self.history_path, self.config.name)  # LineBusy: another agent owns it
        self.historian = Historian(self.history_path, batch_size=HISTORY_BATCH, write_behind=True,
                                   retention_days=self.config.historian.retention_days)
        self.write_log = WriteLog(self.history_path)
        for connection in self.config.connections:
            tags = [t for t in self.config.tags.values() if t.connection == connection.name]
            report = partial(self._comm, connection.name) if connection.comm_alarm else lambda ok, reason: None
            self.scanners[connection.name] = ConnectionScanner(connection, tags, self.config.groups,
                                                               self._driver(connection, connection.needs), self._publish,
                                                               connection.subscribe_ms if scan else None, report,
                                                               self._publish_all, self._publish_block)
        if scan:
            collector.tune()
            self._tuned = True
            for name, scanner in self.scanners.items():
                self._supervise(f"scan {name}", scanner.run, lambda exc, scanner=scanner: scanner.fail(INTERNAL_ERROR))
            self._supervise("edge housekeeping", self._housekeeping)
            if self.config.vision is not None:
                from .inspection.station import VisionStation  # OpenCV: only on a line with a camera

                vision = self.config.vision
                self.vision = VisionStation(vision, self._publish, self._driver(vision.conveyor, [WritesBlocks]))
                self._supervise("vision reject loop", self.vision.run)
        if scan and serve and self.config.mqtt is not None:
            from .sparkplug.node import LineAlarms, SparkplugNode
            alarms = LineAlarms(self.alarms.states, self.operate_as)
            self.sparkplug = SparkplugNode(self.config.tags, self.config.mqtt, self.write_as, self.config.users, alarms)
            self.listeners.append(self.sparkplug.offer)
            self.alarm_listeners.append(self.sparkplug.offer_alarm)
            self.sparkplug.start()

    def _driver(self, connection: Connection, needs: Sequence[type]) -> Driver:
        """A driver for the connection from the factory, checked to offer what the line needs of it."""
        driver = self.drivers(connection)
        if missing := missing_capabilities(driver, needs):
            raise LineConfigError(f"{self.config.source}: connection {connection.name!r}: its driver "
                                  f"{type(driver).__name__} does not offer {', '.join(missing)}")
        return driver

    def _supervise(self, name: str, run, on_failure=lambda exc: None) -> None:
        self._tasks.append(asyncio.create_task(supervised(name, run, on_failure), name=name))

    async def close(self) -> None:
        """Stop serving, publishing and every task, close the connections, flush and close the history: all of it, whatever fails."""
        try:
            if self.sparkplug is not None:
                self.listeners.remove(self.sparkplug.offer)
                self.alarm_listeners.remove(self.sparkplug.offer_alarm)
                await _step("closing the Sparkplug edge node", self.sparkplug.close())
                self.sparkplug = None
            if self.northbound is not None:
                self.listeners.remove(self.northbound.offer)
                self.alarm_listeners.remove(self.northbound.offer_alarm)
                await _step("closing the northbound server", self.northbound.close())
                self.northbound = None
            for task in self._tasks:
                await _step(f"stopping {task.get_name()}", stop(task))
            self._tasks.clear()
            for name, scanner in self.scanners.items():
                await _step(f"closing {name}", scanner.driver.close())
            self.scanners.clear()
            if self.vision is not None:
                await _step("closing the vision station", self.vision.close())
                self.vision = None
        finally:
            if self.historian is not None:
                try:
                    self.historian.flush()
                finally:
                    self.historian.close()
                    self.write_log.close()
                    self.historian = self.write_log = None
            if self.lock is not None:
                self.lock.release()
                self.lock = None
            if self._tuned:
                collector.restore()
                self._tuned = False

    async def __aenter__(self) -> EdgeAgent:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    # --- the API -----------------------------------------------------------------------

    async def read(self, names: Iterable[str]) -> list[TagValue]:
        """Fresh values of these tags, read from the devices now; a derived tag's latest value (`derived_value`)."""
        tags = [self.config.tag(n) for n in names]
        by_connection: dict[str, list[Tag]] = {}
        for tag in tags:
            if not tag.derived:
                by_connection.setdefault(tag.connection, []).append(tag)
        results = await asyncio.gather(*(self.scanners[c].read_now(ts) for c, ts in by_connection.items()))
        found = {v.tag: v for values in results for v in values}
        return [self.derived_value(t) if t.derived else found[t.name] for t in tags]

    def derived_value(self, tag: Tag) -> TagValue:
        """A derived tag's latest value: this agent's, else the last one in the history file (an agent
        running `edge run` records there), else BAD."""
        if tag.name in self.latest:
            return self.latest[tag.name]
        now = time.time()
        for window_s in (60, 3600, 86400, self.config.historian.retention_days * 86400):
            if stored := self.historian.history(tag.name, now - window_s):
                return stored[-1]
        return TagValue(tag.name, None, Quality.BAD, now, "no value yet: the edge agent computes it while it runs",
                        tag.unit)

    async def write(self, name: str, value: bool | float, user: str = "edge") -> None:
        """Check the value against the profile, write it, log it; raises WriteRejected or the driver's WriteFailed."""
        tag = self.config.tag(name)
        old = self.latest.get(name)
        try:
            value = checked_value(tag, value)
        except WriteRejected as exc:
            self._log_write(user, name, old, value, f"rejected: {exc}")
            raise
        try:
            await self.scanners[tag.connection].write(tag, value)
        except Exception as exc:
            self._log_write(user, name, old, value, f"failed: {exc}")
            raise
        self._log_write(user, name, old, value, "ok")

    async def write_as(self, user: User, name: str, value: bool | float) -> None:
        """`write` for a signed-in user: refused (and logged) unless their role allows it on that station and level."""
        tag = self.config.tag(name)
        try:
            authorize(user, "write", tag.connection, tag.point.level)
        except Forbidden as exc:
            self._log_write(user.name, name, self.latest.get(name), value, f"refused: {exc}")
            raise
        await self.write(name, value, user=user.name)

    async def call(self, name: str, args: Sequence[bool | int | float] = (), user: str = "edge") -> object:
        """Call a device method (``process.StartBatch``) with the profile's argument types; logged like a write.

        Raises CallRejected before anything reaches the device, or the driver's CallFailed.
        """
        connection, device, method = self.config.method(name)
        try:
            try:
                method.check(args, name)
            except ValueError as exc:
                raise CallRejected(str(exc)) from None
            result = await self.scanners[connection.name].driver.call(device, method.name, *args)
        except Exception as exc:
            self._log_write(user, name, None, list(args), f"{'rejected' if isinstance(exc, CallRejected) else 'failed'}: {exc}")
            raise
        self._log_write(user, name, None, list(args), "ok")
        return result

    async def call_as(self, user: User, name: str, args: Sequence[bool | int | float] = ()) -> object:
        """`call` for a signed-in user: refused (and logged) unless their role allows it on that station and level."""
        connection, _, method = self.config.method(name)
        try:
            authorize(user, "call", connection.name, method.level)
        except Forbidden as exc:
            self._log_write(user.name, name, None, list(args), f"refused: {exc}")
            raise
        return await self.call(name, args, user=user.name)

    async def watch(self, names: Iterable[str]) -> AsyncIterator[TagValue]:
        """Every change of these tags' value or quality (the latest known ones first) until the caller stops."""
        wanted = frozenset(self.config.tag(n).name for n in names)
        queue: asyncio.Queue[TagValue] = asyncio.Queue(WATCH_QUEUE)
        for name in sorted(wanted):
            if name in self.latest:
                queue.put_nowait(self.latest[name])
        entry = (wanted, queue)
        self._watchers.append(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            self._watchers.remove(entry)

    async def alarm_events(self) -> AsyncIterator[AlarmEvent]:
        """Every alarm event from now on (transitions, acks, shelves, comments) until the caller stops."""
        queue: asyncio.Queue[AlarmEvent] = asyncio.Queue(WATCH_QUEUE)
        self._alarm_listeners.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._alarm_listeners.remove(queue)

    def audit(self, user: str, target: str, new, result: str) -> None:
        """Log an operation on target (a tag, method, alarm, sim control) by user and its result (a refusal too)."""
        self._log_write(user, target, None, new, result)

    def operate(self, action: str, alarm_id: str, user: str, comment: str = "") -> None:
        """Acknowledge, shelve or unshelve an alarm; raises AlarmError for an unknown id or action."""
        now = time.time()
        if action == "ack":
            events = self.alarms.ack(alarm_id, user, comment, now)
        elif action == "shelve":
            events = self.alarms.shelve(alarm_id, user, now)
        elif action == "unshelve":
            events = self.alarms.unshelve(alarm_id, user, now, comment)
        else:
            raise AlarmError(f"unknown alarm action {action!r}: expected ack, shelve or unshelve")
        for event in events:
            self._alarm_event(event)

    def operate_as(self, user: User, action: str, alarm_id: str, comment: str = "") -> None:
        """`operate` for a signed-in user (OPC UA, Sparkplug): refused unless their role may handle alarms;
        written to the write log whatever the outcome, as the client API does."""
        target, request = f"alarm {alarm_id}", {"action": action, "comment": comment}
        try:
            authorize(user, "alarm")
        except Forbidden as exc:
            self.audit(user.name, target, request, f"refused: {exc}")
            raise
        try:
            self.operate(action, alarm_id, user.name, comment)
        except AlarmError as exc:
            self.audit(user.name, target, request, f"rejected: {exc}")
            raise
        self.audit(user.name, target, request, "ok")

    async def load_alarms(self, specs: Sequence[AlarmSpec]) -> list[str]:
        """Add alarms to the running line (`edge.config.read_alarms` reads them): the ids newly loaded.

        One the agent already runs with the same settings is left as it is; with other settings, AlarmsRefused (a
        running alarm is not changed: restart the agent with the edited line file). The northbound server and the
        Sparkplug node serve the new ones; each is evaluated at once on its tag's latest value."""
        running = {state.alarm_id: state.spec for state in self.alarms.states()}
        for spec in specs:
            if running.get(spec.id, spec) != spec:
                raise AlarmsRefused(
                    f"alarm {spec.id!r} already runs with other settings: restart the edge agent to change it",
                    f"알람 {spec.id!r}은(는) 이미 다른 설정으로 동작 중입니다: 바꾸려면 엣지 에이전트를 다시 시작하세요")
        new = [spec for spec in specs if spec.id not in running]
        self.alarms.load(new, self.config.tags)
        if self.sparkplug is not None and new:
            await self.sparkplug.alarms_changed()
        if self.northbound is not None:
            for spec in new:
                self.northbound.offer_loaded(self.alarms.state(spec.id))
        for tag in dict.fromkeys(spec.tag for spec in new):
            if tag in self.latest:  # the same value again: the alarms that watched it already are unchanged
                for event in self.alarms.update(self.latest[tag]):
                    self._alarm_event(event)
        return [spec.id for spec in new]

    # --- routing -----------------------------------------------------------------------

    def _publish(self, value: TagValue) -> None:
        tag = value.tag
        if self._watchers:
            self._notify_watchers(value, self.latest.get(tag))
        self.latest[tag] = value
        if self.historian is not None:
            self.historian.record(value, self._deadbands[tag])
        if tag in self.alarms.tags:
            for event in self.alarms.update(value):
                self._alarm_event(event)
        for listener in self.listeners:
            listener(value)

    def _publish_all(self, values: list[TagValue]) -> None:
        """`_publish` for one device's values of a scan: the history takes them in one call, then `_route_all`."""
        if self.historian is not None:
            self.historian.record_all(values, self._deadbands)
        self._route_all(values)

    def _publish_block(self, block: TagBlock) -> None:
        """`_publish_all` for a device's scan read whole and GOOD: the history records the block in one call
        (`Historian.record_block`, no TagValue). With no watcher and no listener, the latest values keep the
        block as it is and its alarm tags' values are evaluated as they are (no TagValue at all)."""
        layout = block.layout
        if self.historian is not None:
            self.historian.record_block(layout.tags, layout.units, block.values, block.timestamp, layout.deadbands)
        if self._watchers or self.listeners:
            self._route_all(block.tag_values())
            return
        self.latest.put_block(block)
        alarm_tags, now = self.alarms.tags, block.timestamp
        tags = layout.tags
        for tag, value in compress(zip(tags, block.values), map(alarm_tags.__contains__, tags)):
            for event in self.alarms.update_value(tag, value, Quality.GOOD, now):
                self._alarm_event(event)

    def _route_all(self, values: list[TagValue]) -> None:
        """One device's values of a scan to the watchers, the latest values, the alarms and the listeners: each
        consumer takes the block in one pass; a tag's alarm events and the listeners still come value by value.
        With no listener, only the values of tags with alarms are visited (picked out in C)."""
        latest = self.latest
        if self._watchers:
            for value in values:
                self._notify_watchers(value, latest.get(value.tag))
        latest.put_all(values)
        alarm_tags, listeners = self.alarms.tags, self.listeners
        if not listeners:
            values = compress(values, map(alarm_tags.__contains__, map(TAG, values)))
        for value in values:
            if value.tag in alarm_tags:
                for event in self.alarms.update(value):
                    self._alarm_event(event)
            for listener in listeners:
                listener(value)

    def _notify_watchers(self, value: TagValue, previous: TagValue | None) -> None:
        """Queue a change of value, quality or reason for each watcher of its tag."""
        if previous is not None and (previous.value, previous.quality, previous.reason) == (
                value.value, value.quality, value.reason):
            return
        for wanted, queue in self._watchers:
            if value.tag in wanted:
                if queue.full():
                    queue.get_nowait()  # a slow watcher loses the oldest value, never blocks the scan
                queue.put_nowait(value)

    def _comm(self, connection: str, ok: bool, reason: str) -> None:
        """A scanner says its connection stopped or started communicating: the comm.<connection> alarm."""
        for event in self.alarms.update(comm_status(connection, ok, reason)):
            self._alarm_event(event)

    def _alarm_event(self, event: AlarmEvent) -> None:
        if self.historian is not None:
            self.historian.record_alarm(event)
        for queue in self._alarm_listeners:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
        for listener in self.alarm_listeners:
            listener(event)

    def _log_write(self, user: str, tag: str, old: TagValue | None, new, result: str) -> None:
        if self.write_log is not None:
            self.write_log.record(WriteRecord(time.time(), user, tag, None if old is None else old.value, new, result))

    async def _housekeeping(self) -> None:
        """Flush history, run alarm timers and retention, on the configured period."""
        period = self.config.historian.flush_s
        last_purge = 0.0
        while True:
            await asyncio.sleep(period)
            now = time.time()
            for event in self.alarms.tick(now):
                self._alarm_event(event)
            self.historian.flush(wait=False)
            if now - last_purge > 3600:
                self.historian.purge(now)
                last_purge = now


async def _step(what: str, step) -> None:
    """One step of closing: an error is logged and closing goes on."""
    try:
        await step
    except Exception:
        log.exception("edge agent: %s failed", what)

