"""The `export` check: a history CSV in the workspace holds real rows of the historian (issue 12, "rows exported")."""

from __future__ import annotations

import time

from smarthall.devices.quality import Quality
from smarthall.edge.config import load_line
from smarthall.edge.historian.store import Historian
from smarthall.edge.tags import TagValue
from smarthall.lessons.checks import Loaded, Queried, Verdict, judge
from smarthall.lessons.checks.types.export import ExportCheck, read_rows
from tests.unit.test_lesson_format import GOOD, problems_of

TAG = "conveyor.speed_actual"
CHECK = ExportCheck("export.csv", TAG, rows=3, window_s=600)


def exported(tmp_path, now: float) -> tuple[list[TagValue], str]:
    """Rows stored by a real historian over the last minute, and the CSV it exports of them."""
    with Historian(tmp_path / "h.db") as historian:
        for i in range(5):
            historian.record(TagValue(TAG, 0.1 + 0.2 * i, Quality.GOOD, now - 50 + 10 * i + 0.1234567))
        historian.record(TagValue("conveyor.motor_run", True, Quality.GOOD, now - 30))
        stored = historian.history(TAG, now - 600, now)
        path = tmp_path / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            historian.export_csv([TAG, "conveyor.motor_run"], now - 600, None, out)
    return stored, path.read_text(encoding="utf-8")


def verdict(tmp_path, text: str, stored, now: float):
    (tmp_path / "mine.csv").write_text(text, encoding="utf-8")
    rows = read_rows(tmp_path / "mine.csv", "export.csv")
    return judge(CHECK, now - 100, [Loaded(rows, now - 1), Queried(tuple(stored), now)], now)


def test_an_export_of_the_historian_passes_and_a_hand_edited_or_stale_one_fails(tmp_path):
    now = time.time()
    stored, text = exported(tmp_path, now)
    status = verdict(tmp_path, text, stored, now)
    assert status.verdict is Verdict.PASSED, status.detail.en
    assert "5 rows of conveyor.speed_actual" in status.detail.en and "행 5개" in status.detail.ko

    lines = text.splitlines()
    edited = "\n".join([*lines[:2], lines[2].replace(",0.30000000000000004,", ",0.3,"), *lines[3:]])
    assert edited != text
    status = verdict(tmp_path, edited, stored, now)
    assert status.verdict is not Verdict.PASSED and "not a row the historian stored" in status.detail.en

    status = verdict(tmp_path, text, stored, now + 575)  # an old export: most of its rows have left the window
    assert status.verdict is not Verdict.PASSED and "2 rows" in status.detail.en, status.detail.en


def test_a_file_that_is_not_the_history_csv_is_one_line_in_korean_and_english(tmp_path):
    path = tmp_path / "export.csv"
    assert read_rows(path, "export.csv").en == "export.csv does not exist yet"
    path.write_text("time,tag,value\n", encoding="utf-8")
    said = read_rows(path, "export.csv")
    assert said.en.startswith("export.csv line 1: the header is 'time,tag,value'") and "머리줄" in said.ko
    path.write_text("timestamp,tag,value,quality,reason\nyesterday,conveyor.speed_actual,1,good,\n", encoding="utf-8")
    said = read_rows(path, "export.csv")
    assert said.en == "export.csv line 2: timestamp 'yesterday' is not an ISO-8601 time" and "2번째 줄" in said.ko


def test_an_export_step_validates_with_its_action_and_a_bad_one_is_refused(tmp_path):
    step = GOOD + '''
[[steps]]
id = "export"
kind = "config-task"
title = { ko = "내보내기", en = "Export" }
instruction = { ko = "내보내세요", en = "Export it" }
files = { "export.csv" = "lines/sim.toml" }
check = { type = "export", file = "export.csv", tag = "conveyor.speed_actual", rows = 0 }
[[steps.solution]]
action = "export-history"
file = "export.csv"
tag = "conveyor.speed_actul"
since_s = 600
'''
    problems = problems_of(tmp_path, step, load_line())
    assert any("rows" in p and "1..100000" in p for p in problems), problems
    assert any("conveyor.speed_actul" in p for p in problems), problems
