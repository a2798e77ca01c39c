"""The health of each connection of a line, from the agent's scanners and latest values (no I/O; served to clients).

Read-only use of `edge.scan.ConnectionScanner`: whether its driver is
connected, its scan groups' cycles, overruns and start jitter, and the share of
its readings that were not GOOD (timeouts, CRC errors, exceptions), and what
its driver counts: replies that did not answer their request (Modbus
protocol violations) and data changes a subscription lost (OPC UA). The last
error is the reason of the newest BAD value of the connection's tags; the age
is that of its newest GOOD value (a dead connection's BAD values keep coming).
"""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.quality import Quality


@dataclass(frozen=True)
class ConnectionHealth:
    name: str
    protocol: str
    connected: bool | None  # None: not scanned (the agent has no scanner for it)
    cycles: int
    overruns: int
    jitter_p99_ms: float
    bad_pct: float  # of the readings since the start, the share not GOOD
    violations: int  # replies that did not answer their request, since the start
    lost_changes: int  # data changes lost on the way from a subscription, since the start
    last_good: float | None  # the newest GOOD value's timestamp of its tags; None before the first
    error: str  # the newest BAD value's reason, "" when every tag is fine

    def age_s(self, now: float) -> float | None:
        """Seconds since the newest GOOD value (None before the first)."""
        return None if self.last_good is None else now - self.last_good


def connection_health(agent) -> tuple[ConnectionHealth, ...]:
    """One ConnectionHealth per connection of agent.config, in the configuration's order."""
    rows = []
    for connection in agent.config.connections:
        names = [n for n, tag in agent.config.tags.items() if tag.connection == connection.name]
        values = [v for v in (agent.latest.get(n) for n in names) if v is not None]
        good = [v.timestamp for v in values if v.quality is Quality.GOOD]
        bad = sorted((v for v in values if v.quality is not Quality.GOOD), key=lambda v: v.timestamp)
        scanner = agent.scanners.get(connection.name)
        stats = list(scanner.stats.values()) if scanner is not None else []
        rows.append(ConnectionHealth(
            name=connection.name,
            protocol=connection.profile.protocol,
            connected=scanner.driver.connected if scanner is not None else None,
            cycles=sum(s.cycles for s in stats),
            overruns=sum(s.overruns for s in stats),
            jitter_p99_ms=max((s.jitter_p99() for s in stats), default=0.0) * 1000,
            bad_pct=100 * scanner.bad_readings / scanner.readings if scanner is not None and scanner.readings else 0.0,
            violations=scanner.protocol_violations if scanner is not None else 0,
            lost_changes=scanner.lost_changes if scanner is not None else 0,
            last_good=max(good) if good else None,
            error=bad[-1].reason if bad else "",
        ))
    return tuple(rows)
