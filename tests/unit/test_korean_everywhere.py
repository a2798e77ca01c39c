"""No English reaches a Korean screen: the console's screens, check texts, alarm states, fault names, lesson texts.

A Korean text may show names (tags, units, stations, protocols, users, lesson ids), code in backticks, acronyms
(PLC, OPC UA), identifiers (StartBatch, `key=value` params) and key names; any other Latin word is English that a
Korean screen should not show. The screens are the committed Korean snapshots (tests/ui/test_snapshots.py proves
they are what the console draws). The lesson validator's problems are said in Korean too (the console's list of
broken lessons, `lesson validate` with LANG=ko); left out, and said here: a violation's detail from the line's
drivers (numbers and codes for whoever debugs the device) and a TOML parser's own words (quoted, in backticks).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.edge.config import load_line
from smarthall.edge.tags import TagValue
from smarthall.lesson_commands import simulated_faults
from smarthall.lessons import check_all, glossary
from smarthall.lessons.checks import CHECK_TYPES, AlarmSeen, Answered, Queried, check_type, evaluation
from smarthall.lessons.console.texts import TEXTS
from smarthall.lessons.loader import CATALOGUE, load_catalogue
from smarthall.lessons.model import ACTION_NAMES_KO, LEVEL_NAMES, said
from smarthall.lessons.recipe_check import Grade

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "ui" / "__snapshots__" / "test_snapshots"
TOKEN = re.compile(r"`[^`]*`|[A-Za-z][A-Za-z0-9_.\-/:=\[\]]*")  # a key path (steps[0].check) is one token
KEYS = {"esc", "Enter", "Ctrl-C", "Tab"}  # key names, as the footer and the texts show them
UNITS = {"ms", "mm", "kW", "kWh", "Wh", "baud"}
PROPER = {"Smart", "Hall", "English", "Modbus", "Sparkplug", "UaExpert"}  # the product, the language switch, protocols, tools


def english(text: str, names: set[str] = frozenset()) -> list[str]:
    """The English words of a Korean text: Latin words that are not names, code, acronyms, identifiers or keys."""
    found = []
    for match in TOKEN.finditer(re.sub(r"\{[^}]*\}|'[^']*'", " ", text)):  # a {placeholder}, a 'quoted' name
        token = match.group(0)
        word = token.rstrip(".:-]")
        if (token.startswith("`") or len(word) <= 1 or word in names or word in KEYS | UNITS | PROPER
                or re.search(r"[._/:=0-9]", word) or word.isupper()  # an identifier, a key=value, an acronym
                or re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+", word)):  # CamelCase: a node or method name
            continue
        found.append(word)
    return found


@pytest.fixture(scope="module")
def line():
    return load_line()


def line_names(line) -> set[str]:
    names = {c.name for c in line.connections} | {c.profile.protocol for c in line.connections}
    for tag in line.tags.values():
        names |= {tag.name, *tag.name.split("."), tag.point.unit}
    return names


def korean_texts(value) -> list[str]:
    """The Korean side of every Text in `value` (a module's constants, records, containers)."""
    if isinstance(value, Text):
        return [value.ko]
    if isinstance(value, dict):
        return [t for v in value.values() for t in korean_texts(v)]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in korean_texts(v)]
    return []


def test_the_console_texts_are_korean():
    assert {key: english(ko) for key, (ko, _) in TEXTS.items() if english(ko)} == {}


def test_the_glossary_words_actions_and_levels_are_korean():
    words = [glossary.word(name, "ko") for name in glossary._data()["words"]]
    assert [w for w in words + list(ACTION_NAMES_KO.values()) + [t.ko for t in LEVEL_NAMES.values()] if english(w)] == []


def test_check_all_and_check_type_texts_are_korean():
    modules = [check_all, *(__import__(t.evaluation.__module__, fromlist=["x"]) for t in CHECK_TYPES.values())]
    found = {m.__name__: [ko for value in vars(m).values() for ko in korean_texts(value) if english(ko)] for m in modules}
    assert {m: texts for m, texts in found.items() if texts} == {}


def test_the_drivers_reasons_are_said_in_korean():
    from smarthall.devices import errors
    from smarthall.lessons.console.reasons import said_reason

    def subclasses(cls):
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]
    reasons = {c.reason for c in subclasses(errors.DriverError) if isinstance(c.__dict__.get("reason"), str)}
    reasons |= {errors.ModbusException.of(code).reason for code in [*errors.MODBUS_EXCEPTIONS, 0x7F]}
    reasons |= {"crc error", "empty reply", "no value", "stalled", "not started", "connecting", "closed"}
    assert {r: said_reason(r, "ko") for r in reasons if english(said_reason(r, "ko"))} == {}
    assert said_reason("timeout", "en") == "timeout"


def sample_observations(t: float) -> list:
    bad = TagValue("conveyor.motor_running", None, Quality.BAD, t, "")
    return [TagValue("conveyor.motor_running", True, Quality.GOOD, t), bad,
            TagValue("conveyor.parts_good", 3, Quality.GOOD, t + 1), AlarmSeen("conveyor.fault", "active-unacknowledged", t),
            AlarmSeen("conveyor.fault", "returned-unacknowledged", t + 1)]


def test_what_every_check_says_on_a_korean_screen_is_korean(line):
    """Each step's check of the catalogue, fed values, alarm states, answers, files and history, says it in Korean."""
    catalogue = load_catalogue(CATALOGUE, line)
    names = line_names(line)
    said_ko = []
    for lesson in catalogue.lessons:
        for step in lesson.steps:
            if step.check is None:
                continue
            ev = evaluation(step.check, 0)
            said_ko.append(ev.status(0).detail.ko)
            for seen in sample_observations(0):
                ev.feed(seen) if not isinstance(seen, TagValue) or seen.tag in ev.tags else None
            if ev.takes_answer:
                ev.feed(Answered(1, 1))
            if ev.query is not None:
                ev.feed(Queried((), 2))
            if ev.takes_file:
                kind = check_type(step.check).name
                ev.loaded(line if kind == "config" else ev.load(step.files[step.check.file], None) if kind == "export"
                          else Grade(200, 20, 1, 2), 2)
            said_ko.append(ev.status(3).detail.ko)
            said_ko += [said(action, "ko").split(f" {action.file}: ")[0] for action in step.solution]  # not the file's text
    assert {ko: english(ko, names) for ko in said_ko if english(ko, names)} == {}


def test_the_lessons_and_fault_kinds_speak_korean(line):
    names = line_names(line)
    texts = []
    for kind in simulated_faults().kinds:
        texts += [kind.name.ko, kind.does.ko, kind.shows.ko]
    for lesson in load_catalogue(CATALOGUE, line).lessons:
        texts += [lesson.title.ko, *(o.ko for o in lesson.objectives)]
        for step in lesson.steps:
            texts += [step.title.ko, step.instruction.ko, *(h.ko for h in step.hints)]
            texts += [step.fault.by_hand.ko] if step.fault else []
            texts += [c.ko for c in getattr(step.check, "choices", ())]
    assert {ko[:60]: english(ko, names) for ko in texts if english(ko, names)} == {}


def screen_lines(svg: Path) -> list[str]:
    """The text a snapshot shows, line by line, without the window's title (the app's class name)."""
    shown = [html.unescape(t).replace("\xa0", " ").strip() for t in re.findall(r">([^<]*)</text>", svg.read_text("utf-8"))]
    return [t for t in shown[1:] if t]


@pytest.mark.parametrize("svg", sorted(SNAPSHOTS.glob("*-ko].svg")), ids=lambda p: p.stem)
def test_no_korean_screen_shows_english(svg):
    from tests.ui.frozen import frozen_agent, frozen_shelf

    agent, shelf = frozen_agent(), frozen_shelf()
    names = line_names(agent.config) | {"kim"} | {lesson.id for lesson in shelf.catalogue.lessons} | {
        broken.id for broken in shelf.broken}
    for lesson in shelf.catalogue.lessons:  # code in the lessons' instructions, in backticks there
        for step in lesson.steps:
            names |= {w for code in re.findall(r"`([^`]*)`", step.instruction.ko) for w in code.split()}
    lines = [text.split("마지막 오류:")[0] for text in screen_lines(svg)]  # a violation's detail stays the driver's
    assert {text: english(text, names) for text in lines if english(text, names)} == {}


VALIDATOR_MODULES = ("lessons/loader.py", "lessons/faults.py", "lessons/checks/types/*.py", "devices/toml_reader.py")


def test_every_problem_the_validator_raises_is_written_in_korean_and_english():
    """Each complaint of the lesson validator (and of the TOML reader under it) is a Text made where it is raised:
    a plain str there would reach a Korean screen in English."""
    import ast

    plain = []
    for pattern in VALIDATOR_MODULES:
        for path in sorted(ROOT.glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                message = node.args[1] if name == "fail" and len(node.args) > 1 else \
                    node.args[3] if name == "Problem" and len(node.args) > 3 else \
                    node.args[0] if name == "ExpressionError" and node.args else None
                if isinstance(message, ast.Constant | ast.JoinedStr):
                    plain.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert plain == []


def test_what_the_validator_says_on_a_korean_screen_is_korean(tmp_path, line):
    from smarthall.lessons.loader import validate
    from smarthall.lessons.model import LEVELS
    from smarthall.lessons.schema import ACTIONS, FAULT, LESSON, SETUP, STEP, STEP_KINDS
    from tests.unit.test_lesson_format import BAD, BAD_RECIPE, GOOD, GOOD_RECIPE

    entries = [*(t.entry for t in CHECK_TYPES.values()), *ACTIONS.values(), FAULT, LESSON, SETUP, STEP]
    vocabulary = {*CHECK_TYPES, *ACTIONS, *STEP_KINDS, *LEVELS, *(k for e in entries for k in e.key_names)}
    names = line_names(line) | vocabulary | {"bool", "true", "false", "smarthall", "check-all"}  # the format's words
    said, korean = {}, {}
    for i, (good, (old, new, _, _)) in enumerate([(GOOD, c) for c in BAD.values()]
                                                 + [(GOOD_RECIPE, c) for c in BAD_RECIPE.values()]):
        folder = tmp_path / str(i) / "tiny"
        folder.mkdir(parents=True)
        (folder / "start.toml").write_text('[recipe]\nname = "x"\n[part]\ncolors = ["red"]\n', encoding="utf-8")
        (folder / "lesson.toml").write_text(good.replace(old, new, 1), encoding="utf-8")
        for problem in validate(folder, line, simulated_faults()):  # file:line: key path (names): what
            korean[problem.said("en")] = problem.said("ko")
            said[problem.said("en")] = problem.message.ko
    assert len(said) >= len(BAD) + len(BAD_RECIPE)
    assert {en: english(ko, names) for en, ko in said.items() if english(ko, names)} == {}
    assert any(ko.endswith(": 최상위: 키 'level': basic, intermediate-1, intermediate-2, advanced 중 하나여야 합니다,"
                           " 받은 값 'expert'") for ko in korean.values())
