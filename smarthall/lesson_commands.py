"""The lesson subcommands: lesson list, lesson validate [PATH], lesson check-all [PATH].

check-all runs the simulated line in this process on free ports, with sim
control for the fault drills, and gives each lesson a fresh edge agent, reached through its client API. The
line is not reset between lessons: each lesson's setup brings it to its start,
as in class.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.edge.config import DEFAULT_LINE, LineConfig, load_line
from smarthall.lessons.errors import LessonError, LessonFormatError
from smarthall.lessons.faults import FaultCatalogue
from smarthall.lessons.loader import CATALOGUE, load_catalogue, validate
from smarthall.lessons.model import LEVEL_NAMES, Lesson

if TYPE_CHECKING:
    from smarthall.lessons.check_all import StepResult

CLASS_TIME_SCALE = 1.0  # the class runs the simulated line in real time: check-all proves the steps there
_SAY = {
    "valid": {"ko": "{path}: 문제 없음 (수업 {lessons}개, 단계 {steps}개)", "en": "{path}: ok ({lessons} lessons, {steps} steps)"},
    "problems": {"ko": "문제 {count}개", "en": "{count} problem(s)"},
    "minutes": {"ko": "{n}분", "en": "{n} min"},
    "summary": {"ko": "단계 {total}개 중 {bad}개 실패 ({seconds:.0f}초, 시간 배율 {scale:g}배)",
                "en": "{bad} of {total} steps failed ({seconds:.0f} s at time scale {scale:g}x)"},
    "fast_same": {"ko": "{lesson}: {fast:g}배도 {scale:g}배와 판정이 같음 (단계 {total}개 중 {ok}개 통과): {fast:g}배로 증명 가능",
                  "en": "{lesson}: {fast:g}x gives the verdicts of {scale:g}x ({ok} of {total} steps ok): {fast:g}x proves it"},
    "fast_other": {"ko": "{lesson}: {fast:g}배 거부: 단계 {step}의 판정이 다름 ({scale:g}배 {was}, {fast:g}배 {now}: {why})",
                   "en": "{lesson}: {fast:g}x refused: step {step} is judged otherwise ({scale:g}x {was}, {fast:g}x {now}:"
                         " {why})"},
    "fast_refused": {"ko": "{lesson}: {fast:g}배 거부: {why}", "en": "{lesson}: {fast:g}x refused: {why}"},
    "ok": {"ko": "통과", "en": "ok"},
    "fail": {"ko": "실패", "en": "FAIL"},
}


def simulated_faults() -> FaultCatalogue:
    """The simulated line's fault kinds, as its sim control serves them: what fault drills are checked against."""
    from smarthall.simulators.plant.faults import fault_catalogue

    return FaultCatalogue.from_data(fault_catalogue())


def simulated_ground_truth(parts: int, seed: int, defect_rate: float):
    """Parts rendered by the camera simulator with their true class: what recipe checks grade against."""
    from smarthall.simulators.camera.samples import ground_truth_views

    return ground_truth_views(parts, seed=seed, defect_rate=defect_rate)


def _say(key: str, lang: str, **values) -> str:
    return _SAY[key][lang].format(**values)


def add_commands(sub, add_lang) -> None:
    """Register `smarthall lesson ...` on the `smarthall` parser."""
    lesson = sub.add_parser("lesson")
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
    every.add_argument("--time-scale", type=float, default=CLASS_TIME_SCALE, metavar="X",
                       help="plant seconds per wall second (default 1: as in class; a faster scale may give other verdicts)")
    every.add_argument("--fast", type=float, default=None, metavar="X",
                       help="then check again at time scale X and say per lesson whether X gives the same verdicts"
                            " (lessons that need real time are refused, with why)")
    every.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="lessons checked at once, each on a simulated line of its own (default 1: in turn on one line)")


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


def opened_before(path: Path) -> set[str]:
    """The ids of the lessons `lab` opens before the catalogue at `path` (a catalogue, or a lesson folder of one): those
    of the built-in catalogue and then the per-user folder's. Its lessons may name them as prerequisites, not take them."""
    from smarthall.lab_command import catalogues
    from smarthall.lessons.console.shelf import load_shelf

    folder = path.parent if path.name in ("info.toml", "lesson.toml") else path
    own = {(f / "info.toml").resolve() for f in (folder, folder.parent)}
    before = []
    for catalogue in catalogues([]):
        if catalogue.resolve() in own:
            break
        before.append(catalogue)
    if not before:
        return set()
    shelf = load_shelf(before)  # a broken lesson's id is taken too
    return {lesson.id for lesson in shelf.catalogue.lessons} | {broken.id for broken in shelf.broken}


def _validate(args) -> int:
    line = load_line(args.line)
    problems = validate(args.path, line, simulated_faults(), opened_before(args.path))
    if problems:
        for problem in problems:
            print(problem.said(args.lang), file=sys.stderr)
        print(_say("problems", args.lang, count=len(problems)), file=sys.stderr)
        return 1
    path = args.path
    if path.is_dir() and (path / "info.toml").exists() or path.name == "info.toml":
        catalogue = load_catalogue(_catalogue_path(path), line, simulated_faults(), opened_before(path))
        lessons = catalogue.lessons
    else:
        from smarthall.lessons.loader import load_lesson
        lessons = (load_lesson(path, line, opened_before(path), simulated_faults()),)
    print(_say("valid", args.lang, path=path, lessons=len(lessons), steps=sum(len(s.steps) for s in lessons)))
    return 0


def _check_all(args) -> int:
    catalogue = load_catalogue(_catalogue_path(args.path), load_line(DEFAULT_LINE), simulated_faults(),
                               opened_before(args.path))
    lessons = [lesson for lesson in catalogue.lessons if not args.lesson or lesson.id in args.lesson]
    if args.lesson and (unknown := set(args.lesson) - {lesson.id for lesson in lessons}):
        raise LessonError(f"no lesson {min(unknown)!r} in {catalogue.source}")
    if not all(0.1 <= scale <= 100 for scale in (args.time_scale, args.fast or 1)) or args.jobs < 1:
        raise LessonError(f"--time-scale and --fast must be in 0.1..100 and --jobs at least 1, got {args.time_scale:g},"
                          f" {args.fast}, {args.jobs}")
    started = time.monotonic()
    results = asyncio.run(check_all(lessons, report=lambda r: print(r.said(args.lang), flush=True),
                                    time_scale=args.time_scale, jobs=args.jobs))
    bad = sum(not r.ok for r in results)
    print(_say("summary", args.lang, bad=bad, total=len(results), seconds=time.monotonic() - started,
               scale=args.time_scale))
    if args.fast is not None:
        for line in fast_scale_proof(lessons, results, args.time_scale, args.fast, args.jobs, args.lang):
            print(line, flush=True)
    return 1 if bad else 0


def fast_scale_proof(lessons: list[Lesson], results: list[StepResult], scale: float, fast: float, jobs: int,
                     lang: str) -> list[str]:
    """Per lesson, whether check-all at `fast` gives the verdicts it gave at `scale` (`results`), or why it may not
    stand in for it: a lesson that needs real time is refused before it runs, one judged otherwise after."""
    from smarthall.lessons.check_all import fast_scale_refusal, other_verdicts

    refused = {lesson.id: why for lesson in lessons if (why := fast_scale_refusal(lesson, fast)) is not None}
    again = asyncio.run(check_all([lesson for lesson in lessons if lesson.id not in refused], time_scale=fast, jobs=jobs))
    said = []
    for lesson in lessons:
        if lesson.id in refused:
            said.append(_say("fast_refused", lang, lesson=lesson.id, fast=fast, why=refused[lesson.id](lang)))
            continue
        before = [r for r in results if r.lesson == lesson.id]
        other = other_verdicts(before, [r for r in again if r.lesson == lesson.id])
        if other:
            was, now = other[0]
            said.append(_say("fast_other", lang, lesson=lesson.id, fast=fast, scale=scale, step=was.step,
                             was=_say("ok" if was.ok else "fail", lang), now=_say("ok" if now.ok else "fail", lang),
                             why=(now if not now.ok else was).message(lang)))
        else:
            said.append(_say("fast_same", lang, lesson=lesson.id, fast=fast, scale=scale, total=len(before),
                             ok=sum(r.ok for r in before)))
    return said


async def check_all(lessons: list[Lesson], report=None, time_scale: float = CLASS_TIME_SCALE,
                    jobs: int = 1) -> list[StepResult]:
    """Every lesson's steps, in turn on one simulated line as in class (each lesson's setup applied), or spread
    over `jobs` lines; the results in catalogue order."""
    shares = [lessons[i::jobs] for i in range(min(jobs, len(lessons)))]
    done = await asyncio.gather(*(_check_on_one_line(share, report, time_scale) for share in shares))
    by_lesson = {lesson_id: found for share in done for lesson_id, found in share.items()}
    return [result for lesson in lessons for result in by_lesson[lesson.id]]


async def _check_on_one_line(lessons: list[Lesson], report, time_scale: float) -> dict[str, list[StepResult]]:
    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.service import served
    from smarthall.lessons.check_all import check_lesson
    from smarthall.lessons.sim_control import SimControl  # asyncua: only when a command talks OPC UA
    from smarthall.simulators.line import SimOptions, SimulatedLine
    from smarthall.simulators.options import FREE_PORTS

    results: dict[str, list[StepResult]] = {}
    with tempfile.TemporaryDirectory(prefix="smarthall-check-all-") as tmp:
        tmp = Path(tmp)
        options = SimOptions(**FREE_PORTS,
                             fieldbus_link=str(tmp / "bus"), time_scale=time_scale)
        async with SimulatedLine(options) as line, SimControl(line.control.endpoint_url) as sim:
            config = simulated_line_config(line, tmp)
            for lesson in lessons:
                async with EdgeAgent(config, history_path=tmp / f"{lesson.id}.db") as agent, \
                        served(agent, config.users) as client:
                    results[lesson.id] = await check_lesson(lesson, client, sim, tmp / lesson.id, simulated_ground_truth)
                for result in results[lesson.id] if report else ():
                    report(result)
    return results


def simulated_line_config(line, folder: Path) -> LineConfig:
    """lines/sim.toml pointed at a simulated line running on free ports (its own overrides), history and images in folder."""
    return load_line(DEFAULT_LINE, {**line.line_overrides(),
                                    "historian": {"path": str(folder / "history.db"), "flush_s": 0.1}})


def _catalogue_path(path: Path) -> Path:
    return path / "info.toml" if path.is_dir() else path


def guarded(run, args) -> int:
    """A broken catalogue or an unusable line is a message and exit code 2, never a traceback."""
    try:
        return run(args)
    except LessonFormatError as exc:
        for problem in exc.problems:
            print(problem.said(getattr(args, "lang", "en")), file=sys.stderr)
        return 2
    except LessonError as exc:
        print(f"smarthall: {exc}", file=sys.stderr)
        return 2
