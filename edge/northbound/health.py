"""Each connection's health as OPC UA variables, under ``Line/Health/<connection>``.

The same figures the client API's `health` gives (edge.health.ConnectionHealth), as
variables a SCADA can trend and alarm on (NodeId ``s=health:<connection>.<Name>``):
Connected (Boolean; BadOutOfService when the agent does not scan the connection),
Cycles and Overruns (UInt64, of its scan groups), JitterP99 (Double, ms, the worst
group's start jitter p99), BadReadings (Double, % of its readings not GOOD),
Violations (UInt64, replies that did not answer their request), LostChanges
(UInt64, data changes a subscription lost), LastError (String, "" when every tag is fine) and LastGood (DateTime of its newest
GOOD value). Written once a second, only what changed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from asyncua import Node, Server, ua

from ..health import ConnectionHealth, connection_health
from .link import AgentLink

PERIOD_S = 1.0
_FIELDS = (  # variable, variant type, the row's figure
    ("Connected", ua.VariantType.Boolean, lambda row: row.connected),
    ("Cycles", ua.VariantType.UInt64, lambda row: row.cycles),
    ("Overruns", ua.VariantType.UInt64, lambda row: row.overruns),
    ("JitterP99", ua.VariantType.Double, lambda row: row.jitter_p99_ms),
    ("BadReadings", ua.VariantType.Double, lambda row: row.bad_pct),
    ("Violations", ua.VariantType.UInt64, lambda row: row.violations),
    ("LostChanges", ua.VariantType.UInt64, lambda row: row.lost_changes),
    ("LastError", ua.VariantType.String, lambda row: row.error),
    ("LastGood", ua.VariantType.DateTime,
     lambda row: None if row.last_good is None else datetime.fromtimestamp(row.last_good, UTC)),
)


def health_node_id(connection: str, field: str, idx: int) -> ua.NodeId:
    return ua.NodeId(f"health:{connection}.{field}", idx)


class HealthNodes:
    """The health variables of an agent's connections; `run` keeps them current."""

    def __init__(self, server: Server, link: AgentLink) -> None:
        self._server = server
        self._link = link
        self._idx = 0
        self._shown: dict[ua.NodeId, tuple] = {}

    async def build(self, line: Node, idx: int) -> None:
        self._idx = idx
        folder = await line.add_folder(ua.NodeId("Health", idx), ua.QualifiedName("Health", idx))
        for connection in self._link.config.connections:
            name = connection.name
            node = await folder.add_object(ua.NodeId(f"health:{name}", idx), ua.QualifiedName(name, idx))
            for field, vtype, _figure in _FIELDS:
                variable = await node.add_variable(health_node_id(name, field, idx), ua.QualifiedName(field, idx),
                                                   ua.Variant(ua.get_default_value(vtype), vtype), vtype,
                                                   ua.NodeId(vtype.value))
                await variable.write_value(ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)))

    async def update(self) -> None:
        """Write the figures that changed since the last update."""
        for row in await self._link.run(connection_health, self._link.agent):  # figures taken in the agent's thread
            for field, vtype, figure in _FIELDS:
                nodeid = health_node_id(row.name, field, self._idx)
                value = figure(row)
                shown = (value, row.connected is None)  # the figure and whether it is out of service
                if self._shown.get(nodeid) == shown:
                    continue
                self._shown[nodeid] = shown
                await self._server.write_attribute_value(nodeid, _data_value(row, value, vtype))

    async def run(self) -> None:
        """Update now (the agent has made its scanners by the time this task runs), then every PERIOD_S."""
        while True:
            await self.update()
            await asyncio.sleep(PERIOD_S)


def _data_value(row: ConnectionHealth, value: object, vtype: ua.VariantType) -> ua.DataValue:
    if row.connected is None:  # no scanner: nothing to tell
        return ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadOutOfService))
    if value is None:  # no GOOD value yet
        return ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData))
    return ua.DataValue(Value=ua.Variant(value, vtype), SourceTimestamp=datetime.now(UTC))
