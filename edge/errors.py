"""Errors of the edge agent that a user can act on."""


class EdgeError(Exception):
    """Base of the edge agent's own errors."""


class WriteRejected(EdgeError):
    """A write refused before it reached the device: read-only tag, wrong type, out of range."""


class CallRejected(EdgeError):
    """A method call refused before it reached the device: wrong number or type of arguments."""
