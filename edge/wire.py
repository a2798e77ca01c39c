"""The client API's wire format: newline-delimited JSON, one message a line, both ways.

A request is ``{"id": 7, "op": "read", ...}``; its answer ``{"id": 7, "ok": true, "result": ...}``
or ``{"id": 7, "ok": false, "error": {"type": "forbidden", "en": ..., "ko": ...}}``. A stream
(``watch``, ``alarm_events``, ``lesson``) answers ``{"id": 7, "ok": true, "result": null}`` and then sends
``{"id": 7, "event": ...}`` until the client sends ``{"op": "cancel", "id": 7}`` or leaves.

Records travel as plain objects and are rebuilt here into the records clients see (`TagValue`,
`AlarmState`, `AlarmEvent`, `ConnectionHealth`, `Bucket`). An answer read back (`load`) gives its
result or raises its error as the edge's own exception class (`result`, `error_from`); both clients
(edge.client, async; edge.blocking, for one-shot commands) read answers through these. The alarm and health records are imported when first rebuilt:
a one-shot `read` loads only what a tag value needs.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from smarthall.devices.quality import Quality

from .errors import (
    AgentError,
    AgentUnavailable,
    AlarmsRefused,
    AuthenticationFailed,
    CallRejected,
    EdgeError,
    Forbidden,
    LessonNotOpen,
    WriteRejected,
)
from .tags import TagValue

if TYPE_CHECKING:
    from .alarms.events import AlarmEvent, AlarmState
    from .health import ConnectionHealth

MAX_LINE = 4 * 1024 * 1024  # a history answer of a day at 100 ms fits
ANSWER_TIMEOUT = 60.0  # s: far beyond any device's own timeouts (a read of a silent device is BAD in seconds)


def unanswered(where: str, op: str) -> AgentUnavailable:
    """A request the agent at `where` did not answer in ANSWER_TIMEOUT: said, never waited for for ever."""
    return AgentUnavailable(f"the edge agent at {where} did not answer {op!r} within {ANSWER_TIMEOUT:g} s")


def dump(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def load(line: bytes, where: str) -> dict:
    """One message the agent at `where` sent; AgentUnavailable naming it when the line is not a JSON object."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise AgentUnavailable(f"the edge agent at {where} sent a line that is not JSON ({exc})") from None
    if not isinstance(message, dict):
        raise AgentUnavailable(f"the edge agent at {where} sent a line that is not a JSON object: {line[:80]!r}")
    return message


def result(answer: dict):
    """An answer's result, or its error raised as the edge's exception."""
    if answer.get("ok"):
        return answer.get("result")
    raise error_from(answer.get("error", {}))


def tag_value(value: TagValue) -> dict:
    return dataclasses.asdict(value)


def to_tag_value(data: dict) -> TagValue:
    return TagValue(data["tag"], data["value"], Quality(data["quality"]), data["timestamp"], data["reason"],
                    data["unit"])


def alarm_state(state: AlarmState) -> dict:
    return {**dataclasses.asdict(state), "spec": dataclasses.asdict(state.spec)}


def to_alarm_state(data: dict) -> AlarmState:
    from .alarms.events import AlarmState
    from .alarms.machine import State
    from .alarms.spec import AlarmSpec

    return AlarmState(spec=AlarmSpec(**data["spec"]), state=State(data["state"]), condition=data["condition"],
                      since=data["since"], value=data["value"],
                      quality=None if data["quality"] is None else Quality(data["quality"]),
                      shelved_until=data["shelved_until"])


def alarm_event(event: AlarmEvent) -> dict:
    return dataclasses.asdict(event)


def to_alarm_event(data: dict) -> AlarmEvent:
    from .alarms.events import AlarmEvent
    from .alarms.machine import Event, State
    from .alarms.spec import AlarmKind, Priority

    return AlarmEvent(**{**data, "kind": AlarmKind(data["kind"]), "event": Event(data["event"]),
                         "state": State(data["state"]), "priority": Priority(data["priority"])})


def to_health(data: dict) -> ConnectionHealth:
    from .health import ConnectionHealth

    return ConnectionHealth(**data)


_ERRORS: dict[type[EdgeError], str] = {Forbidden: "forbidden", AuthenticationFailed: "authentication",
                                       WriteRejected: "write_rejected", CallRejected: "call_rejected",
                                       LessonNotOpen: "lesson_not_open", AlarmsRefused: "alarms_refused"}
_BILINGUAL = {"forbidden": Forbidden, "authentication": AuthenticationFailed, "lesson_not_open": LessonNotOpen,
              "alarms_refused": AlarmsRefused}


def error(exc: Exception) -> dict:
    """An exception as the client will raise it again."""
    kind = next((name for cls, name in _ERRORS.items() if isinstance(exc, cls)), "agent")
    if isinstance(exc, Forbidden | AuthenticationFailed | LessonNotOpen | AlarmsRefused):
        return {"type": kind, "en": exc.en, "ko": exc.ko}
    return {"type": kind, "en": str(exc)}


def error_from(data: dict) -> EdgeError:
    kind, en = str(data.get("type", "agent")), data.get("en", "")
    if kind in _BILINGUAL:
        return _BILINGUAL[kind](en, data.get("ko", en))
    cls = {"write_rejected": WriteRejected, "call_rejected": CallRejected}.get(kind, AgentError)
    return cls(en)
