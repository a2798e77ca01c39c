"""`smarthall lab --classroom FILE`: what the classroom file describes, started, and the console over it.

Simulated lines: one simulated line per team on free ports, its sim control, its edge agent (history and
fieldbus link of its own) and its edge service with the team's lesson run; where each listens is printed
before the console starts, so each team's panel can connect. The classroom's own Mosquitto (when installed)
takes every team's line as a Sparkplug B edge node (group "classroom", the team's name as node id), so
`smarthall centre` shows them all; the console's ready note says how to open it. A shared line: one edge on
that line file, every team's run on its service.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from smarthall.edge.config import DEFAULT_LINE, data_folder, load_line
from smarthall.edge.users import Role
from smarthall.lessons.classroom import Classroom, ClassroomSpec, Seat, load_classroom
from smarthall.lessons.console.shelf import Shelf
from smarthall.lessons.progress import Progress, workspace_folder

from .classroom_broker import ClassroomBroker, find
from .edge_commands import service_where
from .lesson_commands import simulated_ground_truth
from .texts import say

GROUP = "classroom"  # the Sparkplug group of a classroom's simulated lines


def read_classroom(path: Path, shelf: Shelf) -> ClassroomSpec:
    """The classroom file checked against the lessons on the shelf and its line's users and stations."""
    lessons = {lesson.id for lesson in shelf.catalogue.lessons}
    config = load_line(load_classroom(path, lessons).line or DEFAULT_LINE)  # the line first: its users, stations
    return load_classroom(path, lessons, config.users, [c.name for c in config.connections])


@contextlib.asynccontextmanager
async def classroom_lab(spec: ClassroomSpec, shelf: Shelf, progress: Path, lang: str = "en", options=None,
                        folder: Path | None = None, show: Callable[[str], None] = print) -> AsyncIterator:
    """The console (not yet running) over every team's line, each line started and its endpoints shown."""
    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.service import Service
    from smarthall.lessons.console.app import LabApp
    from smarthall.lessons.console.live import LiveLine
    from smarthall.lessons.line_lessons import LineLessons
    from smarthall.lessons.sim_control import SimControl
    from smarthall.lessons.team_run import TeamRun
    from smarthall.simulators.line import SimOptions, SimulatedLine
    from smarthall.simulators.options import FREE_PORTS

    from .lab_command import _sim_methods

    folder = folder or data_folder() / "classroom"
    lesson = shelf.catalogue.lesson(spec.lesson)
    async with contextlib.AsyncExitStack() as stack:
        store = stack.enter_context(Progress(progress))
        seats: list[Seat] = []
        lines: list[LiveLine] = []  # each line as the console reads it (the first team's is shown)
        broker, commander = None, None

        def team_run(team, session: asyncio.Future, sim) -> TeamRun:  # the run reaches its line through its service
            return TeamRun(lambda: session, sim, store, workspace_folder(progress) / team.name, team=team.name,
                           trainees=team.trainees, ground_truth=simulated_ground_truth)

        if spec.simulated:
            if find() is None:
                show(say("classroom_no_broker", lang))
            else:
                broker = await stack.enter_async_context(ClassroomBroker(folder / "broker", [t.name for t in spec.teams]))
                commander = _first_instructor(load_line(DEFAULT_LINE).users)
                show(say("classroom_centre", lang, command=broker.centre_command()))
            for team in spec.teams:
                here = folder / team.name
                here.mkdir(parents=True, exist_ok=True)
                line = await stack.enter_async_context(SimulatedLine(dataclasses.replace(
                    options or SimOptions(), **FREE_PORTS, fieldbus_link=str(here / "fieldbus"))))
                sim = await stack.enter_async_context(SimControl(line.control.endpoint_url))
                config = load_line(DEFAULT_LINE, {**line.line_overrides(), "northbound": {"enabled": False},
                                                  "historian": {"path": str(here / "history.db")}},
                                   None if broker is None else {"mqtt": _on_broker(broker, team.name, commander)})
                agent = EdgeAgent(config)
                await agent.start(serve=True)  # serving: publishing to the classroom's broker
                stack.push_async_callback(agent.close)
                session = asyncio.get_running_loop().create_future()
                run = team_run(team, session, sim)
                service = await stack.enter_async_context(Service(agent, config.users, _sim_methods(sim),
                                                                  config.listen, lessons=LineLessons([run])))
                session.set_result(await stack.enter_async_context(service.session()))
                lines.append(LiveLine(config, service.session))
                ports = {name: station.port for name, station in line.stations.items()}
                seats.append(Seat(run, agent, sim, service_where(service), ports))
                show(say("classroom_line", lang, team=team.name, ports=_ports(line), where=seats[-1].where))
        else:
            config = load_line(spec.line)
            agent = await stack.enter_async_context(EdgeAgent(config))
            session = asyncio.get_running_loop().create_future()
            runs = [team_run(team, session, None) for team in spec.teams]
            service = await stack.enter_async_context(Service(agent, config.users, None, config.listen,
                                                              lessons=LineLessons(runs)))
            session.set_result(await stack.enter_async_context(service.session()))
            lines.append(LiveLine(config, service.session))
            seats = [Seat(run, agent, None, service_where(service)) for run in runs]
            show(say("classroom_shared", lang, line=spec.line, where=service_where(service)))
        classroom = Classroom(spec, lesson, seats, centre=broker)
        first = seats[0]
        app = LabApp(shelf.catalogue, lines[0], first.sim, store, "instructor", workspace_folder(progress),
                     lang=lang, broken=shelf.broken, team_run=first.run, classroom=classroom)
        if broker is not None:
            app.ready_note = say("classroom_centre", lang, command=broker.centre_command())
        classroom.start()
        try:
            yield app
        finally:
            await classroom.close()


def _on_broker(broker: ClassroomBroker, team: str, commander: str | None) -> dict:
    """The [mqtt] table of a team's simulated line: a Sparkplug edge node named after the team on the classroom's
    broker; the centre's commands (alarm acknowledgements) are made as commander."""
    return {"broker": broker.url, "group_id": GROUP, "edge_node_id": team, "username": team,
            "password_file": str(broker.password_file(team)), **({"command_user": commander} if commander else {})}


def _first_instructor(users) -> str | None:
    """The users file's first instructor, whom the centre's commands are made as; None without one."""
    return next((name for name in (users.names if users else ()) if users.user(name).role is Role.INSTRUCTOR), None)


def _ports(line) -> str:
    stations = ", ".join(f"{name} {station.port}" for name, station in line.stations.items())
    return f"{stations}, process {line.process.endpoint_url}, sim control {line.control.endpoint_url}"
