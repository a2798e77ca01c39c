"""The communication-loss alarm every connection has by default (a SCADA's comm-fail alarm).

Its alarm id and the status it watches are both ``comm.<connection>``: a bool, GOOD always, that
is false while the connection brings no GOOD value. The scanner decides (edge.scan); the agent
feeds the status to the alarms. A line file turns it off with ``comm_alarm = false`` on the
connection.
"""

from __future__ import annotations

import time

from smarthall.devices.quality import Quality

from ..tags import TagValue
from .spec import AlarmKind, AlarmSpec, Priority

PREFIX = "comm."


def comm_alarm(connection: str) -> AlarmSpec:
    """The communication-loss alarm of a connection: active while `comm.<connection>` is false."""
    return AlarmSpec(id=PREFIX + connection, tag=PREFIX + connection, kind=AlarmKind.DISCRETE, value=False,
                     priority=Priority.HIGH, text_ko=f"{connection} 통신 두절", text_en=f"{connection}: communication lost")


def comm_status(connection: str, ok: bool, reason: str = "", now: float | None = None) -> TagValue:
    """The status value the alarm watches: whether the connection communicates, and why not."""
    return TagValue(PREFIX + connection, ok, Quality.GOOD, time.time() if now is None else now, reason)
