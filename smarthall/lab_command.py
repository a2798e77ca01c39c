"""`smarthall lab [--line FILE] [--lesson ID] [--trainee NAME]` and `smarthall lab report [--csv|--md]`.

Without --line: the simulated line (default ports, or --feeder-port and the
others; --time-scale), sim control, the edge agent on lines/sim.toml and the console, all in
this process. With --line: a real line, no simulator, no fault panel. A
broken lesson is listed in the console with its problems; the others work.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.edge.config import DEFAULT_LINE, default_history_path, load_line
from smarthall.lessons.console.shelf import Shelf, load_shelf
from smarthall.lessons.console.texts import t
from smarthall.lessons.errors import LessonError
from smarthall.lessons.loader import CATALOGUE
from smarthall.lessons.progress import (
    Progress,
    default_progress_path,
    report_csv,
    report_markdown,
    workspace_folder,
)

from . import event_loop, logs
from .arg_types import file_path
from .edge_commands import service_where
from .lab_line import SimWhenStarted, Started, StartingLine
from .lesson_commands import guarded, simulated_faults, simulated_ground_truth
from .sim_options import add_sim_options, sim_options
from .texts import say

if TYPE_CHECKING:
    from smarthall.lessons.console.app import LabApp
    from smarthall.simulators.errors import SimStartError
    from smarthall.simulators.options import SimOptions



def add_commands(sub, add_lang) -> None:
    lab = sub.add_parser("lab", epilog=say("log_epilog", "en", log=logs.default_path()),
                         formatter_class=argparse.RawDescriptionHelpFormatter)  # the path unbroken
    add_lang(lab, argparse.SUPPRESS)
    lab.add_argument("--line", type=Path, default=None, help="a real line's configuration (no simulator)")
    lab.add_argument("--lesson", metavar="ID", help="open this lesson directly")
    lab.add_argument("--classroom", type=Path, default=None, metavar="FILE",
                     help="a classroom file: its teams' lines started (one simulated line each, or a shared line) and"
                          " every team shown in one view")
    lab.add_argument("--catalogue", type=Path, action="append", default=[], metavar="DIR",
                     help="an own catalogue (a folder with info.toml) after the built-in one and the per-user lessons"
                          " folder (repeatable)")
    lab.add_argument("--trainee", default=_user(), help="trainee or station team the progress is stored for")
    lab.add_argument("--progress", type=file_path, default=None,
                     help="progress database (SQLite; default: in the data folder, one per simulated port set or line)")
    lab.add_argument("--db", type=file_path, default=None,
                     help="history file (default: in the data folder, one per simulated port set or line)")
    # tests and benchmarks/startup.py: quit once the lesson list is drawn, or once the line's first values show
    lab.add_argument("--exit-when-ready", dest="exit_when", action="store_const", const="drawn", help=argparse.SUPPRESS)
    lab.add_argument("--exit-when-live", dest="exit_when", action="store_const", const="live", help=argparse.SUPPRESS)
    add_sim_options(lab, "simulated line: ")
    lab.set_defaults(run=_lab)
    actions = lab.add_subparsers(metavar="ACTION")
    report = actions.add_parser("report", help="each team's and trainee's steps (attempts, wrong answers, hints, time,"
                                                " late passes) and a score per lesson (CSV or Markdown)")
    add_lang(report, argparse.SUPPRESS)
    report.add_argument("--csv", dest="format", action="store_const", const="csv", default="md")
    report.add_argument("--md", dest="format", action="store_const", const="md")
    report.add_argument("--trainee", default=None, help="only this trainee")
    report.add_argument("--team", default=None, help="only this team")
    report.add_argument("--progress", type=file_path, default=None,
                        help="progress database (default: the lab's with the same --line or ports, before `report`)")
    report.set_defaults(run=_report)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (e.g. in a container)
        return "trainee"


def _report(args) -> int:
    with Progress(progress_path(args)) as progress:
        records = progress.records(args.trainee, args.team)
    steps_in = {lesson.id: len(lesson.steps) for lesson in load_shelf(catalogues([])).catalogue.lessons}
    report = report_csv if args.format == "csv" else report_markdown
    print(report(records, steps_in, args.lang), end="")
    return 0


def _lab(args) -> int:
    return guarded(_open_lab, args)


def _open_lab(args) -> int:
    from smarthall.simulators.errors import SimStartError

    shelves = catalogues(args.catalogue)
    shelf = load_shelf(shelves, load_line(args.line or DEFAULT_LINE), simulated_faults())
    if args.lesson and args.lesson not in {lesson.id for lesson in shelf.catalogue.lessons} | {
            broken.id for broken in shelf.broken}:
        raise LessonError(f"no lesson {args.lesson!r} in {', '.join(map(str, shelves))}")
    if args.classroom is not None:
        from .classroom_command import classroom_lab, read_classroom

        console = classroom_lab(read_classroom(args.classroom, shelf), shelf, progress_path(args), args.lang,
                                sim_options(args))
    else:
        console = lab(shelf, args.line, progress_path(args), args.trainee, args.lesson, args.lang, sim_options(args),
                      args.db)
    try:
        event_loop.run(_run(console, args.exit_when, getattr(args, "log_path", None)))
    except SimStartError as exc:
        print(f"smarthall: {busy_port(exc, args.lang)}", file=sys.stderr)
        return 2
    return 0


def progress_path(args) -> Path:
    """The lab's progress: --progress, else in the data folder one per line or port set, as the history is, so two
    labs side by side share none: progress.db on the simulated line's default ports, sim-<ports>-progress.db on
    another port set as asked (free ports: one per process, sim-free-<pid>-progress.db), <line name>-progress.db
    on a real line, classroom-<file name>-progress.db for a classroom."""
    import os

    from smarthall.simulators.options import default_ports

    if args.progress is not None:
        return args.progress
    if args.classroom is not None:
        return default_progress_path(f"classroom-{args.classroom.stem}")
    if args.line is not None:
        return default_progress_path(load_line(args.line).name)
    ports = [getattr(args, f"{name}_port") for name, _ in default_ports()]
    if ports == [port for _, port in default_ports()]:
        return default_progress_path()
    return default_progress_path(f"sim-free-{os.getpid()}" if 0 in ports else "sim-" + "-".join(map(str, ports)))


def own_lessons_folder() -> Path:
    """The per-user lessons folder: a catalogue (info.toml) there is opened after the built-in one."""
    return default_progress_path().parent / "lessons"


def catalogues(extra: list[Path]) -> list[Path]:
    """The catalogues lab opens, in order: the built-in one, the per-user folder's (if any), then each --catalogue."""
    found = [CATALOGUE]
    if (own_lessons_folder() / "info.toml").is_file():
        found.append(own_lessons_folder() / "info.toml")
    for path in extra:
        info = path / "info.toml" if path.is_dir() else path
        if not info.is_file():
            raise LessonError(f"--catalogue {path}: no info.toml there (a catalogue lists its lessons in info.toml)")
        found.append(info)
    return found


def busy_port(exc: SimStartError, lang: str) -> str:
    """A simulated line's start error said for `lab`: which option of lab picks another port."""
    if exc.busy_port is None:
        return str(exc)
    return t("port_busy", lang, what=exc.what, host=exc.host, port=exc.busy_port, flag=exc.flag)


async def _run(console, exit_when: str | None = None, log_path: Path | None = None) -> None:
    """Run the console; exit_when "drawn" or "live": quit once the lesson list is drawn or the line's first values
    came (headless when no terminal). A line that did not start ends the console, and its error is raised.

    Log records stay in the log file (log_path) and show as one line each in the console, never drawn over it.
    """
    async with console as app:
        app.freeze_gc_when_ready = True
        app.exit_when = exit_when
        app.log_path = log_path
        status = logs.StatusLine(lambda line: app.notify(line, severity="warning"))
        logging.getLogger().addHandler(status)
        if log_path is not None:
            app.call_later(app.notify, t("log_file", app.lang, path=log_path))
        try:
            await app.run_async(headless=exit_when is not None and not sys.stdout.isatty())
        finally:
            logging.getLogger().removeHandler(status)
        if app.starting is not None and app.starting.failure is not None:
            raise app.starting.failure


@contextlib.asynccontextmanager
async def lab(shelf: Shelf, line: Path | None, progress: Path, trainee: str, lesson: str | None = None,
              lang: str = "en", options: SimOptions | None = None, history: Path | None = None
              ) -> AsyncIterator[LabApp]:
    """The console (not yet running) on its line: the real one in `line`, else a simulated line here, started
    behind the console once it is drawn (smarthall.lab_line).

    The history (and the vision images beside it) goes to `history`, else the line file's historian path; the
    simulated line's is sim.db on the default ports and one file per other port set (`simulated_history`), so
    two labs side by side share no files."""
    from smarthall.lessons.console.app import LabApp
    from smarthall.lessons.console.live import LiveLine
    from smarthall.lessons.team_run import TeamRun

    workspace = workspace_folder(progress) / trainee
    with Progress(progress) as store:
        team_run = None

        async def start(stack: contextlib.AsyncExitStack) -> Started:
            return await _start_line(stack, line, options, history, team_run, lang)

        starting = StartingLine(start)
        try:
            live = LiveLine(load_line(line or DEFAULT_LINE), starting.session)  # its shape, known at once
            sim = None if line is not None else SimWhenStarted(starting)
            # the console and its lesson run reach the line through the client API only, over the line's service
            team_run = TeamRun(live.client, sim, store, workspace, recorder=trainee,
                               ground_truth=simulated_ground_truth)
            app = LabApp(shelf.catalogue, live, sim, store, trainee, workspace, lesson, lang, broken=shelf.broken,
                         team_run=team_run)
            app.starting = starting
            yield app
        finally:
            await starting.aclose()


async def _start_line(stack: contextlib.AsyncExitStack, line: Path | None, options: SimOptions | None,
                      history: Path | None, team_run, lang: str) -> Started:
    """The line `lab` shows, started into `stack`: the real one in `line`, else a simulated line with its sim
    control; the edge agent on it (serving OPC UA as its line file says) and the client-API service."""
    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.service import Service
    from smarthall.lessons.line_lessons import LineLessons
    from smarthall.lessons.sim_control import SimControl
    from smarthall.simulators.line import SimOptions, SimulatedLine

    sim = None
    if line is not None:
        config = load_line(line, None if history is None else {"historian": {"path": str(history.resolve())}})
    else:
        simulated = await stack.enter_async_context(SimulatedLine(options or SimOptions()))
        sim = await stack.enter_async_context(SimControl(simulated.control.endpoint_url))
        history = (history or simulated_history(simulated)).resolve()
        config = load_line(DEFAULT_LINE, {**simulated.line_overrides(), "historian": {"path": str(history)},
                                          **_northbound_port(simulated)})
    agent = EdgeAgent(config)
    await agent.start(serve=True)  # as `edge run`: the northbound OPC UA server when the line file has one
    stack.push_async_callback(agent.close)
    service = await stack.enter_async_context(Service(agent, config.users, _sim_methods(sim), config.listen,
                                                      lessons=LineLessons([team_run])))
    note = say("lab_sign_in", lang, where=service_where(service))
    if agent.northbound is not None:
        note += " " + say("lab_northbound", lang, url=agent.northbound.endpoint_url)
    return Started(service, sim, note)


def _ports(simulated) -> tuple[tuple[int, ...], bool]:
    """The ports a simulated line listens on, and whether they are the default port set."""
    from urllib.parse import urlsplit

    from smarthall.simulators.line import SimOptions

    default = SimOptions()
    ports = (simulated.stations["feeder"].port, simulated.stations["conveyor"].port,
             *(urlsplit(url).port for url in (simulated.process.endpoint_url, simulated.control.endpoint_url,
                                              simulated.camera.url)))
    wanted = (default.feeder_port, default.conveyor_port, default.process_port, default.control_port, default.camera_port)
    return ports, ports == wanted


def simulated_history(simulated) -> Path:
    """The simulated line's history file: sim.db on the default ports, else sim-<ports>.db for the ports it listens on."""
    ports, default = _ports(simulated)
    return default_history_path("sim" if default else "sim-" + "-".join(map(str, ports)))


def _northbound_port(simulated) -> dict:
    """The northbound server's port with the simulated line's port set: the line file's (4850) with the default
    set, else a free one (printed), so two labs side by side never meet."""
    return {} if _ports(simulated)[1] else {"northbound": {"port": 0}}


def _sim_methods(sim) -> dict | None:
    """Sim control as the agent's client API offers it (to instructors: edge.users "sim")."""
    if sim is None:
        return None
    return {"InjectFault": sim.inject_fault, "ClearFaults": sim.clear_faults, "Reset": sim.reset,
            "LoadMagazine": sim.load_magazine, "SetTimeScale": sim.set_time_scale}
