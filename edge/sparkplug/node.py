"""The line as a Sparkplug B edge node: MQTT session, births, live data, commands, store-and-forward.

`SparkplugNode.offer` is the agent's listener: each changed value is queued
and a pump task sends it as DDATA while the node is live (connected, born, and
the primary host online when one is configured), or keeps it in the `Store`
otherwise. Once live again, stored changes go out flagged ``is_historical`` at
``drain_per_s``, between live messages, so live data never waits behind them.

Values published live in the last 1.5 keep-alives before a connection is lost
are stored again: a QoS 0 message written just before a broker dies is lost
without a word, so around a loss delivery is at-least-once (a historian that
keys on tag and timestamp sees a duplicate, never a gap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from itertools import groupby

import aiomqtt

from smarthall.devices.quality import Quality
from smarthall.stopping import stop

from ..alarms import AlarmEvent, AlarmState
from ..errors import EdgeError
from ..tags import TagValue
from ..users import User, Users
from . import payloads
from .alarm_metrics import AlarmMetric, acknowledgements, alarm_catalogue
from .metrics import CommandError, MetricSpec, catalogue, command_targets
from .payloads import NodeMetrics, Sequence256, Topics
from .settings import SOCKET_OPTIONS, CredentialsError, MqttSettings
from .sparkplug_b_pb2 import Payload
from .store import Store

_log = logging.getLogger(__name__)

BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0
DRAIN_STEP_S = 0.1


ACK_COMMENT = "Sparkplug NCMD (control centre)"


@dataclass(frozen=True)
class LineAlarms:
    """What the node needs of the agent's alarms: their states now (with their specs), acknowledging as a user."""

    states: Callable[[], Iterable[AlarmState]]
    operate_as: Callable[[User, str, str, str], None]


class _HostOffline(Exception):
    """The primary host said it is offline: send NDEATH, disconnect, wait for it again."""


class SparkplugNode:
    """Publishes the line through an MQTT broker as one Sparkplug edge node with a device per station.

    DCMD writes go through ``write_as(user, tag, value)``, the agent's checked and logged write
    path, and NCMD alarm acknowledgements through ``alarms.operate_as``, both as
    ``settings.command_user`` of the line's users file with that user's role. MQTT does not tell a
    subscriber who published, so that account is the identity the broker lets command this edge
    node (the shipped ACL: only the centre's user); without one, commands are refused.
    The alarms (`alarm_metrics`) are node metrics: states in NBIRTH, each change in NDATA.
    """

    def __init__(self, tags, settings: MqttSettings, write_as: Callable[[User, str, object], Awaitable],
                 users: Users | None, alarms: LineAlarms | None = None) -> None:
        self.settings = settings
        self.specs: dict[str, MetricSpec] = catalogue(tags)
        self.devices = sorted({s.device for s in self.specs.values()})
        self.node_metrics = NodeMetrics.after(self.specs)
        self.alarms = alarms
        self.alarm_metrics = self._alarm_catalogue()
        self._alarm_changes: deque[tuple[str, str, float]] = deque()
        self.topics = Topics(settings.group_id, settings.edge_node_id)
        self.store = Store(settings.store.path, settings.store.max_bytes, settings.store.max_age_s)
        self.latest: dict[str, TagValue] = {}
        self.connected = False
        self.live = False
        self.sessions = 0
        self.last_error = ""
        self._write_as = write_as
        self.commander = None if users is None or settings.command_user is None else users.user(settings.command_user)
        self._pending: deque[tuple[TagValue, bool]] = deque()
        self._wake = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._seq = Sequence256()
        self._bd_seq = 0
        self._host_timestamp = -1
        self._recent: deque[tuple[float, TagValue]] = deque()
        self._published_store = (-1, -1)
        self._tasks: list[asyncio.Task] = []
        self._sending = asyncio.Lock()  # a birth, a batch of live data, a drain step: each goes out whole

    # --- the agent's side --------------------------------------------------------------

    def offer(self, value: TagValue) -> None:
        """A value the agent published: queued when its value or quality changed."""
        previous = self.latest.get(value.tag)
        if previous is not None and (previous.value, previous.quality) == (value.value, value.quality):
            return
        self.latest[value.tag] = value
        self._pending.append((value, previous is not None and previous.quality is not Quality.GOOD))
        self._wake.set()

    def offer_alarm(self, event: AlarmEvent) -> None:
        """An alarm event of the agent: its new state queued for NDATA (a comment changes no state)."""
        if event.alarm_id in self.alarm_metrics:
            self._alarm_changes.append((event.alarm_id, str(event.state), event.timestamp))
            self._wake.set()

    async def alarms_changed(self) -> None:
        """The agent loaded alarms while running: they become metrics, announced by a new NBIRTH when live (Sparkplug
        adds metrics only in a birth)."""
        async with self._sending:  # no NDATA with the new aliases before the birth that names them
            self.alarm_metrics = self._alarm_catalogue()
            client = self._client
            if self.live and client is not None:
                with contextlib.suppress(aiomqtt.MqttError):  # the session ends; its next birth has them
                    await self._send_births(client)

    def _alarm_catalogue(self) -> dict[str, AlarmMetric]:
        specs = [state.spec for state in self.alarms.states()] if self.alarms else ()
        return alarm_catalogue(specs, self.node_metrics.next_alias)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._pump(), name="sparkplug pump"),
                       asyncio.create_task(self._sessions(), name="sparkplug sessions")]

    async def close(self) -> None:
        """Send NDEATH and disconnect (if connected), keep what was not sent, close the store."""
        client, self.live = self._client, False  # what was sent before an acknowledged NDEATH arrived
        if client is not None and self.connected:
            try:
                await client.publish(self.topics.node_topic("NDEATH"), payloads.death(self._bd_seq, _ms()), qos=1,
                                     timeout=2)
            except aiomqtt.MqttError:
                pass
        await asyncio.gather(*map(stop, self._tasks), return_exceptions=True)  # aiomqtt may swallow one cancel
        self._tasks.clear()
        self._keep([v for v, _ in self._pending])
        self._pending.clear()
        self.store.close()

    # --- sessions ----------------------------------------------------------------------

    async def _sessions(self) -> None:
        """Connect, run a session, and again after a loss, with a jittered backoff; never gives up, never spins."""
        backoff = BACKOFF_MIN_S
        while True:
            try:
                await self._session()
            except _HostOffline:
                backoff = BACKOFF_MIN_S
                continue
            except (aiomqtt.MqttError, OSError, CredentialsError, ssl.SSLError) as exc:
                self._failed(str(exc))
            except Exception as exc:
                _log.exception("Sparkplug session")
                self._failed(f"internal error: {exc!r}")
            finally:
                self._went_offline()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    async def _session(self) -> None:
        settings = self.settings
        self._bd_seq = self.store.next_bd_seq()
        will = aiomqtt.Will(self.topics.node_topic("NDEATH"), payloads.death(self._bd_seq, _ms()), qos=1, retain=False)
        tls = aiomqtt.TLSParameters(ca_certs=None if settings.ca_file is None else str(settings.ca_file)) \
            if settings.tls else None
        client = aiomqtt.Client(settings.host, settings.port, username=settings.username, password=settings.password(),
                                identifier=f"{settings.group_id}/{settings.edge_node_id}", will=will,
                                clean_session=True, keepalive=settings.keepalive_s, tls_params=tls, timeout=5,
                                socket_options=SOCKET_OPTIONS)
        async with client:
            self._client, self.connected = client, True
            self.sessions += 1
            self.last_error = ""
            await client.subscribe(self.topics.node_topic("NCMD"), qos=1)
            await client.subscribe(self.topics.node_topic("DCMD") + "/+", qos=1)
            if settings.primary_host is None:
                await self._birth(client)
            else:
                await client.subscribe(Topics.state(settings.primary_host), qos=1)
            tasks = {asyncio.create_task(self._read(client), name="sparkplug commands"),
                     asyncio.create_task(self._drain(client), name="sparkplug drain")}
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                task.result()  # the session ends with the first task's error (usually the lost connection)

    def _failed(self, error: str) -> None:
        if error != self.last_error:
            _log.warning("MQTT %s:%s: %s", self.settings.host, self.settings.port, error)
        self.last_error = error

    def _went_offline(self) -> None:
        """After a session: nothing live any more; values that may not have arrived are kept again."""
        if self.live:
            horizon = time.monotonic() - 1.5 * self.settings.keepalive_s
            self._keep([v for t, v in self._recent if t >= horizon])
        self._recent.clear()
        self.live = self.connected = False
        self._client = None

    async def _birth(self, client: aiomqtt.Client) -> None:
        """NBIRTH and a DBIRTH per station with every metric's latest value; then live."""
        async with self._sending:
            await self._send_births(client)
        self.live = True

    async def _send_births(self, client: aiomqtt.Client) -> None:
        self._keep([v for v, _ in self._pending])  # queued before this birth: history now
        self._pending.clear()
        self._alarm_changes.clear()  # the birth carries every alarm's state as it is now
        now = _ms()
        states = {s.alarm_id: s for s in self.alarms.states()} if self.alarms else {}
        await client.publish(self.topics.node_topic("NBIRTH"), payloads.node_birth(
            self._bd_seq, self._seq.restart(), now, self.node_metrics, self.store.pending, self.store.dropped,
            self.alarm_metrics, states))
        self._published_store = (self.store.pending, self.store.dropped)
        for device in self.devices:
            specs = [s for s in self.specs.values() if s.device == device]
            values = {s.tag: self.latest.get(s.tag) or TagValue(s.tag, None, Quality.BAD, now / 1000, "no value yet",
                                                                s.unit) for s in specs}
            await client.publish(self.topics.device_topic("DBIRTH", device),
                                 payloads.device_birth(self._seq.next(), now, specs, values))

    # --- incoming ----------------------------------------------------------------------

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            await self._on_message(client, message)
        raise aiomqtt.MqttError("disconnected")

    async def _on_message(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        topic = str(message.topic)
        if self.settings.primary_host is not None and topic == Topics.state(self.settings.primary_host):
            await self._on_state(client, bytes(message.payload))
            return
        parsed = self.topics.parse(topic)
        if parsed is None:
            return
        try:
            payload = Payload.FromString(bytes(message.payload))
        except Exception:
            _log.warning("%s: not a Sparkplug payload; ignored", topic)
            return
        verb, device = parsed
        if verb == "NCMD":
            self._acknowledge(payload)
        if verb == "NCMD" and any(self.node_metrics.is_rebirth(m) for m in payload.metrics) and self.live:
            await self._birth(client)
        elif verb == "DCMD" and device is not None:
            await self._command(device, payload)

    async def _on_state(self, client: aiomqtt.Client, data: bytes) -> None:
        try:
            online, timestamp = payloads.parse_state(data)
        except ValueError as exc:
            _log.warning("primary host %s: %s; ignored", self.settings.primary_host, exc)
            return
        if timestamp < self._host_timestamp:
            return  # an older STATE than one already seen (Sparkplug 3.0: compare timestamps)
        self._host_timestamp = timestamp
        if online and not self.live:
            await self._birth(client)
        elif not online and self.live:
            await client.publish(self.topics.node_topic("NDEATH"), payloads.death(self._bd_seq, _ms()), qos=1)
            raise _HostOffline

    async def _command(self, device: str, payload: Payload) -> None:
        """DCMD: each metric written through the agent's checked write path as the command user."""
        try:
            targets = command_targets(payload, device, self.specs)
        except CommandError as exc:
            _log.warning("%s", exc)
            return
        if self.commander is None:
            _log.warning("DCMD %s refused: [mqtt] command_user names no user of the line's users file", device)
            return
        for spec, value in targets:
            try:
                await self._write_as(self.commander, spec.tag, value)
            except Exception as exc:  # refused or failed: the agent's write log has it
                _log.warning("DCMD %s = %r as %s: %s", spec.tag, value, self.commander.name, exc)

    def _acknowledge(self, payload: Payload) -> None:
        """NCMD ``Alarms/<id>/Ack``: each alarm acknowledged through the agent as the command user."""
        try:
            alarm_ids = acknowledgements(payload, self.alarm_metrics)
        except CommandError as exc:
            _log.warning("%s", exc)
            return
        if not alarm_ids or self.alarms is None:
            return
        if self.commander is None:
            _log.warning("NCMD acknowledge refused: [mqtt] command_user names no user of the line's users file")
            return
        for alarm_id in alarm_ids:
            try:
                self.alarms.operate_as(self.commander, "ack", alarm_id, ACK_COMMENT)
            except EdgeError as exc:  # refused or unknown: the agent's write log has it
                _log.warning("NCMD acknowledge %s as %s: %s", alarm_id, self.commander.name, exc)

    # --- outgoing ----------------------------------------------------------------------

    async def _pump(self) -> None:
        """Live changes out as DDATA while live; into the store otherwise."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch = list(self._pending)
            self._pending.clear()
            try:
                await self._send_or_keep(batch)
            except Exception:
                _log.exception("Sparkplug: %d changes neither sent nor kept", len(batch))
            await self._send_alarm_changes()

    async def _send_alarm_changes(self) -> None:
        """The alarm state changes as one NDATA while live; otherwise the next birth carries the states."""
        if not self._alarm_changes:
            return
        async with self._sending:
            changes = list(self._alarm_changes)
            self._alarm_changes.clear()
            client = self._client
            if not self.live or client is None:
                return
            with contextlib.suppress(aiomqtt.MqttError):  # the session ends; its next birth has the states
                await client.publish(self.topics.node_topic("NDATA"), payloads.alarm_data(
                    self._seq.next(), _ms(), self.alarm_metrics, changes))

    async def _send_or_keep(self, batch: list[tuple[TagValue, bool]]) -> None:
        if not batch:
            return
        try:
            async with self._sending:
                client = self._client
                if not self.live or client is None:
                    self._keep([v for v, _ in batch])
                    return
                await self._publish_changes(client, batch, historical=False)
        except aiomqtt.MqttError:
            self._keep([v for v, _ in batch])
            return
        now = time.monotonic()
        self._recent.extend((now, v) for v, _ in batch)
        horizon = now - 1.5 * self.settings.keepalive_s
        while self._recent and self._recent[0][0] < horizon:
            self._recent.popleft()

    async def _publish_changes(self, client: aiomqtt.Client, changes: list[tuple[TagValue, bool]],
                               historical: bool) -> None:
        """One DDATA per device, each tag's changes in order (every metric carries its own timestamp).

        All are handed to the client before any is awaited: they leave in one turn of the event loop, in `seq`
        order, where awaiting each before the next took a turn per device (the client waits for each write)."""
        now = _ms()
        by_device = sorted(changes, key=lambda c: self.specs[c[0].tag].device)  # stable: order kept within a device
        sends = []
        for device, run in groupby(by_device, key=lambda c: self.specs[c[0].tag].device):
            items = [(self.specs[v.tag], v, with_quality) for v, with_quality in run]
            sends.append(client.publish(self.topics.device_topic("DDATA", device),
                                        payloads.device_data(self._seq.next(), now, items, historical)))
        for outcome in await asyncio.gather(*sends, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Send the stored changes, oldest first, at most drain_per_s, while live; publish the store's counters."""
        per_step = max(1, round(self.settings.store.drain_per_s * DRAIN_STEP_S))
        while True:
            await asyncio.sleep(DRAIN_STEP_S)
            if not self.live:
                continue
            async with self._sending:
                rows = self.store.oldest(per_step) if self.store.pending else []  # no query while nothing waits
                if rows:
                    await self._publish_changes(client, [(v, False) for _, v in rows], historical=True)
                    self.store.remove_through(rows[-1][0])
                counters = (self.store.pending, self.store.dropped)
                if counters != self._published_store:
                    await client.publish(self.topics.node_topic("NDATA"), payloads.node_data(
                        self._seq.next(), _ms(), self.node_metrics, *counters))
                    self._published_store = counters

    def _keep(self, values: list[TagValue]) -> None:
        if not values:
            return
        dropped = self.store.add(values)
        if dropped:
            _log.warning("store-and-forward %s: %d oldest changes dropped (bounds %.0f MB, %.0f h; %d in all)",
                         self.settings.store.path, dropped, self.settings.store.max_bytes / 1e6,
                         self.settings.store.max_age_s / 3600, self.store.dropped)


def _ms() -> int:
    return int(time.time() * 1000)
