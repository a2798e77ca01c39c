"""OPC UA driver built on asyncua: reads, writes, method calls and subscriptions."""

from .driver import OpcUaDriver

__all__ = ["OpcUaDriver"]
