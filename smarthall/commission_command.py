"""`smarthall commission --line FILE`: probe every device of a line, print the report and write it as Markdown.

Exit code 0 when nothing is wrong, 1 when the report names problems, 2 for a line file that cannot be used.
Run it before `edge run` (not beside it: the agent holds the serial ports).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from .arg_types import file_path
from .texts import say

EXIT_PROBLEMS = 1


def add_commands(sub, add_lang) -> None:
    command = sub.add_parser("commission")
    add_lang(command, argparse.SUPPRESS)
    command.add_argument("--line", type=Path, required=True, help="the line file to check")
    command.add_argument("--report", type=file_path, default=None,
                         help="where the Markdown report goes (default: <line file>-commission.md beside it)")
    command.set_defaults(run=_commission)


def _commission(args) -> int:
    from smarthall.edge.commission import commission, render
    from smarthall.edge.config import load_line

    line = load_line(args.line)
    results = asyncio.run(commission(line))
    print(render(line.name, results, args.lang))
    report = args.report or args.line.with_name(f"{args.line.stem}-commission.md")
    report.write_text(render(line.name, results, args.lang, markdown=True), encoding="utf-8")
    print(say("commission_written", args.lang, path=report))
    return EXIT_PROBLEMS if any(r.problems for r in results) else 0
