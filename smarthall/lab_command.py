"""`smarthall lab [--line FILE] [--lesson ID] [--trainee NAME]` and `smarthall lab report [--csv|--md]`.

Without --line: the simulated line (default ports), sim control, the edge
agent on lines/sim.toml and the console, all in this process. With --line:
a real line, no simulator, no fault panel.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from edge.agent import EdgeAgent
from edge.config import DEFAULT_LINE, load_line
from lessons.errors import LessonError, LessonFormatError
from lessons.loader import CATALOGUE, load_catalogue
from lessons.progress import Progress, default_progress_path, report_csv, report_markdown


def add_commands(sub, add_lang) -> None:
    lab = sub.add_parser("lab", help="the instructor console on the simulated line (or --line for a real one)")
    add_lang(lab, argparse.SUPPRESS)
    lab.add_argument("--line", type=Path, default=None, help="a real line's configuration (no simulator)")
    lab.add_argument("--lesson", metavar="ID", help="open this lesson directly")
    lab.add_argument("--trainee", default=_user(), help="trainee or station team the progress is stored for")
    lab.add_argument("--progress", type=Path, default=default_progress_path(), help="progress database (SQLite)")
    lab.set_defaults(run=_lab)
    actions = lab.add_subparsers(metavar="ACTION")
    report = actions.add_parser("report", help="who finished which step when (CSV or Markdown)")
    add_lang(report, argparse.SUPPRESS)
    report.add_argument("--csv", dest="format", action="store_const", const="csv", default="md")
    report.add_argument("--md", dest="format", action="store_const", const="md")
    report.add_argument("--trainee", default=None, help="only this trainee")
    report.add_argument("--progress", type=Path, default=default_progress_path(), help="progress database (SQLite)")
    report.set_defaults(run=_report)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "trainee"


def _report(args) -> int:
    with Progress(args.progress) as progress:
        rows = progress.completions(args.trainee)
    print(report_csv(rows) if args.format == "csv" else report_markdown(rows), end="")
    return 0


def _lab(args) -> int:
    from simulators.line import SimStartError

    try:
        catalogue = load_catalogue(CATALOGUE, load_line(args.line or DEFAULT_LINE))
        if args.lesson:
            catalogue.lesson(args.lesson)
        asyncio.run(run_lab(catalogue, args))
    except KeyError as exc:
        print(f"smarthall: no lesson {exc.args[0]!r} in {CATALOGUE}", file=sys.stderr)
        return 2
    except LessonFormatError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except (LessonError, SimStartError) as exc:
        print(f"smarthall: {exc}", file=sys.stderr)
        return 2
    return 0


async def run_lab(catalogue, args) -> None:
    from lessons.console.app import LabApp
    from lessons.sim_control import SimControl
    from simulators.line import SimOptions, SimulatedLine

    workspace = args.progress.parent / "workspace" / args.trainee
    with Progress(args.progress) as progress:
        if args.line is not None:
            async with EdgeAgent(load_line(args.line)) as agent:
                await LabApp(catalogue, agent, None, progress, args.trainee, workspace, args.lesson,
                             args.lang).run_async()
            return
        async with SimulatedLine(SimOptions()) as line, SimControl(line.control.endpoint_url) as sim:
            async with EdgeAgent(load_line(DEFAULT_LINE, line.line_overrides())) as agent:
                await LabApp(catalogue, agent, sim, progress, args.trainee, workspace, args.lesson,
                             args.lang).run_async()
