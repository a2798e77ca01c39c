"""A limit alarm sent as OPC UA ExclusiveLevelAlarmType events on its edges.

The alarm has no condition instance in the address space: it is reported by
events from its source object (subscribe to events on that object). The
event going active has Severity 800, ActiveState/Id true and Retain true (so
ConditionRefresh repeats it); the one going back to normal has Severity 200
and both false. Nothing needs acknowledging.
"""

from __future__ import annotations

from asyncua import Node, Server, ua
from asyncua.server.event_generator import EventGenerator

from smarthall.devices.profiles import Event

ACTIVE_SEVERITY = 800
NORMAL_SEVERITY = 200


class LimitAlarm:
    """Edge detector for one high-limit alarm that emits an event per transition."""

    def __init__(self, spec: Event, generator: EventGenerator) -> None:
        self.spec = spec
        self._generator = generator
        self.active = False

    @classmethod
    async def create(cls, server: Server, spec: Event, source: Node) -> LimitAlarm:
        """The alarm of source (which becomes an event notifier), inactive."""
        generator = await server.get_event_generator(ua.ObjectIds.ExclusiveLevelAlarmType, source)
        event = generator.event
        event.ConditionName = spec.name
        event.NodeId = ua.NodeId(f"{source.nodeid.Identifier}.{spec.name}", source.nodeid.NamespaceIndex)
        event.HighLimit = float(spec.limit)
        setattr(event, "EnabledState/Id", True)
        setattr(event, "AckedState/Id", True)
        return cls(spec, generator)

    async def update(self, active: bool) -> None:
        """Emit an event if the condition changed."""
        if active == self.active:
            return
        self.active = active
        event = self._generator.event
        event.Severity = ACTIVE_SEVERITY if active else NORMAL_SEVERITY
        event.Retain = active
        event.ActiveState = ua.LocalizedText("Active" if active else "Inactive")
        setattr(event, "ActiveState/Id", active)
        state = "active" if active else "back to normal"
        await self._generator.trigger(message=f"{self.spec.name} {state}: {self.spec.text.en}")
