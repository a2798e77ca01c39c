"""check-all on the simulated line: every automatic check fails before its step and passes after its solution.

One simulated line per lesson (each test stays well inside the test timeout).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path

import pytest

from smarthall.cli import main
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.service import served
from smarthall.lesson_commands import check_all, simulated_faults, simulated_ground_truth, simulated_line_config
from smarthall.lessons.check_all import check_lesson
from smarthall.lessons.checks import Verdict
from smarthall.lessons.loader import CATALOGUE, load_catalogue, load_lesson
from smarthall.lessons.runner import StepRun
from smarthall.lessons.sim_control import SimControl
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.unit.test_lesson_format import GOOD

LESSONS = load_catalogue(CATALOGUE, load_line()).lessons


@pytest.mark.timeout(600)
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_every_check_fails_before_and_passes_after_its_solution(lesson):
    results = await check_all([lesson])
    assert [r.step for r in results] == [s.id for s in lesson.steps]
    assert [str(r) for r in results if not r.ok] == []


@contextlib.asynccontextmanager
async def running_line():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        options = SimOptions(**FREE_PORTS,
                             fieldbus_link=str(tmp / "bus"), time_scale=5)
        async with SimulatedLine(options) as line, SimControl(line.control.endpoint_url) as sim:
            config = simulated_line_config(line, tmp)
            async with EdgeAgent(config, history_path=tmp / "history.db") as agent, served(agent, config.users) as client:
                yield client, sim, tmp  # lessons reach the line through the edge's client API


async def test_a_check_that_cannot_fail_is_reported(tmp_path):
    folder = tmp_path / "always"
    folder.mkdir()
    text = (CATALOGUE.parent / "02-modbus-tcp" / "lesson.toml").read_text(encoding="utf-8")
    # estop_ok is true on an untouched line: this check holds before anything is done
    (folder / "lesson.toml").write_text(text.replace('tag = "conveyor.speed_setpoint"\nop = "=="\nvalue = 300',
                                                     'tag = "conveyor.estop_ok"\nop = "=="\nvalue = true'),
                                        encoding="utf-8")
    lesson = load_lesson(folder, load_line())
    async with running_line() as (line, sim, tmp):
        step = lesson.step("speed-setpoint")
        results = await check_lesson(lesson.__class__(**{**lesson.__dict__, "steps": (step,)}), line, sim, tmp)
    assert len(results) == 1 and not results[0].ok
    assert "the check passes before the step is done: conveyor.estop_ok = True" in results[0].message.en


async def test_a_drill_whose_fault_never_bites_is_a_failure(tmp_path):
    folder = tmp_path / "idle"
    folder.mkdir()
    # an overload only bites while the motor runs: with the motor off this drill's fault never shows
    (folder / "lesson.toml").write_text(GOOD.replace('kind = "read-and-do"', '''kind = "fault-drill"
[steps.fault]
target = "conveyor"
kind = "motor_overload"
shows = { type = "tag", tag = "conveyor.fault_code", op = "==", value = 1, timeout_s = 3 }
[steps.fault.by_hand]
ko = "과부하 계전기의 시험 버튼을 누르세요."
en = "Press the overload relay's test button."'''), encoding="utf-8")
    lesson = load_lesson(folder, load_line())
    async with running_line() as (line, sim, tmp):
        results = await check_lesson(lesson, line, sim, tmp)
    assert [r.ok for r in results] == [False]
    assert results[0].message.en.startswith("the fault never showed on the line: conveyor.fault_code = 0 (want == 1)")


async def test_a_drill_whose_check_passes_before_its_fault_shows_is_a_failure(tmp_path):
    # "the furnace is back below 40 °C" holds before the drift has carried the reading above it: the console, which
    # follows the check from the step's start, passed the step at once; check-all waited for the fault and passed it
    folder = tmp_path / "early"
    folder.mkdir()
    (folder / "lesson.toml").write_text(GOOD.replace('kind = "read-and-do"', '''kind = "fault-drill"
[steps.fault]
target = "process.temperature"
kind = "drift"
params = { per_s = 2.0 }
shows = { type = "tag", tag = "process.temperature", op = ">", value = 40, timeout_s = 60 }
[steps.fault.by_hand]
ko = "열전대를 빼서 데우세요."
en = "Warm the thermocouple by hand."''').replace('tag = "conveyor.motor_running"\nop = "=="\nvalue = true',
                                                   'tag = "process.temperature"\nop = "<"\nvalue = 40')
                                          .replace('[[steps.solution]]\naction = "write"\ntag = "conveyor.motor_run"\n'
                                                   'value = true', '[[steps.solution]]\naction = "clear-faults"'),
                                          encoding="utf-8")
    lesson = load_lesson(folder, load_line())
    async with running_line() as (line, sim, tmp):
        results = await check_lesson(lesson, line, sim, tmp)
    assert [r.ok for r in results] == [False]
    assert results[0].message.en.startswith("the check passes before the fault showed (in class it passes at once):"
                                            " process.temperature = "), results[0].message.en


async def test_a_question_asked_while_the_fault_is_live(tmp_path):
    # a number or choice question during a live fault: a drill may ask one (only read-and-do checks could before)
    folder = tmp_path / "ask"
    folder.mkdir()
    (folder / "lesson.toml").write_text(GOOD.replace('kind = "read-and-do"', '''kind = "fault-drill"
[steps.fault]
target = "feeder"
kind = "offline"
shows = { type = "quality", tag = "feeder.magazine_count", quality = "bad", timeout_s = 20 }
[steps.fault.by_hand]
ko = "공급기 PLC의 이더넷 케이블을 뽑으세요."
en = "Unplug the feeder PLC's Ethernet cable."''').replace('type = "tag"\ntag = "conveyor.motor_running"\nop = "=="\nvalue = true',
                                                     'type = "choice"\nchoices = [{ ko = "공급기", en = "The feeder" },'
                                                     ' { ko = "컨베이어", en = "The conveyor" }]\nanswer = 0')
                                          .replace('action = "write"\ntag = "conveyor.motor_run"\nvalue = true',
                                                   'action = "answer"\nvalue = 0'), encoding="utf-8")
    lesson = load_lesson(folder, load_line(), faults=simulated_faults())
    async with running_line() as (line, sim, tmp):
        results = await check_lesson(lesson, line, sim, tmp)
        assert [r.ok for r in results] == [True], results[0].message.en
        assert (await line.read(["feeder.magazine_count"]))[0].quality.value == "bad"  # the fault is still on


async def test_a_solution_that_does_not_pass_is_reported(tmp_path):
    folder = tmp_path / "wrong"
    folder.mkdir()
    text = (CATALOGUE.parent / "02-modbus-tcp" / "lesson.toml").read_text(encoding="utf-8")
    (folder / "lesson.toml").write_text(text.replace("value = 300\ntimeout_s = 20", "value = 300\ntimeout_s = 5")
                                        .replace('tag = "conveyor.speed_setpoint"\nvalue = 300',
                                                 'tag = "conveyor.speed_setpoint"\nvalue = 250'), encoding="utf-8")
    lesson = load_lesson(folder, load_line())
    async with running_line() as (line, sim, tmp):
        step = lesson.step("speed-setpoint")
        results = await check_lesson(lesson.__class__(**{**lesson.__dict__, "steps": (step,)}), line, sim, tmp)
    assert not results[0].ok
    assert "the solution does not pass the check: conveyor.speed_setpoint = 250 (want == 300)" in results[0].message.en


async def test_a_step_run_yields_each_status_change_as_the_trainee_works(tmp_path):
    lesson = load_catalogue(CATALOGUE, load_line()).lesson("modbus-tcp")
    async with running_line() as (line, sim, tmp):
        run = StepRun(lesson.step("run-conveyor"), line, sim, tmp)
        assert await run.start() == []
        seen = []
        async with contextlib.aclosing(run.follow()) as statuses:
            async for status in statuses:
                seen.append(status)
                if len(seen) == 1:
                    assert status.verdict is Verdict.WAITING and not status.satisfied
                    await line.write("conveyor.speed_setpoint", 300)
                    await line.write("conveyor.motor_run", True)
    assert seen[-1].verdict is Verdict.PASSED
    assert any(s.satisfied and s.verdict is Verdict.WAITING for s in seen)  # the hold time was shown


async def test_a_fault_drill_on_a_real_line_tells_the_instructor_what_to_do(tmp_path):
    lesson = load_catalogue(CATALOGUE, load_line()).lesson("alarms-troubleshooting")
    async with running_line() as (line, _sim, tmp):
        run = StepRun(lesson.step("plc-offline"), line, None, tmp)
        notes = await run.start()
        assert [n("en") for n in notes] == [("Unplug the feeder PLC's Ethernet cable; plug it back when the trainees"
                                            " have found it.")]
        assert (await run.status()).satisfied  # nothing was injected: the feeder answers


def test_cli_check_all_one_lesson(capsys):
    assert main(["lesson", "check-all", "--lesson", "meet-the-line", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "ok   meet-the-line/ack-estop: fails before, passes after the solution" in out
    assert re.search(r"\n0 of 5 steps failed \(\d+ s at time scale 1x\)\n$", out), out
    assert main(["lesson", "check-all", "--lesson", "nope"]) == 2
    assert "no lesson 'nope'" in capsys.readouterr().err


async def test_a_recipe_step_grades_the_trainees_file_again_when_it_changes(tmp_path):
    lesson = load_catalogue(CATALOGUE, load_line()).lesson("vision-inspection")
    run = StepRun(lesson.step("colours"), None, None, tmp_path, ground_truth=simulated_ground_truth)  # no line needed
    await run.start()
    recipe = tmp_path / "recipe.toml"
    text = recipe.read_text(encoding="utf-8")
    assert 'colors = ["red", "black"]' in text  # the lesson's mistuned starting copy
    before = await run.status()
    assert not before.satisfied and before.detail.en.startswith("200 parts: ")
    assert "false fail 0 " not in before.detail.en  # every good silver part is failed
    recipe.write_text(text.replace('"black"]', '"black", "blue"]'), encoding="utf-8")
    assert (await run.status()).detail.en == f"{recipe}: [part]: key 'colors': expected only red, black, silver, got 'blue'"
    recipe.write_text(text.replace('"black"]', '"black", "silver"]'), encoding="utf-8")
    after = await run.status()
    assert after.verdict is Verdict.PASSED
    assert after.detail.en.endswith("false pass 0, false fail 0 (want agreement >= 99.0%, false fail <= 0)")


def test_check_all_at_a_faster_scale_is_proven_beside_1x_or_refused_with_why(tmp_path, capsys):
    for folder, stations in (("tiny", '["conveyor"]'), ("seen", '["conveyor", "vision"]')):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "lesson.toml").write_text(
            GOOD.replace('id = "tiny"', f'id = "{folder}"').replace('stations = ["conveyor"]', f"stations = {stations}"),
            encoding="utf-8")
    (tmp_path / "info.toml").write_text('[[lessons]]\nid = "tiny"\npath = "tiny"\n\n[[lessons]]\nid = "seen"\npath = "seen"\n',
                                        encoding="utf-8")
    assert main(["lesson", "check-all", str(tmp_path / "info.toml"), "--fast", "5", "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "tiny: 5x gives the verdicts of 1x (1 of 1 steps ok): 5x proves it"
    assert out[-1] == ("seen: 5x refused: the camera grabs and inspects frames in real time: at 5x parts pass it 5 times"
                       " faster than it inspects them, and the PLC rejects them fail-safe")


def test_a_step_judged_otherwise_at_the_faster_scale_refuses_it():
    from smarthall.devices.profiles import Text
    from smarthall.lessons.check_all import StepResult, other_verdicts

    at_1x = [StepResult("a", "s1", True, Text("", "")), StepResult("a", "s2", True, Text("", ""))]
    at_5x = [at_1x[0], StepResult("a", "s2", False, Text("늦음", "too late"))]
    assert other_verdicts(at_1x, at_5x) == [(at_1x[1], at_5x[1])]
