"""The `smarthall` command: the one composition root of Smart Hall.

Subcommands wire the packages together; every expected failure (a bad
profile, a busy port) ends with one clear line on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys

from smarthall.devices.errors import DriverError
from smarthall.devices.profiles import ProfileError
from smarthall.edge.alarms import AlarmError
from smarthall.edge.config import LineConfigError
from smarthall.edge.errors import EdgeError
from smarthall.edge.historian import HistorianError

from . import (
    device_sim,
    edge_commands,
    inspect_commands,
    lab_command,
    lesson_commands,
    logs,
    profile_commands,
    users_command,
)
from .centre import command as centre_command
from .sim_options import add_sim_options, sim_options
from .texts import say

EXIT_USAGE = 2
EXIT_INTERNAL = 1
USER_ERRORS = (ProfileError, LineConfigError, edge_commands.CommandError, EdgeError, DriverError,
               HistorianError, AlarmError)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.log_path = logs.setup(args.debug)  # library logs go to this file, not over what we print
    try:
        return args.run(args)
    except (*USER_ERRORS, UserError) as exc:
        print(f"smarthall: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `smarthall tags | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line here, the traceback in the log file (and on stderr with --debug)
        logging.getLogger("smarthall").exception("unexpected error")
        print(f"smarthall: {say('internal_error', args.lang, error=f'{type(exc).__name__}: {exc}', log=args.log_path)}",
              file=sys.stderr)
        return EXIT_INTERNAL


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints on one line (the usage is behind --help)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="smarthall", description=say("prog", "en"), epilog=say("log_epilog", "en", log=logs.default_path()))
    parser.add_argument("--debug", action="store_true", help="also show library logs and tracebacks on stderr")
    _add_lang(parser, _default_lang())
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    profile_commands.add_commands(sub, _add_lang)

    sim = sub.add_parser("sim", help="run the simulated line on loopback until Ctrl-C")
    _add_lang(sim, argparse.SUPPRESS)
    add_sim_options(sim)
    sim.add_argument("--device", action="append", type=device_sim.device_spec, metavar="PROFILE[:N]",
                     help="serve a simulated twin of this profile instead of the line (repeatable); N is its port"
                          " (Modbus TCP, OPC UA; default a free one) or its unit id (Modbus RTU, on a pty)")
    sim.set_defaults(run=_sim)
    edge_commands.add_commands(sub, _add_lang)
    inspect_commands.add_commands(sub, _add_lang)
    lesson_commands.add_commands(sub, _add_lang)
    lab_command.add_commands(sub, _add_lang)
    users_command.add_commands(sub, _add_lang)
    centre_command.add_commands(sub, _add_lang)
    return parser


def _add_lang(parser: argparse.ArgumentParser, default: str) -> None:
    """--lang before or after the subcommand; the subcommand's does not reset the global one."""
    parser.add_argument("--lang", choices=("ko", "en"), default=default,
                        help="language of what is printed (default from LANG)")


def _default_lang() -> str:
    return "ko" if os.environ.get("LANG", "").startswith("ko") else "en"


def _sim(args) -> int:
    from smarthall.simulators.device import TwinError
    from smarthall.simulators.line import SimStartError, SimulatedLine

    if args.device:
        try:
            device_sim.run(args.device, args.host, args.seed, args.lang)
        except TwinError as exc:
            raise UserError(str(exc)) from None
        return 0
    options = sim_options(args)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with SimulatedLine(options) as line:
            gc.freeze()  # the address spaces and plant live as long as the process: full collections skip them
            print(say("sim_started", args.lang, seed=options.seed, scale=options.time_scale))
            for endpoint in line.endpoints:
                print(f"  {endpoint.name:32} {endpoint.address}")
            print(say("sim_stop_hint", args.lang), flush=True)
            await stop.wait()
        print(say("sim_stopped", args.lang))

    try:
        asyncio.run(run())
    except SimStartError as exc:
        raise UserError(str(exc)) from None
    return 0
