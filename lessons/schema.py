"""The lesson format as data: every table, step kind, check type and action with its keys, defaults and units.

The loader takes the key names from here (an unknown key is a problem), and
`reference(faults)` writes docs/lesson-format.md from it, from the registered
check types (lessons.checks: each type's module holds its own entry) and from
the fault catalogue (`python -m smarthall.docs`; a test fails when the
committed page is stale). Adding an action starts with its entry here.
"""

from __future__ import annotations

from smarthall.devices.reference import Entry, Key, Said, sentence, table, toml_value
from smarthall.lines import STATIONS

from .checks import CHECK_TYPES, DEFAULT_TIMEOUT_S, inner_types
from .checks.base import TAG
from .faults import FaultCatalogue
from .model import DEFAULT_SETUP_WRITES, LEVELS, LessonSetup

FORMAT_VERSION = 1  # the lesson format this code reads; a file may say `format_version` (a newer one is refused)
VERSION = Key("format_version", f"whole number 1..{FORMAT_VERSION}", "the lesson format the file is written in; a"
              " smarthall that reads only older formats refuses the file with one line naming it", FORMAT_VERSION)
CATALOGUE_KEYS = ("format_version", "lessons")

STEP_KIND_NAMES = ("read-and-do", "fault-drill", "quiz", "config-task", "sign-off")
STEP_KINDS: dict[str, tuple[str, ...]] = {  # step kind -> the check types it may use (each type says which)
    kind: tuple(name for name, t in CHECK_TYPES.items() if kind in t.step_kinds) for kind in STEP_KIND_NAMES}

ACTIONS: dict[str, Entry] = {e.name: e for e in (
    Entry("write", "write a tag through the edge (checked as the edge checks any write), as the instructor: a"
          " configuration setting (level `configure` in `smarthall profile show`) only an engineer may change",
          (TAG, Key("value", "bool or number", ""))),
    Entry("call", "call a method (OPC UA) through the edge",
          (Key("method", "device.Method", ""), Key("args", "list of numbers", "as many as the method takes"))),
    Entry("ack", "acknowledge an alarm", (Key("alarm", "alarm id", ""),)),
    Entry("clear-faults", "clear every fault (simulated line only)"),
    Entry("load-magazine", "load the feeder's magazine (simulated line only)", (Key("count", "0..1000", "", unit="parts"),)),
    Entry("wait", "wait until a check passes (bounded by its timeout)", (Key("until", "inline check", ""),)),
    Entry("answer", "answer the step's question", (Key("value", "number", "for a choice: the index from 0"),)),
    Entry("answer-tag", "answer with the tag's live value", (TAG,)),
    Entry("answer-live", "answer with the right answer as the line shows it now (a `reading` or `computed` step)"),
    Entry("export-history", "write the tag's stored history over the last `since_s` to a workspace file, as"
          " `smarthall history TAG --since ... --csv > FILE` writes it",
          (Key("file", "workspace file name", ""), TAG, Key("since_s", "number 1..86400", "how far back", unit="s"))),
    Entry("load-alarms", "load the `[[alarms]]` of an earlier step's workspace file (the alarms a config task added)"
          " into the running line, through the lesson's client as the instructor (`smarthall alarms load FILE`); an"
          " alarm already running as it is stays, one running with other settings is refused. The `alarms` it brings"
          " are alarms of the line for this step's check (in its `setup`) and the steps after",
          (Key("step", "step id", "an earlier step, whose workspace holds the file"),
           Key("file", "workspace file name", "one of that step's `files`"),
           Key("alarms", "list of alarm ids", "what the file must bring: the step fails naming one it lacks"))),
    Entry("append", "append text to a workspace file", (Key("file", "workspace file name", ""), Key("text", "text", ""))),
    Entry("replace", "replace the first `old` with `new` in a workspace file",
          (Key("file", "workspace file name", ""), Key("old", "text", ""), Key("new", "text", ""))),
)}

LESSON = Entry("lesson.toml", "one lesson", (
    VERSION, Key("id", "text", "as listed in the catalogue's info.toml"), Key("title", "{ko, en}", ""),
    Key("level", " ".join(LEVELS), ""), Key("duration_min", "1..600", "", unit="min"),
    Key("objectives", "list of {ko, en}", "shown on the lesson's first screen"),
    Key("prerequisites", "list of lesson ids", "lessons listed before, in this or an earlier catalogue", []),
    Key("stations", "list", " ".join(STATIONS)),
    Key("setup", "table", "the line when the lesson opens (below)", Said("the defaults below")),
    Key("steps", "list of step tables", "`[[steps]]`, or all in `steps_file`"),
    Key("steps_file", "file name", "a TOML file beside lesson.toml holding the `[[steps]]`", Said("none"))))

SETUP = Entry("setup", "Applied when the console opens the lesson and by check-all before it, whatever the lesson before"
              " left; on a real line the instructor is told what to do by hand", (
    Key("clear_faults", "bool", "the simulated line's faults cleared (the E-stop released)", LessonSetup().clear_faults),
    Key("magazine", "0..1000", "parts loaded into the magazine (0: left as is)", LessonSetup().magazine, "parts"),
    Key("write", "table tag = value", "written in order after the defaults, which a lesson may override: "
        + ", ".join(f"`{t} = {toml_value(v)}`" for t, v in DEFAULT_SETUP_WRITES), Said("the defaults"))))

STEP = Entry("[[steps]]", "one step", (
    Key("id", "text", "unique in the lesson"), Key("kind", " ".join(STEP_KINDS), ""),
    Key("title", "{ko, en}", ""), Key("instruction", "{ko, en}", "Markdown"),
    Key("hints", "list of {ko, en}", "shown one at a time", []),
    Key("check", "check table", "what passes the step (none for sign-off)"),
    Key("solution", "list of actions", "the reference solution check-all applies (required with a check)"),
    Key("setup", "list of actions", "done when the step starts", []),
    Key("fault", "table", "injected when the step starts; on until a `clear-faults` (a solution's, a later step's"
        " `setup`) or the next lesson's setup clears it", Said("fault-drill: required, others: none")),
    Key("files", "table name = path", "workspace files copied from the lesson folder (or `lines/...`)", {}),
    Key("hide_tags", "list of tags", "left out of the step's live tag table", [])))

FAULT = Entry("[steps.fault]", "a fault-drill's fault", (
    Key("target", "text", "what it applies to (below)"), Key("kind", "fault kind", "below"),
    Key("params", "table", "the kind's params (below)", {}),
    Key("by_hand", "{ko, en}", "what the instructor does on a real line"),
    Key("shows", "inline check", "what the line shows once the fault bit (e.g. `conveyor.fault_code == 1`): check-all"
        " waits for it (within its timeout) before the solution, so a drill whose fault never bit fails",
        Said("none: the step's check must not hold while the fault is on"))))


def reference(faults: FaultCatalogue) -> str:
    """docs/lesson-format.md as it must read."""
    out = ["# Lesson format / 수업 형식", "",
           ("Generated from `lessons/schema.py`, the check types in `lessons/checks/types/` and the simulator's fault"
           " catalogue by `python -m smarthall.docs`;"
           " do not edit by hand."),
           "`lessons/schema.py`와 시뮬레이터의 고장 목록에서 생성된 문서입니다. 직접 고치지 마세요.", "",
           ("A catalogue is a folder with `info.toml` listing its lessons in order (`[[lessons]]` with `id` and `path`,"
           " a folder holding `lesson.toml`; `format_version`, as in lesson.toml below). `smarthall lesson validate DIR`"
           " reports every problem with file, line and"
           " key; `smarthall lesson check-all DIR` proves every step on a simulated line at the class's time scale"
           " (1x); `smarthall lab --catalogue DIR` opens it beside the built-in lessons (so does"
           " `<data>/smarthall/lessons/info.toml`). Every text is a table `{ ko = \"...\", en = \"...\" }`."), "",
           "## When a check passes", "",
           ("A check is judged on what the line showed and when, the same way in the console and in check-all:"
           " a condition holds from the value that meets it until the next that does not; with `hold_s` it passes once"
           " it has held that long. Nothing stays passed unless its type says so (`changed`, `increased`, an"
           " acknowledgement, a right answer). Once a step passed, the console records it and moves on."), "",
           (f"Past `timeout_s` (default {DEFAULT_TIMEOUT_S:g} s) a step is overdue: it is still checked and passes"
           " late (recorded as late); check-all fails a step that does not pass in time."), "",
           f"## {LESSON.name}", "", *table(LESSON), f"### {SETUP.name}", "", sentence(SETUP.doc), "", *table(SETUP),
           f"## {STEP.name}", "", *table(STEP), "Step kinds and the check types each may use:", "",
           *(f"- `{kind}`: {', '.join(f'`{t}`' for t in types) or 'none (the instructor signs it off with `o`)'}"
             for kind, types in STEP_KINDS.items()), "",
           (f"An inline check (a part of `all` or `sequence`, a fault's `shows`, a `wait`'s `until`) is one of"
            f" {', '.join(f'`{t}`' for t in inner_types())}; the others (answers, files) only as a step's whole check."),
           "", "## Check types", ""]
    for entry in (t.entry for t in CHECK_TYPES.values()):
        out += [f"### `{entry.name}`", "", sentence(entry.doc), ""]
        if entry.proves:
            out += [f"check-all: {entry.proves}.", ""]
        out += table(entry)
    out += ["## Actions (`solution`, step `setup`)", "", "Each is a table with `action = \"NAME\"` and its keys.", ""]
    for entry in ACTIONS.values():
        out += [f"### `{entry.name}`", "", sentence(entry.doc), "", *table(entry)]
    out += [f"## {FAULT.name}", "", *table(FAULT), "## Fault kinds", "",
            ("What the simulated line can inject (sim control's `FaultKinds`). check-all injects the fault when the"
            " drill starts and proves the step's check does not hold until the solution."), ""]
    for kind in faults.kinds:
        out += [f"### `{kind.kind}`", "", f"{sentence(kind.does.en)} Shows: {kind.shows.en}.", "",
                f"{kind.does.ko}. 나타나는 때: {kind.shows.ko}.", "", f"For example `target = \"{kind.example}\"`.", ""]
        for group in kind.targets:
            params = ", ".join(map(str, group.params)) or "no params"
            out.append(f"- targets: {group.targets}; {params}")
        out.append("")
    return "\n".join(out)
