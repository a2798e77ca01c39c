"""Lesson files: the catalogue is valid; each kind of mistake gives one message with file, line and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from smarthall.cli import main
from smarthall.edge.config import load_line
from smarthall.lesson_commands import simulated_faults
from smarthall.lessons.loader import CATALOGUE, load_catalogue, validate
from smarthall.lessons.schema import ACTIONS

GOOD = """\
id = "tiny"
level = "basic"
duration_min = 10
stations = ["conveyor"]
[title]
ko = "작은 수업"
en = "A tiny lesson"
[[objectives]]
ko = "컨베이어를 돌린다"
en = "Run the conveyor"

[[steps]]
id = "run"
kind = "read-and-do"
[steps.title]
ko = "돌리기"
en = "Run"
[steps.instruction]
ko = "모터를 켜세요."
en = "Switch the motor on."
[steps.check]
type = "tag"
tag = "conveyor.motor_running"
op = "=="
value = true
[[steps.solution]]
action = "write"
tag = "conveyor.motor_run"
value = true
"""


@pytest.fixture(scope="module")
def line():
    return load_line()


def problems_of(tmp_path: Path, text: str, line) -> list[str]:
    folder = tmp_path / "tiny"
    folder.mkdir(exist_ok=True)
    (folder / "start.toml").write_text('[recipe]\nname = "x"\n[part]\ncolors = ["red", "black"]\n', encoding="utf-8")
    (folder / "lesson.toml").write_text(text, encoding="utf-8")
    return [str(p) for p in validate(folder, line)]


def test_the_catalogue_is_valid(line):
    assert validate(CATALOGUE, line, simulated_faults()) == []
    catalogue = load_catalogue(CATALOGUE, line)
    folders = sorted(p.parent.name for p in CATALOGUE.parent.glob("*/lesson.toml"))
    assert sorted(lesson.folder.name for lesson in catalogue.lessons) == folders  # every lesson folder is listed
    for lesson in catalogue.lessons:
        assert 3 <= len(lesson.steps) <= 8, lesson.id  # one class period each
        assert any(step.automatic for step in lesson.steps)


def test_every_level_is_taught(line):
    assert {lesson.level for lesson in load_catalogue(CATALOGUE, line).lessons} == {
        "basic", "intermediate-1", "intermediate-2", "advanced"}


def test_the_good_example_is_valid(tmp_path, line):
    assert problems_of(tmp_path, GOOD, line) == []


BAD = {  # name: (replace this, with that, expected message, expected line)
    "unknown tag": ('tag = "conveyor.motor_running"', 'tag = "conveyor.motor_runing"',
                    "steps[0].check.tag: unknown tag 'conveyor.motor_runing'", 23),
    "bad operator": ('op = "=="', 'op = "=>"', "steps[0].check.op: unknown operator '=>'", 24),
    "unknown step kind": ('kind = "read-and-do"', 'kind = "read-and-watch"',
                          "steps[0].kind: unknown step kind 'read-and-watch'", 14),
    "missing English": ('en = "Switch the motor on."', "", "steps[0].instruction: missing the English text (key 'en')",
                        18),
    "missing Korean title": ('ko = "작은 수업"', "", "title: missing the Korean text (key 'ko')", 5),
    "unknown level": ('level = "basic"', 'level = "expert"', "top level: key 'level': expected one of basic", 2),
    "not TOML": ('value = true\n[[steps.solution]]', 'value = tru\n[[steps.solution]]', "not valid TOML", 25),
    "no solution": ('[[steps.solution]]\naction = "write"\ntag = "conveyor.motor_run"\nvalue = true\n', "",
                    "steps[0]: an automatic step needs a reference solution", 12),
    "unknown check type": ('type = "tag"', 'type = "tag-is"', "steps[0].check.type: unknown check type 'tag-is'", 22),
    "read-only write": ('tag = "conveyor.motor_run"', 'tag = "conveyor.motor_running"',
                        "steps[0].solution[0].value: the edge would refuse this write: conveyor.motor_running is read-only",
                        29),
    "bool compared with <": ('op = "=="', 'op = "<"', "steps[0].check.op: conveyor.motor_running is compared with a bool",
                             24),
    "unknown key": ('[steps.check]\n', '[steps.check]\nhold = 1\n', "steps[0].check: unknown key 'hold'", 22),
    "unknown alarm": ('type = "tag"\ntag = "conveyor.motor_running"\nop = "=="\nvalue = true',
                      'type = "alarm"\nalarm = "conveyor.overheat"\nstate = "active"',
                      "steps[0].check.alarm: unknown alarm 'conveyor.overheat'", 23),
    "sign-off with a check": ('kind = "read-and-do"', 'kind = "sign-off"',
                              "steps[0].check: a sign-off step is confirmed by the instructor", 21),
    "unknown action": ('action = "write"', 'action = "press"', "steps[0].solution[0].action: unknown action 'press'", 27),
    "unknown method": ('action = "write"\ntag = "conveyor.motor_run"\nvalue = true',
                       'action = "call"\nmethod = "process.StartBach"\nargs = [120, 600]',
                       ("steps[0].solution[0].method: unknown method 'process.StartBach': expected one of "
                        "process.StartBatch, process.AbortBatch"), 28),
    "call with too few arguments": ('action = "write"\ntag = "conveyor.motor_run"\nvalue = true',
                                    'action = "call"\nmethod = "process.StartBatch"\nargs = [120]',
                                    "steps[0].solution[0].args: process.StartBatch takes 2 arguments, got 1", 29),
    "call with a text argument": ('action = "write"\ntag = "conveyor.motor_run"\nvalue = true',
                                  'action = "call"\nmethod = "process.StartBatch"\nargs = [120, "ten"]',
                                  "steps[0].solution[0].args: expected a list of numbers", 29),
    "unknown hidden tag": ('kind = "read-and-do"\n', 'kind = "read-and-do"\nhide_tags = ["conveyor.motor_runing"]\n',
                           "steps[0].hide_tags[0]: unknown tag 'conveyor.motor_runing'", 15),
    "setup write refused": ("[[steps]]", '[setup]\nwrite = { "conveyor.motor_running" = true }\n\n[[steps]]',
                            "the edge would refuse this write: conveyor.motor_running is read-only", 13),
    "configuration setting written": ('tag = "conveyor.motor_run"\nvalue = true', 'tag = "feeder.feed_interval_ms"\nvalue = 1500',
                                      ("steps[0].solution[0].tag: feeder.feed_interval_ms is a configuration setting: only an"
                                       " engineer may change it"), 28),
    "a sequence of one": ('type = "tag"\ntag = "conveyor.motor_running"\nop = "=="\nvalue = true',
                          'type = "sequence"\nof = [{ type = "tag", tag = "conveyor.motor_running", op = "==", value = true }]',
                          "steps[0].check.of: 'sequence' needs at least two checks", 23),
    "a newer format": ('id = "tiny"\n', 'format_version = 7\nid = "tiny"\n',
                       "format_version: format 7 is newer than this smarthall reads (up to 1): update smarthall", 1),
    "an unknown format": ('id = "tiny"\n', 'format_version = "1.0"\nid = "tiny"\n',
                          "format_version: expected a whole number 1..1, got '1.0'", 1),
    "value of the wrong type": ("value = true\n[[steps.solution]]", "value = 1\n[[steps.solution]]",
                                "steps[0].check.value: conveyor.motor_running is a bool: expected true or false", 25),
}


RECIPE_STEP = """\
[[steps]]
id = "tune"
kind = "config-task"
[steps.title]
ko = "레시피 조정"
en = "Tune the recipe"
[steps.instruction]
ko = "은색을 받아들이세요."
en = "Accept silver."
[steps.files]
"recipe.toml" = "start.toml"
[steps.check]
type = "recipe"
file = "recipe.toml"
parts = 100
seed = 7
min_agreement = 0.99
max_false_fail = 0
[[steps.solution]]
action = "replace"
file = "recipe.toml"
old = '"black"]'
new = '"black", "silver"]'
"""
GOOD_RECIPE = GOOD[:GOOD.index("[[steps]]")] + RECIPE_STEP

BAD_RECIPE = {  # name: (replace this, with that, expected message, expected line)
    "agreement out of range": ("min_agreement = 0.99", "min_agreement = 99",
                               "steps[0].check: key 'min_agreement': expected 0..1, got 99", 28),
    "no agreement": ("min_agreement = 0.99\n", "", "steps[0].check: missing key 'min_agreement'", 23),
    "parts not whole": ("parts = 100", "parts = 100.5", "steps[0].check: key 'parts': expected a whole number, got 100.5",
                        26),
    "too many parts": ("parts = 100", "parts = 100000", "steps[0].check: key 'parts': expected 10..2000, got 100000", 26),
    "negative limit": ("max_false_fail = 0", "max_false_fail = -1",
                       "steps[0].check: key 'max_false_fail': expected 0..2000, got -1", 29),
    "unknown key": ("min_agreement", "agreement", "steps[0].check: unknown key 'agreement'", 28),
    "file not in the step's files": ('file = "recipe.toml"\nparts', 'file = "my.toml"\nparts',
                                     "steps[0].check.file: 'my.toml' is not one of the step's files (recipe.toml)", 25),
    "no starting copy": ('"recipe.toml" = "start.toml"', '"recipe.toml" = "nope.toml"',
                         'steps[0].files."recipe.toml": no such file \'nope.toml\'', 22),
    "recipe check in a read-and-do step": ('kind = "config-task"', 'kind = "read-and-do"',
                                           "steps[0].check.type: this step kind cannot use check type 'recipe'", 24),
}


LOAD_STEPS = """\
[[steps]]
id = "add"
kind = "config-task"
[steps.title]
ko = "알람 추가"
en = "Add an alarm"
[steps.instruction]
ko = "빠른 벨트 알람을 추가하세요."
en = "Add a fast belt alarm."
[steps.files]
"line.toml" = "lines/sim.toml"
[steps.check]
type = "config"
file = "line.toml"
expect = [{ alarm = "belt.fast", tag = "conveyor.speed_actual" }]
[[steps.solution]]
action = "append"
file = "line.toml"
text = "[[alarms]]\\nid = 'belt.fast'\\ntag = 'conveyor.speed_actual'\\nkind = 'hi'\\nlimit = 400\\nko = 'a'\\nen = 'b'\\n"

[[steps]]
id = "raise"
kind = "read-and-do"
[steps.title]
ko = "알람 울리기"
en = "Raise it"
[steps.instruction]
ko = "벨트를 빠르게 돌리세요."
en = "Run the belt fast."
[[steps.setup]]
action = "load-alarms"
step = "add"
file = "line.toml"
alarms = ["belt.fast"]
[steps.check]
type = "alarm"
alarm = "belt.fast"
state = "active"
[[steps.solution]]
action = "write"
tag = "conveyor.speed_setpoint"
value = 450
"""
GOOD_LOAD = GOOD[:GOOD.index("[[steps]]")] + LOAD_STEPS

BAD_LOAD = {  # name: (replace this, with that, expected message, expected line)
    "alarm loaded only after its check": ('[[steps.setup]]\naction = "load-alarms"',
                                          '[[steps.solution]]\naction = "load-alarms"',
                                          "steps[1].check.alarm: unknown alarm 'belt.fast'", 48),
    "a later step's file": ('step = "add"', 'step = "raise"',
                            "steps[1].setup[0].step: 'raise' is not a step before this one (those are: add)", 43),
    "a file the step has not": ('file = "line.toml"\nalarms', 'file = "lin.toml"\nalarms',
                                "steps[1].setup[0].file: 'lin.toml' is not one of step 'add''s files (line.toml)", 44),
    "not alarm ids": ('alarms = ["belt.fast"]', 'alarms = ["belt.fast", 3]',
                      "steps[1].setup[0].alarms: expected a list of alarm ids, got ['belt.fast', 3]", 45),
}


def test_the_good_load_alarms_example_is_valid_and_its_alarm_is_known_after_the_load(tmp_path, line):
    assert problems_of(tmp_path, GOOD_LOAD, line) == []


def test_the_good_recipe_example_is_valid(tmp_path, line):
    assert problems_of(tmp_path, GOOD_RECIPE, line) == []


@pytest.mark.parametrize(("good", "case"), [(GOOD, case) for case in BAD.values()]
                         + [(GOOD_RECIPE, case) for case in BAD_RECIPE.values()]
                         + [(GOOD_LOAD, case) for case in BAD_LOAD.values()],
                         ids=[*BAD, *(f"recipe check: {name}" for name in BAD_RECIPE),
                              *(f"load-alarms: {name}" for name in BAD_LOAD)])
def test_a_bad_lesson_gives_one_clear_message_with_file_and_line(tmp_path, line, good, case):
    old, new, message, lineno = case
    assert old in good
    problems = problems_of(tmp_path, good.replace(old, new, 1), line)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'tiny' / 'lesson.toml'}:{lineno}: "), problems[0]
    assert message in problems[0]


def test_duplicate_step_ids(tmp_path, line):
    step = GOOD[GOOD.index("[[steps]]"):]
    problems = problems_of(tmp_path, GOOD + "\n" + step, line)
    assert len(problems) == 1 and "steps[1].id: duplicate step id 'run'" in problems[0]
    assert problems[0].split(":")[1] == "32"


def test_problems_in_several_steps_are_all_reported(tmp_path, line):
    step = GOOD[GOOD.index("[[steps]]"):].replace('id = "run"', 'id = "again"').replace('op = "=="', 'op = "~"')
    text = GOOD.replace('tag = "conveyor.motor_running"', 'tag = "nope"', 1) + "\n" + step
    assert len(problems_of(tmp_path, text, line)) == 2


def test_a_catalogue_entry_without_a_folder(tmp_path, line):
    (tmp_path / "info.toml").write_text('[[lessons]]\nid = "x"\npath = "missing"\n', encoding="utf-8")
    problems = [str(p) for p in validate(tmp_path, line)]
    assert len(problems) == 1 and ":3: lessons[0].path: no lesson.toml in 'missing'" in problems[0]


def test_a_prerequisite_must_come_earlier(tmp_path, line):
    shutil.copytree(CATALOGUE.parent / "01-meet-the-line", tmp_path / "one")
    text = (tmp_path / "one" / "lesson.toml").read_text(encoding="utf-8")
    (tmp_path / "one" / "lesson.toml").write_text(text.replace("prerequisites = []", 'prerequisites = ["later"]'),
                                                  encoding="utf-8")
    (tmp_path / "info.toml").write_text('[[lessons]]\nid = "meet-the-line"\npath = "one"\n', encoding="utf-8")
    problems = [str(p) for p in validate(tmp_path, line)]
    assert len(problems) == 1 and "prerequisites[0]: 'later' is not a lesson listed before this one" in problems[0]


def test_cli_validate_exits_non_zero_with_the_messages(tmp_path, capsys):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "lesson.toml").write_text(GOOD.replace('op = "=="', 'op = "=>"'), encoding="utf-8")
    assert main(["lesson", "validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'lesson.toml'}:24: steps[0].check.op: unknown operator '=>'" in err
    assert main(["lesson", "validate"]) == 0
    assert re.search(r": ok \(\d+ lessons, \d+ steps\)\n$", capsys.readouterr().out)  # the catalogue grows: no count pinned


@pytest.mark.parametrize(("lang", "expected"), [("en", ["basic", "30 min", "Meet the line"]),
                                                ("ko", ["기초", "30분", "라인과 만나기"])])
def test_cli_list_in_both_languages(capsys, lang, expected):
    assert main(["lesson", "list", "--lang", lang]) == 0
    out = capsys.readouterr().out.splitlines()
    lessons = load_catalogue(CATALOGUE, load_line()).lessons  # the built-in list, not pinned: the catalogue grows
    assert len(out) == len(lessons)
    assert all(word in out[0] for word in expected)
    assert lessons[-1].id in out[-1]


def test_cli_list_of_a_broken_catalogue_is_a_message(tmp_path, capsys):
    (tmp_path / "info.toml").write_text("lessons = 3\n", encoding="utf-8")
    assert main(["lesson", "list", str(tmp_path)]) == 2
    assert "info.toml:1: top level: key 'lessons': expected list" in capsys.readouterr().err


def test_every_problem_in_one_step_is_reported(tmp_path, line):
    text = GOOD.replace('tag = "conveyor.motor_running"', 'tag = "conveyor.motor_runing"').replace(
        'action = "write"', 'action = "press"').replace('en = "Run"\n', "")
    problems = problems_of(tmp_path, text, line)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "steps[0].title: missing the English text (key 'en')",
        "steps[0].check.tag: unknown tag 'conveyor.motor_runing': `smarthall tags` lists the line's tags",
        "steps[0].solution[0].action: unknown action 'press': expected one of " + ", ".join(ACTIONS)]


def test_a_lesson_folder_and_its_catalogue_give_the_same_problems(tmp_path, line):
    catalogue = tmp_path / "own"
    (catalogue / "tiny").mkdir(parents=True)
    (catalogue / "info.toml").write_text('[[lessons]]\nid = "tiny"\npath = "tiny"\n', encoding="utf-8")
    (catalogue / "tiny" / "lesson.toml").write_text(GOOD.replace('id = "tiny"\n', 'id = "tiny"\nprerequisites = ["nope"]\n')
                                                    .replace('op = "=="', 'op = "=>"'), encoding="utf-8")
    by_catalogue = [str(p) for p in validate(catalogue, line)]
    assert len(by_catalogue) == 2, by_catalogue  # the prerequisite and the operator
    assert [str(p) for p in validate(catalogue / "tiny", line)] == by_catalogue


def test_a_catalogue_of_a_newer_format_is_one_line_naming_file_and_key(tmp_path, capsys):
    shutil.copytree(CATALOGUE.parent, tmp_path / "lessons")
    info = tmp_path / "lessons" / "info.toml"
    info.write_text(info.read_text(encoding="utf-8").replace("format_version = 1", "format_version = 2"), encoding="utf-8")
    assert main(["lesson", "validate", str(info)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{info}:2: format_version: format 2 is newer than this smarthall reads (up to 1): update smarthall to use it"
    assert len(err) == 2  # and the count


def test_validate_knows_the_catalogues_lab_opens_before_an_own_one(tmp_path, capsys, monkeypatch):
    # an own catalogue's lesson may name a built-in lesson as its prerequisite (lab opens the built-in one first):
    # validate refused it, and check-all could not load the catalogue; taking a built-in id is refused as lab does
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path / "data"))
    own = tmp_path / "own"
    (own / "tiny").mkdir(parents=True)
    (own / "tiny" / "lesson.toml").write_text(GOOD.replace('id = "tiny"\n', 'id = "tiny"\nprerequisites = ["modbus-tcp"]\n'),
                                              encoding="utf-8")
    (own / "info.toml").write_text('[[lessons]]\nid = "tiny"\npath = "tiny"\n', encoding="utf-8")
    for path in (own, own / "tiny"):
        assert main(["lesson", "validate", str(path), "--lang", "en"]) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.endswith(": ok (1 lessons, 1 steps)\n")
    (own / "info.toml").write_text('[[lessons]]\nid = "modbus-tcp"\npath = "tiny"\n', encoding="utf-8")
    assert main(["lesson", "validate", str(own), "--lang", "ko"]) == 1
    assert "lessons[0].id: 수업 id 'modbus-tcp'는 먼저 연 카탈로그가 이미 씁니다" in capsys.readouterr().err
