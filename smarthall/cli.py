"""The `smarthall` command: the one composition root of Smart Hall.

Subcommands wire the packages together; every expected failure (a bad
profile, a busy port) ends with one clear line on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys

from . import logs
from .texts import say

EXIT_USAGE = 2
EXIT_INTERNAL = 1
# Each command: the module that registers it (its add_commands(sub, add_lang)) and its line in `smarthall --help`.
# Only the chosen command's module is imported: `smarthall read` through an agent loads argparse and the client,
# not the lab, the lessons or the line's loader.
COMMANDS: dict[str, tuple[str, str]] = {
    "profile": ("smarthall.profile_commands", "device profiles (register and node maps): list, show"),
    "sim": (__name__, "run the simulated line on loopback until Ctrl-C"),
    "commission": ("smarthall.commission_command",
                   "probe every device of a line file and report what is wrong (Markdown too; exit 1 on problems)"),
    "edge": ("smarthall.edge_commands", "the edge agent"),
    "tags": ("smarthall.edge_commands", "list the line's tags"),
    "read": ("smarthall.edge_commands", "read tags from the line now"),
    "write": ("smarthall.edge_commands", "write a value to a tag (checked against the profile first)"),
    "call": ("smarthall.edge_commands", "call a device's method (OPC UA), e.g. `call process.StartBatch 120 600`"),
    "watch": ("smarthall.edge_commands", "print tag values live, with quality, until Ctrl-C"),
    "history": ("smarthall.edge_commands", "a tag's recorded history"),
    "alarms": ("smarthall.edge_commands",
               "alarm states; `alarms ack ID` acknowledges one, `alarms load FILE` adds a file's alarms to the line"),
    "inspect": ("smarthall.inspect_commands",
                "the camera inspection station: inspect a live source, calibrate, evaluate against the simulator"),
    "lesson": ("smarthall.lesson_commands", "lab lessons: list, validate, check-all"),
    "lab": ("smarthall.lab_command", "the instructor console on the simulated line (or --line for a real one)"),
    "users": ("smarthall.users_command", "the users file: who may read, write and operate"),
    "centre": ("smarthall.centre.command", "the control centre: every line on the broker (Sparkplug B host)"),
    "panel": ("smarthall.panel.command", "a station's panel (HMI) for trainees, on the running agent (--serve: browsers)"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(_chosen(argv)).parse_args(argv)
    args.log_path = logs.setup(args.debug)  # library logs go to this file, not over what we print
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `smarthall tags | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            said = exc.say(args.lang) if hasattr(exc, "say") else exc  # a refusal the edge words in ko and en
            print(f"smarthall: {said}", file=sys.stderr)
            return EXIT_USAGE
        # a bug: one line here, the traceback in the log file (and on stderr with --debug)
        logging.getLogger("smarthall").exception("unexpected error")
        print(f"smarthall: {say('internal_error', args.lang, error=f'{type(exc).__name__}: {exc}', log=args.log_path)}",
              file=sys.stderr)
        return EXIT_INTERNAL


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def _user_errors() -> tuple[type[Exception], ...]:
    """The mistakes a user can fix, each printed as one line (imported only once something went wrong)."""
    from smarthall.devices.errors import DriverError
    from smarthall.devices.profiles import ProfileError
    from smarthall.edge.errors import EdgeError

    from .edge_commands import CommandError

    return ProfileError, EdgeError, DriverError, CommandError, UserError


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints on one line (the usage is behind --help)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """The whole command line, with the chosen command's arguments; the others are named with their help only."""
    parser = _Parser(prog="smarthall", description=say("prog", "en"), epilog=say("log_epilog", "en", log=logs.default_path()))
    parser.add_argument("--debug", action="store_true", help="also show library logs and tracebacks on stderr")
    _add_lang(parser, _default_lang())
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    if chosen is not None:
        importlib.import_module(COMMANDS[chosen][0]).add_commands(sub, _add_lang)
    for name, (_, help_text) in COMMANDS.items():
        if name in sub.choices:
            sub.choices[name].description = sub.choices[name].description or help_text
        else:
            sub.add_parser(name, help=help_text)
    return parser


def _chosen(argv: list[str]) -> str | None:
    """The command argv names: its first word that is neither a global option nor --lang's value."""
    words = iter(argv)
    for word in words:
        if word == "--":
            word = next(words, "")
        elif word.startswith("-"):
            if len(word) > 2 and "--lang".startswith(word):
                next(words, None)
            continue
        return word if word in COMMANDS else None
    return None


def add_commands(sub, add_lang) -> None:
    """Register `sim`, the command this module runs itself (its modules imported only then: they import asyncio)."""
    from . import device_sim
    from .sim_options import add_sim_options

    sim = sub.add_parser("sim")
    add_lang(sim, argparse.SUPPRESS)
    add_sim_options(sim)
    sim.add_argument("--device", action="append", type=device_sim.device_spec, metavar="PROFILE[:N]",
                     help="serve a simulated twin of this profile instead of the line (repeatable); N is its port"
                          " (Modbus TCP, OPC UA; default a free one) or its unit id (Modbus RTU, on a pty)")
    sim.set_defaults(run=_sim)


def _add_lang(parser: argparse.ArgumentParser, default: str) -> None:
    """--lang before or after the subcommand; the subcommand's does not reset the global one."""
    parser.add_argument("--lang", choices=("ko", "en"), default=default,
                        help="language of what is printed (default from LANG)")


def _default_lang() -> str:
    return "ko" if os.environ.get("LANG", "").startswith("ko") else "en"


def _sim(args) -> int:
    import asyncio
    import signal

    from smarthall.simulators.device import TwinError
    from smarthall.simulators.line import SimStartError, SimulatedLine

    from . import device_sim, event_loop
    from .sim_options import sim_options

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
        event_loop.run(run())  # timers that wake when due: the pacer's ticks
    except SimStartError as exc:
        raise UserError(str(exc)) from None
    return 0
