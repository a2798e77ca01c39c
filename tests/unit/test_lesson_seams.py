"""Lessons reach the simulated line only through what the composition root hands them, and the fault kinds are one
catalogue: the simulator's, served as data."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from smarthall.edge.config import load_line
from smarthall.lesson_commands import simulated_faults
from smarthall.lessons.loader import validate
from smarthall.simulators.plant import FAULT_KINDS
from tests.unit.test_lesson_format import GOOD, problems_of

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

DRILL = GOOD.replace('kind = "read-and-do"', '''kind = "fault-drill"
[steps.fault]
target = "conveyor"
kind = "motor_overload"
[steps.fault.by_hand]
ko = "과부하 계전기의 시험 버튼을 누르세요."
en = "Press the overload relay's test button."''')


def test_no_lesson_module_imports_the_simulators():
    for path in LESSONS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any("simulators" in name for name in names), f"{path} imports {names}"


def test_the_fault_catalogue_is_the_simulators():
    faults = simulated_faults()
    assert faults.names == FAULT_KINDS
    for kind in faults.kinds:
        assert kind.does.ko and kind.does.en and kind.shows.ko and kind.shows.en, kind.kind
    assert str(faults.get("latency").params["ms"]) == "`ms` (0..10000; default 200)"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('kind = "motor_overload"', 'kind = "motor_overlaod"', "steps[0].fault.kind: unknown fault kind 'motor_overlaod'"),
    ('kind = "motor_overload"', 'kind = "latency"\nparams = { ms = 99999 }',
     "steps[0].fault.params: fault 'latency' param 'ms': expected a number in 0..10000, got 99999"),
    ('kind = "motor_overload"', 'kind = "latency"\nparams = { seconds = 1 }',
     "steps[0].fault.params: fault 'latency' has no param 'seconds'; its params: ms"),
])
def test_a_fault_drill_is_checked_against_the_catalogue(tmp_path, old, new, message):
    line = load_line()
    assert problems_of(tmp_path, DRILL, line) == []
    folder = tmp_path / "tiny"
    (folder / "lesson.toml").write_text(DRILL.replace(old, new), encoding="utf-8")
    problems = [str(p) for p in validate(folder, line, simulated_faults())]
    assert len(problems) == 1 and message in problems[0], problems
