"""The agent's alarms as OPC UA Alarms & Conditions (Part 9).

Each alarm of the line is a condition object under ``Line/Alarms`` (NodeId
``s=alarm:<alarm id>``): an OffNormalAlarmType for a discrete alarm, an
ExclusiveLevelAlarmType for a limit (its HighHigh/High/Low/LowLow limit set).
Every transition the agent's alarm manager reports goes out as that
condition's event from the Server object (where UaExpert and node-opcua
clients subscribe to events), SourceNode the tag's variable: ActiveState,
AckedState, EnabledState (false out of service), SuppressedOrShelved,
Retain (while the operator should see it; ConditionRefresh repeats those),
Severity from the priority, Message in English and Korean, the user and
comment. Acknowledge (on the condition or on AcknowledgeableConditionType)
goes through the agent's alarm path (on the agent's loop) for the calling session's user: refused
with BadUserAccessDenied unless their role may handle alarms, audited either
way; BadEventIdUnknown for an event id that is not the condition's latest,
BadConditionBranchAlreadyAcked when there is nothing to acknowledge.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from asyncua import Node, Server, ua
from asyncua.server.event_generator import EventGenerator

from ..alarms import AlarmEvent, AlarmKind, AlarmSpec, AlarmState, State
from ..errors import Forbidden
from ._asyncua import caller
from .batches import Batches
from .identity import person
from .link import AgentLink

log = logging.getLogger(__name__)

_LIMITS = {AlarmKind.HIHI: "HighHighLimit", AlarmKind.HI: "HighLimit", AlarmKind.LO: "LowLimit",
           AlarmKind.LOLO: "LowLowLimit"}
_ACKNOWLEDGE = ua.NodeId(ua.ObjectIds.AcknowledgeableConditionType_Acknowledge)


class Conditions:
    """One condition per alarm of the agent; `offer` its events (cheap), `run` sends them."""

    def __init__(self, server: Server, link: AgentLink) -> None:
        self._server = server
        self._link = link
        self._events: dict[str, EventGenerator] = {}
        self._by_node: dict[ua.NodeId, str] = {}
        self._pending: Batches[tuple[AlarmEvent | None, AlarmState]] = Batches()  # None: an alarm loaded, no event
        self._folder: Node | None = None  # Line/Alarms, and what a condition is built with: `build` sets them
        self._idx = 0
        self._line = ua.NodeId()
        self._sources: dict[str, ua.NodeId] = {}

    async def build(self, line: Node, idx: int, sources: dict[str, ua.NodeId]) -> None:
        """A condition object and an event generator per alarm; the Acknowledge methods call back here."""
        self._folder = await line.add_folder(ua.NodeId("Alarms", idx), ua.QualifiedName("Alarms", idx))
        self._idx, self._line, self._sources = idx, line.nodeid, sources
        self._server.link_method(self._server.get_node(_ACKNOWLEDGE), self._acknowledge)
        for state in await self._link.run(self._link.agent.alarms.states):
            await self._condition(state)

    async def _condition(self, state: AlarmState) -> None:
        spec, idx, folder = state.spec, self._idx, self._folder
        assert folder is not None  # built
        source = self._sources.get(spec.tag, self._line)
        etype = ua.ObjectIds.OffNormalAlarmType if spec.kind is AlarmKind.DISCRETE else ua.ObjectIds.ExclusiveLevelAlarmType
        node = await folder.add_object(ua.NodeId(f"alarm:{spec.id}", idx), ua.QualifiedName(spec.id, idx), etype)
        acknowledge = await node.get_child("0:Acknowledge")
        self._server.link_method(acknowledge, self._acknowledge)
        generator = EventGenerator(self._server.iserver.isession)
        await generator.init(etype, ua.ObjectIds.Server, add_generates_event=False)
        event = generator.event
        event.NodeId = node.nodeid
        event.ConditionName = spec.id
        event.SourceNode = source
        event.SourceName = spec.tag
        event.Severity = spec.severity
        if spec.kind in _LIMITS:
            setattr(event, _LIMITS[spec.kind], float(spec.limit))
        self._describe(event, spec, state.state, state.condition)
        self._events[spec.id] = generator
        self._by_node[node.nodeid] = spec.id

    def offer(self, event: AlarmEvent | None, state: AlarmState) -> None:
        """An alarm event from the agent and the alarm's state then (its listener, in the scan: cheap); no event: an
        alarm the agent loaded while running, served from now on."""
        self._pending.put((event, state))

    async def run(self) -> None:
        """Send the offered events as condition events until cancelled; an alarm not served yet gets its condition
        first (in order with its events: none is sent before its condition is there)."""
        while True:
            for alarm, state in await self._pending.next():
                if state.alarm_id not in self._events:
                    await self._condition(state)
                if alarm is None:
                    continue
                generator = self._events[alarm.alarm_id]
                self._describe(generator.event, state.spec, alarm.state, state.condition, alarm)
                await generator.trigger(datetime.fromtimestamp(alarm.timestamp, UTC))

    @staticmethod
    def _describe(event, spec: AlarmSpec, state: State, active: bool, alarm: AlarmEvent | None = None) -> None:
        """The event's fields for the alarm in this state."""
        acked = state not in (State.UNACK, State.RTN_UNACK)
        enabled = state is not State.OUT_OF_SERVICE
        for name, flag, true, false in (("ActiveState", active, "Active", "Inactive"),
                                        ("AckedState", acked, "Acknowledged", "Unacknowledged"),
                                        ("EnabledState", enabled, "Enabled", "Disabled")):
            setattr(event, name, ua.LocalizedText(true if flag else false))
            setattr(event, f"{name}/Id", flag)
        event.Retain = state.annunciated
        event.SuppressedOrShelved = state is State.SHELVED
        what = f"{spec.text_en} / {spec.text_ko}"
        event.Message = ua.LocalizedText(what if alarm is None else f"{what}: {alarm.state.value}")
        if alarm is not None:
            event.ClientUserId = alarm.user
            event.Comment = ua.LocalizedText(alarm.comment)

    async def _acknowledge(self, condition: ua.NodeId, event_id: ua.Variant, comment: ua.Variant) -> ua.StatusCode:
        alarm_id = self._by_node.get(condition)
        if alarm_id is None:
            return ua.StatusCode(ua.StatusCodes.BadNodeIdUnknown)
        latest = self._events[alarm_id].event.EventId
        if latest is None or event_id.Value != latest.Value:
            return ua.StatusCode(ua.StatusCodes.BadEventIdUnknown)
        text = comment.Value.Text if isinstance(comment.Value, ua.LocalizedText) else ""
        try:
            code = await self._link.run(self._acknowledged, person(caller()), alarm_id, text or "")
        except Forbidden as exc:
            log.info("OPC UA acknowledge of %s refused: %s", alarm_id, exc)
            code = ua.StatusCodes.BadUserAccessDenied
        return ua.StatusCode(code)

    def _acknowledged(self, user, alarm_id: str, comment: str) -> int:
        """Acknowledge for user if there is something to acknowledge (in the agent's thread): the status code."""
        agent = self._link.agent
        if agent.alarms.state(alarm_id).state not in (State.UNACK, State.RTN_UNACK):
            return ua.StatusCodes.BadConditionBranchAlreadyAcked
        agent.operate_as(user, "ack", alarm_id, comment)
        return ua.StatusCodes.Good
