"""The edge subcommands: edge run, tags, read, write, call, watch, history, alarms.

When an agent serves the line (`smarthall edge run`, `smarthall lab`) the commands are its clients
(edge.blocking for the one-shot commands, which then import no asyncio; edge.client for watch): the
one owner of the line answers, as the user the agent knows this process as
(its OS user) or, with --user, as a user of the line's users file. When none runs they open the
line themselves (and say so on stderr); without --line that is the simulated line
(lines/sim.toml), started in this same process when nothing answers.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import smarthall.lines
from smarthall.edge import blocking
from smarthall.edge.owner import busy, owner_of

from .arg_types import file_path, file_path_problem, whole
from .texts import say

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


if TYPE_CHECKING:
    import asyncio

    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.client import Client
    from smarthall.edge.config import LineConfig
    from smarthall.edge.tags import TagValue

T = TypeVar("T")

DEFAULT_LINE = Path(smarthall.lines.__file__).parent / "sim.toml"  # as edge.config.DEFAULT_LINE, without loading it
SIMULATED = "sim"  # the simulated line's name: a command starts it in-process when nothing answers


class CommandError(Exception):
    """A user mistake in an edge command; printed as one line."""


def add_commands(sub, add_lang) -> None:
    """Register the edge subcommands on the `smarthall` parser."""
    def command(name: str, run, under=sub, streams: bool = False, **help_text: str) -> argparse.ArgumentParser:
        """A subcommand; `streams`: `run` is a coroutine function (its own event loop), else a plain function."""
        parser = under.add_parser(name, **help_text)
        add_lang(parser, argparse.SUPPRESS)
        parser.add_argument("--line", type=Path, default=None, help="line configuration (default: the simulated line)")
        parser.add_argument("--db", type=file_path, default=None, help="history file (default from the line configuration)")
        if name != "run":
            parser.add_argument("--user", default=None, help="sign in to the running agent as this user of the line's "
                                "users file (password from SMARTHALL_PASSWORD or asked); default: your OS user")
            parser.add_argument("--agent", metavar="HOST:PORT", default=None,
                                help="an agent on another machine (its [service] listen), with --user")
        parser.set_defaults(run=(lambda args: _run_async(run(args))) if streams else (lambda args: run(args) or 0))
        return parser

    edge = sub.add_parser("edge")
    command("run", _edge_run, under=edge.add_subparsers(required=True, metavar="ACTION"), streams=True,
            help="scan the line, record history and alarms until Ctrl-C")

    command("tags", _tags)
    read = command("read", _read)
    read.add_argument("tags", nargs="+", metavar="TAG")
    write = command("write", _write)
    write.add_argument("tag")
    write.add_argument("value")
    call = command("call", _call)
    call.add_argument("method", metavar="DEVICE.METHOD")
    call.add_argument("args", nargs="*", metavar="ARG")
    watch = command("watch", _watch, streams=True)
    watch.add_argument("tags", nargs="+", metavar="TAG")
    watch.add_argument("--count", type=whole(1, 10**9), default=None, help="stop after this many values")
    history = command("history", _history)
    history.add_argument("tags", nargs="+", metavar="TAG")
    history.add_argument("--since", default="10m", help="how far back: 30s, 10m, 2h, 1d (default 10m)")
    history.add_argument("--bucket", default=None, help="min/max/avg per bucket of this length, e.g. 1m")
    history.add_argument("--csv", action="store_true", help="CSV on stdout")
    alarms = command("alarms", _alarms)
    alarms.add_argument("action", nargs="?", choices=("ack", "shelve", "unshelve", "load"))
    alarms.add_argument("alarm_id", nargs="?", metavar="ID|FILE", help="the alarm to ack, shelve or unshelve; for load,"
                        " a line file (or a file of [[alarms]] tables) whose alarms the running agent adds")
    alarms.add_argument("--comment", default="")


def _run_async(job: Coroutine[Any, Any, None]) -> int:
    from . import event_loop  # only the commands that stream pay for asyncio at start

    event_loop.run(job)
    return 0


def parse_duration(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise CommandError(f"duration {text!r}: expected a number and s, m, h or d, e.g. 10m")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise CommandError(f"duration {text!r}: expected more than 0, e.g. 10m")
    return seconds


def parse_value(text: str) -> bool | int | float:
    lowered = text.lower()
    if lowered in ("true", "on"):
        return True
    if lowered in ("false", "off"):
        return False
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise CommandError(f"value {text!r}: expected a number, true/false or on/off") from None
    if not math.isfinite(number):
        raise CommandError(f"value {text!r}: expected a finite number, true/false or on/off")
    return number


def _config(args) -> LineConfig:
    """The line file; --db moves its history and, with it, the vision images kept beside the history."""
    from smarthall.edge.config import load_line  # the whole line: only when no agent answers for it

    db = getattr(args, "db", None)
    return load_line(args.line or DEFAULT_LINE, None if db is None else {"historian": {"path": str(db.resolve())}})


def _history_path(args, config: LineConfig) -> Path:
    """The history file (--db is checked when parsed; the line file's path here)."""
    path = args.db or config.historian.path
    if problem := file_path_problem(path):
        raise CommandError(f"{args.line or DEFAULT_LINE}: historian.path {path}: {problem}")
    return path


def _existing_history(args, config: LineConfig) -> Path:
    """The history file of a line that has run, for the commands that only look at it."""
    path = _history_path(args, config)
    if not path.exists():
        raise CommandError(say("no_history", args.lang, db=path))
    return path


def format_value(value: TagValue, lang: str) -> str:
    shown = "-" if value.value is None else (f"{value.value:.6g}" if isinstance(value.value, float) else str(value.value))
    quality = value.quality.value + (f" ({value.reason})" if value.reason else "")
    stamp = datetime.fromtimestamp(value.timestamp).strftime("%H:%M:%S.%f")[:-3]
    return f"{stamp}  {value.tag:32} {shown:>12} {value.unit:6} {quality}"


@contextlib.asynccontextmanager
async def agent_session(args, scan: bool, tags: Iterable[str] = (), serve: bool = False) -> AsyncIterator[EdgeAgent]:
    """An edge agent on the line (serving it over OPC UA with serve); for the simulated line with nothing
    answering, the simulator too.

    Tag names are checked first, so a typo costs no connection.
    """
    from smarthall.edge.agent import EdgeAgent

    config = _config(args)
    for name in tags:
        config.tag(name)
    if (owner := owner_of(args.line or DEFAULT_LINE, _history_path(args, config))) is not None:
        raise busy(config.name, owner, _history_path(args, config))
    if not serve:
        print(say("no_agent_in_process", args.lang), file=sys.stderr)
    async with contextlib.AsyncExitStack() as stack:
        if config.name == SIMULATED and not _answers(config):  # lines/sim.toml, or a copy on other ports
            from smarthall.simulators.line import SimulatedLine

            from .sim_options import line_sim_options
            print(say("sim_in_process", args.lang), file=sys.stderr)
            await stack.enter_async_context(SimulatedLine(line_sim_options(config)))
        agent = EdgeAgent(config, _history_path(args, config))
        await agent.start(scan=scan, serve=serve)
        stack.push_async_callback(agent.close)
        yield agent


def _answers(config: LineConfig) -> bool:
    """Whether the line's first Modbus TCP station accepts a connection."""
    for connection in config.connections:
        if connection.profile.protocol == "modbus-tcp":
            with contextlib.suppress(OSError), socket.create_connection(
                    (connection.settings["host"], connection.settings["port"]), timeout=0.5):
                return True
            return False
    return True


async def _stop_on_signals() -> asyncio.Event:
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _edge_run(args) -> None:
    from smarthall.edge.service import Service

    stop = await _stop_on_signals()
    async with agent_session(args, scan=True, serve=True) as agent, \
            Service(agent, agent.config.users, listen=agent.config.listen) as service:
        print(say("edge_running", args.lang, tags=len(agent.config.tags),
                  connections=len(agent.config.connections), db=agent.history_path), flush=True)
        print(say("service_running", args.lang, where=service_where(service)), flush=True)
        if agent.northbound is not None:
            print(say("northbound_running", args.lang, url=agent.northbound.endpoint_url), flush=True)
        if (mqtt := agent.config.mqtt) is not None:
            print(say("sparkplug_running", args.lang, broker=f"{'mqtts' if mqtt.tls else 'mqtt'}://{mqtt.host}:{mqtt.port}",
                      group=mqtt.group_id, node=mqtt.edge_node_id, store=mqtt.store.path), flush=True)
        if (vision := agent.config.vision) is not None:
            print(say("vision_running", args.lang, source=vision.camera.source, recipe=vision.recipe.name,
                      path=vision.recipe.source, archive=vision.archive_path), flush=True)
        await stop.wait()
    print(say("edge_stopped", args.lang))


def service_where(service) -> str:
    """Where an agent's client API listens, as `edge run` and `lab` print it."""
    return f"unix:{service.socket}" + (f", tcp://{service.tcp[0]}:{service.tcp[1]}" if service.tcp else "")


@contextlib.contextmanager
def client_session(args) -> Iterator[blocking.BlockingClient | None]:
    """The running agent's client for a one-shot command (signed in as --user when given), or None when no agent
    serves the line: then the command opens the line itself (`in_process`)."""
    password = _password(args)
    if getattr(args, "agent", None):
        host, port = _agent_address(args.agent)
        client = blocking.BlockingClient.connect_tcp(host, port, args.user, password)
    else:
        client = blocking.connect_line(args.line or DEFAULT_LINE, args.db, args.user, password)
    if client is None:
        yield None
        return
    with client:
        yield client


@contextlib.asynccontextmanager
async def streaming_session(args) -> AsyncIterator[Client | None]:
    """As client_session, for a command that streams (edge.client)."""
    from smarthall.edge.client import Client, connect_line

    password = _password(args)
    if getattr(args, "agent", None):
        host, port = _agent_address(args.agent)
        client = await Client.connect_tcp(host, port, args.user, password)
    else:
        client = await connect_line(args.line or DEFAULT_LINE, args.db, args.user, password)
    if client is None:
        yield None
        return
    async with client:
        yield client


def _password(args) -> str | None:
    """--user's password: SMARTHALL_PASSWORD, or asked (None without --user: the OS user signs in)."""
    if not getattr(args, "user", None):
        return None
    password = os.environ.get("SMARTHALL_PASSWORD")
    if password is None:
        import getpass

        try:
            password = getpass.getpass(say("password_for", args.lang, user=args.user))
        except EOFError:  # nothing to read it from (stdin closed)
            raise CommandError(say("no_password", args.lang, user=args.user)) from None
    return password


def _agent_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--agent {text}: expected HOST:PORT, e.g. 192.168.0.10:4851")
    return host, int(port)


def in_process(args, job: Callable[[EdgeAgent], Awaitable[T]], scan: bool = False, tags: Iterable[str] = ()) -> T:
    """`job(agent)` on the line opened in this process (agent_session): no agent serves it."""
    import asyncio

    async def run() -> T:
        async with agent_session(args, scan=scan, tags=tags) as agent:
            return await job(agent)

    return asyncio.run(run())


def _log_user(args) -> str:
    """Who a command that opens the line itself writes as, in the write log."""
    import getpass

    return args.user or getpass.getuser()


def _tags(args) -> None:
    with client_session(args) as client:
        if client is not None:
            for tag in client.tags():
                rate = say("derived", args.lang) if tag["rate_ms"] is None else f"{tag['rate_ms']:g} ms"
                print(f"{tag['name']:32} {tag['layout']:18} {tag['access']:3} {tag['unit']:6} {rate:>9}  {tag[args.lang]}")
            return
    from smarthall.devices.profiles.table import layout  # the profiles' model: only when no agent answers

    config = _config(args)
    rates = {g.name: g.rate_s for g in config.groups}
    for tag in config.tags.values():
        point = tag.point
        rate = say("derived", args.lang) if tag.derived else f"{rates[tag.group] * 1000:g} ms"
        print(f"{tag.name:32} {layout(point):18} {point.access:3} {tag.unit:6} {rate:>9}  {point.text(args.lang)}")


def _read(args) -> None:
    with client_session(args) as client:
        if client is not None:
            values = client.read(args.tags, fresh=True)
        else:
            values = in_process(args, lambda agent: agent.read(args.tags), tags=args.tags)
    for value in values:
        print(format_value(value, args.lang))


def _write(args) -> None:
    value = parse_value(args.value)
    with client_session(args) as client:
        if client is not None:
            client.write(args.tag, value)
        else:
            in_process(args, lambda agent: agent.write(args.tag, value, user=_log_user(args)), tags=[args.tag])
    print(say("written", args.lang, tag=args.tag, value=value))


def _call(args) -> None:
    values = [parse_value(a) for a in args.args]
    with client_session(args) as client:
        if client is not None:
            result = client.call(args.method, values)
        else:
            _, _, method = _config(args).method(args.method)  # a typo or a bad argument costs no connection
            try:
                method.check(values, args.method)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            result = in_process(args, lambda agent: agent.call(args.method, values, user=_log_user(args)))
    print(say("called", args.lang, method=args.method, args=", ".join(map(str, values)),
              result="-" if result is None else result))


async def _watch(args) -> None:
    import asyncio

    stop = await _stop_on_signals()
    async with streaming_session(args) as client, contextlib.AsyncExitStack() as stack:
        if client is None:
            client = await stack.enter_async_context(agent_session(args, scan=True, tags=args.tags))

        async def show() -> None:
            async with contextlib.aclosing(client.watch(args.tags)) as updates:
                shown = 0
                async for value in updates:
                    print(format_value(value, args.lang), flush=True)
                    shown += 1
                    if shown == args.count:
                        return

        tasks = {asyncio.create_task(show()), asyncio.create_task(stop.wait())}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()


def _history(args) -> None:
    since = time.time() - parse_duration(args.since)
    bucket_s = parse_duration(args.bucket) if args.bucket else None
    with client_session(args) as client:
        if client is not None:
            if args.csv:
                sys.stdout.write(client.history_csv(args.tags, since))
            elif bucket_s:
                _print_buckets(client.buckets(args.tags, since, bucket_s))
            else:
                for value in client.history(args.tags, since):
                    print(format_value(value, args.lang))
            return
    from smarthall.edge.historian import Historian

    config = _config(args)
    for name in args.tags:
        config.tag(name)
    historian = Historian(_existing_history(args, config))
    try:
        if args.csv:
            historian.export_csv(args.tags, since, None, sys.stdout)
            return
        for name in args.tags:
            if bucket_s:
                _print_buckets([{"tag": name, **vars(b)} for b in historian.buckets(name, since, time.time(), bucket_s)])
            else:
                for value in historian.history(name, since):
                    print(format_value(value, args.lang))
    finally:
        historian.close()


def _print_buckets(buckets: list[dict]) -> None:
    for b in buckets:
        start = datetime.fromtimestamp(b["start"]).strftime("%H:%M:%S")
        print(f"{start}  {b['tag']:32} n={b['count']:<5} min={b['min']:.6g} max={b['max']:.6g} avg={b['avg']:.6g}")


def _alarms(args) -> None:
    if args.action == "load":
        return _load_alarms(args)
    if args.action and not args.alarm_id:
        raise CommandError(f"alarms {args.action}: which alarm? expected an alarm id, e.g. conveyor.estop")
    with client_session(args) as client:
        if client is not None:
            if args.action:
                client.alarm(args.action, args.alarm_id, args.comment)
                print(say("alarm_done", args.lang, action=args.action, alarm=args.alarm_id))
                return
            shown = [(a.since or 0, a.alarm_id, a.state.value, a.priority.value, a.spec.text_ko if args.lang == "ko"
                      else a.spec.text_en) for a in client.alarms() if a.state.value != "normal"]
            return _print_alarms(shown, args.lang)
    from smarthall.edge.historian import Historian

    config = _config(args)
    path = _existing_history(args, config)
    if args.action:
        raise CommandError(say("no_agent", args.lang, db=path))
    historian = Historian(path)
    try:
        latest = {}
        for event in historian.alarm_events():
            latest[event.alarm_id] = event
    finally:
        historian.close()
    # an alarm loaded into the agent while it ran (`alarms load`) is not in the line file: listed without its text
    texts = {a.id: (a.text_ko if args.lang == "ko" else a.text_en) for a in config.alarms}
    _print_alarms([(e.timestamp, e.alarm_id, e.state.value, e.priority.value, texts.get(e.alarm_id, ""))
                   for e in latest.values() if e.state.value != "normal"], args.lang)


def _load_alarms(args) -> None:
    """`alarms load FILE`: the file's [[alarms]] into the running agent (which checks them against its line's tags)."""
    if not args.alarm_id:
        raise CommandError(say("load_which", args.lang))
    path = Path(args.alarm_id)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "UTF-8"
        raise CommandError(say("alarms_unreadable", args.lang, path=path, reason=reason)) from None
    with client_session(args) as client:
        if client is None:
            raise CommandError(say("no_agent", args.lang, db=_history_path(args, _config(args))))
        loaded = client.load_alarms(text, str(path))
    print(say("alarms_loaded", args.lang, n=len(loaded), ids=", ".join(loaded)) if loaded else
          say("alarms_none_new", args.lang, path=path))


def _print_alarms(rows: list[tuple], lang: str) -> None:
    if not rows:
        print(say("no_alarms", lang))
    for stamp, alarm_id, state, priority, text in sorted(rows):
        print(f"{datetime.fromtimestamp(stamp):%Y-%m-%d %H:%M:%S}  {alarm_id:28} {state:24} {priority:7} {text}")
