"""The edge: one agent owns a line (connections, RS-485 port, history); everything else is its client.

The public surface, for the console, the CLI (smarthall/) and anything outside edge/:

- `EdgeAgent` (edge.agent) and `Service` (edge.service): the owner and its client API; `LessonHost`,
  what a lesson runner offers the service;
- `Client`, `connect_line` (edge.client): the one client of that API;
- the records clients see: `TagValue`, `AlarmState`, `AlarmEvent`, `ConnectionHealth`;
- `Users`, `User`, `Role`, `Level`, `authorize` (edge.users);
- `EdgeError` and its tree (edge.errors).

Names are imported when first used, so `import smarthall.edge.client` stays light.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "EdgeAgent": "agent", "Service": "service", "LessonHost": "service", "LessonNotOpen": "errors", "Client": "client", "connect_line": "client",
    "TagValue": "tags", "AlarmState": "alarms", "AlarmEvent": "alarms", "ConnectionHealth": "health",
    "Users": "users", "User": "users", "Role": "users", "Level": "users", "authorize": "users",
    "EdgeError": "errors", "Forbidden": "errors", "AuthenticationFailed": "errors", "WriteRejected": "errors",
    "CallRejected": "errors", "AgentError": "errors", "AgentUnavailable": "errors", "LineBusy": "errors",
    "LineConfigError": "errors", "UsersFileError": "errors",
}
__all__ = [
    "AgentError",
    "AgentUnavailable",
    "AlarmEvent",
    "AlarmState",
    "AuthenticationFailed",
    "CallRejected",
    "Client",
    "ConnectionHealth",
    "EdgeAgent",
    "EdgeError",
    "Forbidden",
    "LessonHost",
    "LessonNotOpen",
    "Level",
    "LineBusy",
    "LineConfigError",
    "Role",
    "Service",
    "TagValue",
    "User",
    "Users",
    "UsersFileError",
    "WriteRejected",
    "authorize",
    "connect_line",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
