"""Tag values into the address space, off the scan's path and batched.

The agent calls `offer` for every value it publishes, in the scan's own task (the
agent's thread): offer only keeps a changed value (value, quality or reason) in a
list and wakes the publisher's task in the server's thread. That task writes what
piled up, in order, through
asyncua's server-side fast path (`Server.write_attribute_value`, which also
feeds the subscriptions' monitored items); none of those writes waits on I/O,
so a batch (a scan's worth) goes out in one go. Nothing is coalesced: every
change a scan saw reaches the subscribers (their queues decide the rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from asyncua import Server, ua

from smarthall.devices.quality import Quality

from ..tags import TagValue
from .batches import Batches
from .space import TagNode
from .status import status_code


def data_value(node: TagNode, value: TagValue) -> ua.DataValue:
    """The DataValue of a tag value: value (none when BAD), status code from quality and reason, source time."""
    status = ua.StatusCode(status_code(value.quality, value.reason))
    source = datetime.fromtimestamp(value.timestamp, UTC)
    if value.quality is Quality.BAD or value.value is None:
        return ua.DataValue(StatusCode=status, SourceTimestamp=source, ServerTimestamp=datetime.now(UTC))
    raw = value.value
    if node.vtype in (ua.VariantType.Double, ua.VariantType.Float):
        raw = float(raw)
    elif node.vtype not in (ua.VariantType.Boolean, ua.VariantType.String):
        raw = int(raw)
    return ua.DataValue(Value=ua.Variant(raw, node.vtype), StatusCode=status, SourceTimestamp=source,
                        ServerTimestamp=datetime.now(UTC))


class Publisher:
    """Keeps the tag variables of a server up to date with the agent's values."""

    def __init__(self, server: Server, nodes: Mapping[str, TagNode]) -> None:
        self._server = server
        self._nodes = nodes
        self._shown: dict[str, tuple] = {}
        self._pending: Batches[TagValue] = Batches()
        self.published = 0  # values written into the address space since the start

    def offer(self, value: TagValue) -> None:
        """Queue a value if it differs from what the tag's variable shows (called from the scan: cheap)."""
        key = (value.value, value.quality, value.reason)
        if value.tag not in self._nodes or self._shown.get(value.tag) == key:
            return
        self._shown[value.tag] = key
        self._pending.put(value)

    async def run(self) -> None:
        """Write the queued values until cancelled."""
        while True:
            await self.publish_next()

    async def publish_next(self) -> None:
        """Write the next batch of queued values (waiting for one)."""
        batch = await self._pending.next()
        for value in batch:
            node = self._nodes[value.tag]
            await self._server.write_attribute_value(node.nodeid, data_value(node, value))
        self.published += len(batch)
