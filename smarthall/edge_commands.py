"""The edge subcommands: edge run, tags, read, write, watch, history, alarms.

Without --line they use the simulated line (lines/sim.toml); when nothing
answers there, the simulated line is started in this same process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, LineConfig, load_line
from smarthall.edge.historian import Historian
from smarthall.edge.requests import RequestBox
from smarthall.edge.tags import TagValue

from .arg_types import file_path, file_path_problem, whole
from .texts import say

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class CommandError(Exception):
    """A user mistake in an edge command; printed as one line."""


def add_commands(sub, add_lang) -> None:
    """Register the edge subcommands on the `smarthall` parser."""
    def command(name: str, help_text: str, run, under=sub) -> argparse.ArgumentParser:
        parser = under.add_parser(name, help=help_text)
        add_lang(parser, argparse.SUPPRESS)
        parser.add_argument("--line", type=Path, default=None, help="line configuration (default: the simulated line)")
        parser.add_argument("--db", type=file_path, default=None, help="history file (default from the line configuration)")
        parser.set_defaults(run=lambda args: asyncio.run(run(args)) or 0)
        return parser

    edge = sub.add_parser("edge", help="the edge agent")
    command("run", "scan the line, record history and alarms until Ctrl-C", _edge_run,
            under=edge.add_subparsers(required=True, metavar="ACTION"))

    command("tags", "list the line's tags", _tags)
    read = command("read", "read tags from the line now", _read)
    read.add_argument("tags", nargs="+", metavar="TAG")
    write = command("write", "write a value to a tag (checked against the profile first)", _write)
    write.add_argument("tag")
    write.add_argument("value")
    write.add_argument("--user", default="cli")
    call = command("call", "call a device's method (OPC UA), e.g. `call process.StartBatch 120 600`", _call)
    call.add_argument("method", metavar="DEVICE.METHOD")
    call.add_argument("args", nargs="*", metavar="ARG")
    call.add_argument("--user", default="cli")
    watch = command("watch", "print tag values live, with quality, until Ctrl-C", _watch)
    watch.add_argument("tags", nargs="+", metavar="TAG")
    watch.add_argument("--count", type=whole(1, 10**9), default=None, help="stop after this many values")
    history = command("history", "a tag's recorded history", _history)
    history.add_argument("tags", nargs="+", metavar="TAG")
    history.add_argument("--since", default="10m", help="how far back: 30s, 10m, 2h, 1d (default 10m)")
    history.add_argument("--bucket", default=None, help="min/max/avg per bucket of this length, e.g. 1m")
    history.add_argument("--csv", action="store_true", help="CSV on stdout")
    alarms = command("alarms", "alarm states; `alarms ack ID` acknowledges one", _alarms)
    alarms.add_argument("action", nargs="?", choices=("ack", "shelve", "unshelve"))
    alarms.add_argument("alarm_id", nargs="?")
    alarms.add_argument("--comment", default="")
    alarms.add_argument("--user", default="cli")


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
    config = _config(args)
    for name in tags:
        config.tag(name)
    async with contextlib.AsyncExitStack() as stack:
        if args.line is None and not _answers(config):
            from smarthall.simulators.line import SimOptions, SimulatedLine
            link = config.connection("fieldbus").settings.get("link")
            print(say("sim_in_process", args.lang), file=sys.stderr)
            await stack.enter_async_context(SimulatedLine(SimOptions(fieldbus_link=link)))
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _edge_run(args) -> None:
    stop = await _stop_on_signals()
    async with agent_session(args, scan=True, serve=True) as agent:
        print(say("edge_running", args.lang, tags=len(agent.config.tags),
                  connections=len(agent.config.connections), db=agent.history_path), flush=True)
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


async def _tags(args) -> None:
    config = _config(args)
    rates = {g.name: g.rate_s for g in config.groups}
    for tag in config.tags.values():
        point = tag.point
        rate = say("derived", args.lang) if tag.derived else f"{rates[tag.group] * 1000:g} ms"
        print(f"{tag.name:32} {point.type.value:8} {point.access:3} {tag.unit:6} {rate:>9}  {point.text(args.lang)}")


async def _read(args) -> None:
    async with agent_session(args, scan=False, tags=args.tags) as agent:
        for value in await agent.read(args.tags):
            print(format_value(value, args.lang))


async def _write(args) -> None:
    value = parse_value(args.value)
    async with agent_session(args, scan=False, tags=[args.tag]) as agent:
        await agent.write(args.tag, value, user=args.user)
        print(say("written", args.lang, tag=args.tag, value=value))


async def _call(args) -> None:
    values = [parse_value(a) for a in args.args]
    _, _, method = _config(args).method(args.method)  # a typo or a bad argument costs no connection
    try:
        method.check(values, args.method)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    async with agent_session(args, scan=False) as agent:
        result = await agent.call(args.method, values, user=args.user)
        print(say("called", args.lang, method=args.method, args=", ".join(map(str, values)),
                  result="-" if result is None else result))


async def _watch(args) -> None:
    stop = await _stop_on_signals()
    async with agent_session(args, scan=True, tags=args.tags) as agent:
        async def show() -> None:
            async with contextlib.aclosing(agent.watch(args.tags)) as updates:
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


async def _history(args) -> None:
    config = _config(args)
    for name in args.tags:
        config.tag(name)
    since = time.time() - parse_duration(args.since)
    historian = Historian(_existing_history(args, config))
    try:
        if args.csv:
            historian.export_csv(args.tags, since, None, sys.stdout)
            return
        for name in args.tags:
            if args.bucket:
                for b in historian.buckets(name, since, time.time(), parse_duration(args.bucket)):
                    start = datetime.fromtimestamp(b.start).strftime("%H:%M:%S")
                    print(f"{start}  {name:32} n={b.count:<5} min={b.min:.6g} max={b.max:.6g} avg={b.avg:.6g}")
            else:
                for value in historian.history(name, since):
                    print(format_value(value, args.lang))
    finally:
        historian.close()


async def _alarms(args) -> None:
    config = _config(args)
    path = _existing_history(args, config)
    if args.action:
        if not args.alarm_id:
            raise CommandError(f"alarms {args.action}: which alarm? expected an alarm id, e.g. {config.alarms[0].id}")
        box = RequestBox(path)
        try:
            result = await box.wait(box.put(args.action, args.alarm_id, args.user, args.comment), timeout=5)
        finally:
            box.close()
        if result is None:
            raise CommandError(say("no_agent", args.lang, db=path))
        if result != "ok":
            raise CommandError(result)
        print(say("alarm_done", args.lang, action=args.action, alarm=args.alarm_id))
        return
    historian = Historian(path)
    try:
        latest = {}
        for event in historian.alarm_events():
            latest[event.alarm_id] = event
    finally:
        historian.close()
    texts = {a.id: (a.text_ko if args.lang == "ko" else a.text_en) for a in config.alarms}
    shown = [e for e in latest.values() if e.state.value != "normal"]
    if not shown:
        print(say("no_alarms", args.lang))
    for event in sorted(shown, key=lambda e: e.timestamp):
        stamp = datetime.fromtimestamp(event.timestamp).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp}  {event.alarm_id:28} {event.state.value:24} {event.priority.value:7} {texts.get(event.alarm_id, '')}")

