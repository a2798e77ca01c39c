"""The lesson subcommands: lesson list, lesson validate [PATH], lesson check-all [PATH].

check-all runs the simulated line in this process on free ports, with sim
control for the fault drills, and gives each lesson a reset line and a fresh
edge agent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.edge.config import DEFAULT_LINE, LineConfig, load_line
from smarthall.lessons.errors import LessonError, LessonFormatError
from smarthall.lessons.loader import CATALOGUE, load_catalogue, validate
from smarthall.lessons.model import LEVEL_NAMES, Lesson

if TYPE_CHECKING:
    from smarthall.lessons.check_all import StepResult

CHECK_ALL_TIME_SCALE = 5.0
_SAY = {
    "valid": {"ko": "{path}: 문제 없음 (수업 {lessons}개, 단계 {steps}개)", "en": "{path}: ok ({lessons} lessons, {steps} steps)"},
    "problems": {"ko": "문제 {count}개", "en": "{count} problem(s)"},
    "minutes": {"ko": "{n}분", "en": "{n} min"},
    "summary": {"ko": "단계 {total}개 중 {bad}개 실패", "en": "{bad} of {total} steps failed"},
}


def _say(key: str, lang: str, **values) -> str:
    return _SAY[key][lang].format(**values)


def add_commands(sub, add_lang) -> None:
    """Register `smarthall lesson ...` on the `smarthall` parser."""
    lesson = sub.add_parser("lesson", help="lab lessons: list, validate, check-all")
    actions = lesson.add_subparsers(required=True, metavar="ACTION")

    def command(name: str, help_text: str, run) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        add_lang(parser, argparse.SUPPRESS)
        parser.set_defaults(run=lambda args: guarded(run, args))
        return parser

    show = command("list", "the catalogue: lessons in order with levels and durations", _list)
    show.add_argument("path", nargs="?", type=Path, default=CATALOGUE, help="catalogue (info.toml)")
    check = command("validate", "check lesson files like a compiler (file:line: problem)", _validate)
    check.add_argument("path", nargs="?", type=Path, default=CATALOGUE,
                       help="catalogue (info.toml or its folder) or one lesson folder (default: the built-in catalogue)")
    check.add_argument("--line", type=Path, default=DEFAULT_LINE, help="line configuration the tags are checked against")
    every = command("check-all", "prove on a simulated line that every check fails before and passes after its solution",
                    _check_all)
    every.add_argument("path", nargs="?", type=Path, default=CATALOGUE, help="catalogue (info.toml)")
    every.add_argument("--lesson", action="append", default=None, metavar="ID", help="only this lesson (repeatable)")


def _list(args) -> int:
    catalogue = load_catalogue(_catalogue_path(args.path))
    for number, lesson in enumerate(catalogue.lessons, start=1):
        level = LEVEL_NAMES[lesson.level](args.lang)
        minutes = _say("minutes", args.lang, n=lesson.duration_min)
        print(f"{number:2}. {lesson.id:24} {_pad(level, 16)} {_pad(minutes, 7, right=True)}  {lesson.title(args.lang)}")
    return 0


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width: Hangul takes two columns."""
    fill = " " * max(0, width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))
    return fill + text if right else text + fill


def _validate(args) -> int:
    line = load_line(args.line)
    problems = validate(args.path, line)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(_say("problems", args.lang, count=len(problems)), file=sys.stderr)
        return 1
    path = args.path
    if path.is_dir() and (path / "info.toml").exists() or path.name == "info.toml":
        catalogue = load_catalogue(_catalogue_path(path), line)
        lessons = catalogue.lessons
    else:
        from smarthall.lessons.loader import load_lesson
        lessons = (load_lesson(path, line),)
    print(_say("valid", args.lang, path=path, lessons=len(lessons), steps=sum(len(s.steps) for s in lessons)))
    return 0


def _check_all(args) -> int:
    catalogue = load_catalogue(_catalogue_path(args.path), load_line(DEFAULT_LINE))
    lessons = [lesson for lesson in catalogue.lessons if not args.lesson or lesson.id in args.lesson]
    if args.lesson and (unknown := set(args.lesson) - {lesson.id for lesson in lessons}):
        raise LessonError(f"no lesson {min(unknown)!r} in {catalogue.source}")
    results = asyncio.run(check_all(lessons, report=lambda r: print(r, flush=True)))
    bad = sum(not r.ok for r in results)
    print(_say("summary", args.lang, bad=bad, total=len(results)))
    return 1 if bad else 0


async def check_all(lessons: list[Lesson], report=None) -> list[StepResult]:
    """Every lesson's steps on one simulated line (reset through sim control before each lesson)."""
    from smarthall.edge.agent import EdgeAgent
    from smarthall.lessons.check_all import check_lesson
    from smarthall.lessons.sim_control import SimControl  # asyncua: only when a command talks OPC UA
    from smarthall.simulators.line import SimOptions, SimulatedLine

    results: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix="smarthall-check-all-") as tmp:
        tmp = Path(tmp)
        options = SimOptions(feeder_port=0, conveyor_port=0, process_port=0, control_port=0, camera_port=0,
                             fieldbus_link=str(tmp / "bus"), time_scale=CHECK_ALL_TIME_SCALE)
        async with SimulatedLine(options) as line, SimControl(line.control.endpoint_url) as sim:
            config = simulated_line_config(line, tmp)
            for lesson in lessons:
                await sim.reset()
                agent = EdgeAgent(config, history_path=tmp / f"{lesson.id}.db")
                await agent.start()
                try:
                    for result in await check_lesson(lesson, agent, sim, tmp / lesson.id):
                        results.append(result)
                        if report:
                            report(result)
                finally:
                    await agent.close()
    return results


def simulated_line_config(line, folder: Path) -> LineConfig:
    """lines/sim.toml pointed at a simulated line running on free ports."""
    text = DEFAULT_LINE.read_text(encoding="utf-8")
    text = (text.replace("port = 5020", f"port = {line.stations['feeder'].port}")
            .replace("port = 5021", f"port = {line.stations['conveyor'].port}")
            .replace('"/tmp/smarthall-fieldbus"', f'"{line.bus.link}"')
            .replace('"opc.tcp://127.0.0.1:4840"', f'"{line.process.endpoint_url}"')
            .replace('"http://127.0.0.1:8080/camera/stream.mjpg"', f'"{line.camera_url}"')
            .replace("flush_s = 1.0", "flush_s = 0.1"))
    path = folder / "line.toml"
    path.write_text(text, encoding="utf-8")
    return load_line(path)


def _catalogue_path(path: Path) -> Path:
    return path / "info.toml" if path.is_dir() else path


def guarded(run, args) -> int:
    """A broken catalogue or an unusable line is a message and exit code 2, never a traceback."""
    try:
        return run(args)
    except LessonFormatError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except LessonError as exc:
        print(f"smarthall: {exc}", file=sys.stderr)
        return 2
