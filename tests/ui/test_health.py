"""connection_health: each connection's state and scan statistics, read from the agent (no I/O)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.console import Console

from smarthall.devices.quality import Quality
from smarthall.edge.health import connection_health
from smarthall.edge.tags import TagValue
from smarthall.lessons.console.health_table import HealthTable

from .frozen import BAD, NOW, T0, frozen_agent


def test_each_connection_in_order_with_its_scan_statistics():
    rows = {row.name: row for row in connection_health(frozen_agent())}
    assert list(rows) == ["feeder", "conveyor", "fieldbus", "process"]
    conveyor = rows["conveyor"]
    assert (conveyor.protocol, conveyor.connected, conveyor.cycles, conveyor.overruns) == ("modbus-tcp", True, 1200, 3)
    assert conveyor.jitter_p99_ms == 12.0 and conveyor.age_s(NOW) == 2.5 and conveyor.error == ""
    assert conveyor.bad_pct == 100 * 3 / (1200 * 29)  # 3 bad of 1200 scans of its 29 tags


def test_what_the_drivers_discarded_or_lost_is_counted_for_drivers_that_count_it():
    rows = connection_health(frozen_agent())
    assert [(row.name, row.violations, row.lost_changes) for row in rows] == [
        ("feeder", 0, 0), ("conveyor", 2, 0), ("fieldbus", 0, 0), ("process", 0, 5)]


@pytest.mark.parametrize(("lang", "lines"), [
    ("en", ["conveyor: 2 protocol violations", "process: 5 data changes lost",
            "fieldbus last error: timeout"]),
    ("ko", ["conveyor: 프로토콜 위반 2건", "process: 구독에서 잃은 데이터 변경 5개", "fieldbus 마지막 오류: 시간 초과"])])
def test_the_table_says_under_it_what_each_connection_discarded_lost_and_last_failed_with(lang, lines):
    table = HealthTable(SimpleNamespace(health=connection_health(frozen_agent())), clock=lambda: NOW)  # a LiveLine's
    table.lang = lang
    console = Console(width=200, record=True)
    console.print(table.render())
    shown = console.export_text()
    assert all(line in shown for line in lines), shown
    assert "feeder:" not in shown  # nothing to say about a connection with nothing discarded, lost or failed


def test_a_dead_connection_shows_its_last_error_and_no_age_of_good_values():
    fieldbus = connection_health(frozen_agent())[2]
    assert fieldbus.connected is False and fieldbus.age_s(NOW) is None and fieldbus.error == BAD["fieldbus"]
    assert fieldbus.bad_pct == 100.0


def test_the_last_error_is_the_newest_bad_reason_and_the_age_that_of_the_newest_good_value():
    agent = frozen_agent()
    agent.latest["feeder.feed"] = TagValue("feeder.feed", None, Quality.BAD, T0 + 1, "timeout")
    agent.latest["feeder.magazine_count"] = TagValue("feeder.magazine_count", None, Quality.BAD, T0 + 2, "refused")
    feeder = connection_health(agent)[0]
    assert feeder.error == "refused" and feeder.age_s(NOW) == NOW - T0


def test_a_connection_without_a_scanner_is_not_scanned():
    agent = frozen_agent()
    del agent.scanners["process"]
    process = connection_health(agent)[3]
    assert process.connected is None and process.cycles == 0 and process.jitter_p99_ms == 0.0 and process.bad_pct == 0
