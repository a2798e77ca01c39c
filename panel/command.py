"""`smarthall panel [--station NAME] [--user NAME] [--agent HOST:PORT | --line FILE] [--serve [--port N]]`.

The panel is a client of the agent that runs the line (`smarthall lab` or `smarthall edge run`): on this
machine it finds it through the line file (default: the simulated line), on another through --agent (the
line file's ``[service] listen``). It signs in on its own screen (--user fills in the name;
SMARTHALL_PASSWORD skips the screen). ``--serve`` serves the same panel to browsers with textual-serve
(each browser gets its own panel process and signs in itself; the password in the environment is not
handed on). Textual and textual-serve are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys
from functools import partial
from pathlib import Path

import smarthall.lines

PASSWORD_ENV = "SMARTHALL_PASSWORD"
DEFAULT_LINE = Path(smarthall.lines.__file__).parent / "sim.toml"


def add_commands(sub, add_lang) -> None:
    panel = sub.add_parser("panel", help="a station's panel (HMI) for trainees, on the running agent")
    add_lang(panel, argparse.SUPPRESS)
    panel.add_argument("--station", default=None, help="the station (connection) to show (default: your team's)")
    panel.add_argument("--user", default="", help=f"the user to sign in as (password from ${PASSWORD_ENV}, else asked)")
    where = panel.add_mutually_exclusive_group()
    where.add_argument("--agent", metavar="HOST:PORT", type=_host_port, default=None, help="an agent on another machine ([service] listen)")
    where.add_argument("--line", type=Path, default=None, help="the line file of the agent on this machine "
                       "(default: the simulated line)")
    panel.add_argument("--db", type=Path, default=None, help="the line's history file, when the agent was given one")
    panel.add_argument("--serve", action="store_true", help="serve the panel to web browsers (textual-serve)")
    panel.add_argument("--host", default="127.0.0.1", help="with --serve: the address to listen on (default 127.0.0.1)")
    panel.add_argument("--port", type=int, default=8000, help="with --serve: the port (0 picks a free one; default 8000)")
    panel.add_argument("--public-url", default=None, help="with --serve: the address browsers use, if not host:port")
    panel.set_defaults(run=_run)


def _run(args) -> int:
    if args.serve:
        return _serve(args)
    from .app import PanelApp

    where = args.agent or str(args.line or DEFAULT_LINE)
    app = PanelApp(partial(connect, args.agent, args.line, args.db), where, args.station, args.user,
                   os.environ.get(PASSWORD_ENV) if args.user else None, args.lang)
    app.run()
    return 0


async def connect(agent: str | None, line: Path | None, db: Path | None, user: str, password: str):
    """A signed-in client of the agent at HOST:PORT, or of the agent serving the line file on this machine."""
    from smarthall.edge.client import Client, connect_line
    from smarthall.edge.errors import AgentUnavailable

    if agent is not None:
        host, _, port = agent.rpartition(":")
        return await Client.connect_tcp(host, int(port), user, password)
    line = line or DEFAULT_LINE
    client = await connect_line(line, db, user, password)
    if client is None:
        raise AgentUnavailable(f"no edge agent serves {line} (start `smarthall lab` or `smarthall edge run`)")
    return client


def _serve(args) -> int:
    from textual_serve.server import Server

    port = args.port or _free_port(args.host)
    command = [sys.executable, "-m", "smarthall", "--lang", args.lang, "panel"]
    for option in ("station", "user", "agent", "line", "db"):
        if value := getattr(args, option):
            command += [f"--{option}", str(value)]
    os.environ.pop(PASSWORD_ENV, None)  # every browser signs in itself
    server = Server(shlex.join(command), host=args.host, port=port, title="Smart Hall", public_url=args.public_url)
    server.serve()
    return 0


def _host_port(text: str) -> str:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (e.g. 192.168.0.10:4860), got {text!r}")
    return text


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
