"""Small helpers for building address spaces: described variables."""

from __future__ import annotations

from asyncua import Node, ua


async def describe(node: Node, text: str) -> None:
    """Set the node's Description attribute."""
    await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(ua.Variant(ua.LocalizedText(text))))


async def add_variable(parent: Node, nodeid: ua.NodeId, name: ua.QualifiedName, vtype: ua.VariantType,
                       description: str, writable: bool = False) -> Node:
    """A scalar variable of vtype holding its default value (0, "" ...) until published."""
    node = await parent.add_variable(nodeid, name, ua.Variant(ua.get_default_value(vtype), vtype),
                                     vtype, ua.NodeId(vtype.value))
    await describe(node, description)
    if writable:
        await node.set_writable()
    return node
