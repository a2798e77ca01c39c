"""How many classroom teams, each with its own simulated line, one machine holds in real time.

Each team is one process, as `smarthall lab --classroom` would run a line: its simulated line (stations
at a 10 ms tick), its edge agent at lines/sim.toml's scan rates (vision included), its edge service,
and one client reading like a station panel (the panel's tags every 100 ms over the service). For a
rising number of teams, all at once, it prints per level: the plant's tick overrun rate, the edge's
scan jitter p99 (the worst scan group), the panel's update latency (from when a refresh was due to its
answer: median of the teams' p50 and p99, and the worst p99) and each team process's CPU (all its
threads: getrusage RUSAGE_SELF sums them on Linux, plus any children it waited for) as % of one core;
then each team process's CPU by thread kind (the event loop that runs the line, edge and panel; the
camera driver; workers ("asyncio": the simulated camera drawing and JPEG-encoding its frames, the edge
inspecting a part's frame); "other": native threads such as OpenCV's and FFmpeg's, and threads that ended);
a level holds when every team has overruns < 1%, jitter p99 <= 10 ms, refresh p99 <= 150 ms and no part
uninspected. The baseline is the first level of the same run.

Every team starts, warms up (every connection answering) and says so; only once all of them are ready
does the parent tell them to measure, so the teams measure the same seconds (a team that measured while
the others were still starting measured a quieter machine). A team process that has not exited 60 s
after measuring, or not ready within START_S, is asked for its asyncio tasks' and threads' stacks
(SIGUSR2, faulthandler on SIGUSR1), which are printed, and killed.

    python benchmarks/classroom_scale.py [--levels 1,4,8,12] [--seconds 20] [--running]

An idle line (the default) stands: belt stopped, no parts. With --running every team's belt runs in auto mode
and its feeder pushes a part every 2 s (a class at work: parts rendered, inspected, sorted), and each level
also says how many parts passed a camera uninspected (the PLC rejected them fail-safe), which must be none.

Not a test: it prints numbers. The machine is shared with other work: read the ratios to the first level.

Measured (2 shared cores; one run each; columns: overrun % max, jitter p99 ms max, refresh p50 / p99 ms
median over the teams, CPU % of a core per team, median):

    teams  quiet machine (load 2.2 at start, 10 s)     loaded (load 5-10, 15 s)
        1  yes   0.2    6.3     2.2 /    4.0  31       no  20.7   36.0    10.3 /   247.7  24
        4  no   10.0   41.7     3.1 /   76.2  24       no  69.9  216.5  4741.4 /  5880.8  11
        8  no   57.1  139.9   251.2 / 1631.0  15       no  64.7  792.0  1410.8 /  4660.4  11  (1 hung)
       12  no   71.0  355.2  1371.3 / 3467.3  11       no  91.0  474.6  9210.2 / 12281.7   6  (1 hung)

One team holds on a quiet machine; at 4 the panel still refreshes in time (p99 76 ms) but 10% of the
plant's 10 ms ticks overrun; from 8 the refreshes fall seconds behind. A team costs about a third of a
core alone, so 2 cores hold about 6 at best: the aim of 8 needs the line and edge cheaper per team.
CPU per team falls as teams are added because the cores are full (each gets less). Why a team process
"did not exit" (the last session's run): it never got to exit. Its stacks show the team's client
waiting for the answer to a read over the edge service (the warm-up read at 12 teams, a measuring
read at 8, both under load) with no request handler pending in the service: a read that is never
answered, not a close that hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import json
import os
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from smarthall import event_loop

PANEL_TAGS = ["conveyor.speed_actual", "conveyor.motor_running", "conveyor.parts_good", "conveyor.parts_rejected",
              "conveyor.estop_ok", "feeder.magazine_count", "process.temperature", "process.setpoint"]
REFRESH_S = 0.1
RUNNING = [("conveyor", "motor_run", True), ("feeder", "auto_feed", True)]  # --running: a part every 2 s
LIMITS = {"overrun_pct": 1.0, "jitter_p99_ms": 10.0, "refresh_p99_ms": 150.0}
EXIT_S = 60.0  # a team process still running this long after measuring is shown with its stacks, then killed
START_S = 240.0  # every team ready (its line, edge and client up) within this long, or the level failed to start


async def team(folder: Path, seconds: float, running: bool) -> dict:
    """One team's line, edge, service and panel-like client for `seconds`; what they measured."""
    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.client import Client
    from smarthall.edge.config import DEFAULT_LINE, load_line
    from smarthall.edge.service import Service
    from smarthall.simulators.line import SimOptions, SimulatedLine
    from smarthall.simulators.options import FREE_PORTS

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR2, _print_tasks)
    options = SimOptions(**FREE_PORTS, fieldbus_link=str(folder / "fieldbus"))
    async with SimulatedLine(options) as line:
        config = load_line(DEFAULT_LINE, {**line.line_overrides(), "northbound": {"port": 0},
                                          "historian": {"path": str(folder / "history.db")}})
        async with EdgeAgent(config) as agent, Service(agent, config.users) as service, \
                await Client.connect_unix(service.socket) as panel:
            await panel.read(PANEL_TAGS)  # warm: every connection up
            if running:
                for station, point, value in RUNNING:
                    line.plant.write(station, point, value)
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)  # every team ready: measure together
            for scanner in agent.scanners.values():
                for stats in scanner.stats.values():
                    stats.jitter_s.clear()
            ticks, overruns = line.pacer.stats.ticks, line.pacer.stats.overruns
            uninspected = line.plant.read("conveyor", "parts_uninspected")
            cpu0, threads0, wall0 = _cpu(), _thread_cpu(), time.monotonic()
            refresh = []
            due = time.monotonic()
            while time.monotonic() - wall0 < seconds:
                await panel.read(PANEL_TAGS)
                refresh.append(time.monotonic() - due)
                due += REFRESH_S
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
            threads: dict[str, float] = {}
            for ident, (name, seconds_used) in _thread_cpu().items():
                threads[name] = threads.get(name, 0.0) + seconds_used - threads0.get(ident, (name, 0.0))[1]
            threads["other"] = max(0.0, cpu - sum(threads.values()))  # native threads (OpenCV's, FFmpeg's), ended ones
            ran = line.pacer.stats.ticks - ticks
            jitters = [stats.jitter_p99() for scanner in agent.scanners.values()
                       for stats in scanner.stats.values()]
            result = {"overrun_pct": 100 * (line.pacer.stats.overruns - overruns) / max(1, ran),
                      "jitter_p99_ms": 1000 * max(jitters, default=0.0), "refresh_p99_ms": 1000 * _p99(refresh),
                      "refresh_p50_ms": 1000 * statistics.median(refresh),
                      "uninspected": line.plant.read("conveyor", "parts_uninspected") - uninspected,
                      "cpu_pct": 100 * cpu / wall,
                      "threads_pct": {name: 100 * used / wall for name, used in threads.items()}}
            print(json.dumps(result), flush=True)  # before closing: the parent reads it as soon as it is measured
    return result


def _print_tasks() -> None:
    """Every asyncio task's stack to stderr (the parent asks with SIGUSR2 when a team hangs)."""
    for task in asyncio.all_tasks():
        print(f"Task {task.get_name()}:", file=sys.stderr)
        task.print_stack(file=sys.stderr)


def _line_by(proc: subprocess.Popen, deadline: float) -> str:
    """The team's next line, or "" when it has none by deadline (time.monotonic)."""
    readable, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    return proc.stdout.readline() if readable else ""


def _cpu() -> float:
    """CPU seconds of this process, every thread of it, and of its waited-for children."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                         resource.RUSAGE_CHILDREN)))


def _thread_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds of each live thread of this process by native id, with its kind: the name without numbers
    (the event loop is MainThread; the camera driver, asyncio's and AnyIO's workers have their own)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        kind = "loop" if thread is threading.main_thread() else thread.name.split()[0].rstrip("_-0123456789")
        found[thread.native_id] = kind, (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return found


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else 0.0


def level(teams: int, seconds: float, running: bool) -> list[dict]:
    """`teams` team processes at once, measuring the same seconds; each one's numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for index in range(teams):
            folder = Path(tmp) / f"team{index + 1}"
            folder.mkdir()
            with (folder / "stderr").open("wb") as stderr:
                procs.append(subprocess.Popen(
                    [sys.executable, __file__, "--team", str(folder), "--seconds", str(seconds),
                     *(["--running"] if running else [])],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True))
        started = time.monotonic()
        ready = [_line_by(proc, started + START_S).strip() == "ready" for proc in procs]
        for proc in procs:
            with contextlib.suppress(BrokenPipeError):  # a team that failed to start has gone
                proc.stdin.write("go\n")
                proc.stdin.flush()
        measured = time.monotonic() + seconds + EXIT_S
        results = []
        for proc, up in zip(procs, ready):
            line = _line_by(proc, measured) if up else ""  # the team's numbers, printed once measured
            results.append(json.loads(line) if line.strip() else {"failed": "started" if up else "not started"})
        for index, (proc, result) in enumerate(zip(procs, results)):
            try:
                proc.wait(0 if "failed" in result else EXIT_S)
            except subprocess.TimeoutExpired:
                result["hung"] = result.get("failed", "on close")
                proc.send_signal(signal.SIGUSR2)  # its asyncio tasks' stacks to its stderr file
                proc.send_signal(signal.SIGUSR1)  # and its threads'
                time.sleep(2)
                proc.kill()
                proc.wait()
                stacks = (Path(tmp) / f"team{index + 1}" / "stderr").read_text(errors="replace")
                print(f"team{index + 1} hung ({result['hung']}); its stacks:\n" + "\n".join(
                    line for line in stacks.splitlines() if line.startswith(("Task", "Stack", "Thread", "Current", "  File"))))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,4,8,12")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--running", action="store_true", help="every belt runs in auto mode, a part fed every 2 s")
    parser.add_argument("--team", type=Path, help=argparse.SUPPRESS)  # one team's process
    args = parser.parse_args()
    if args.team is not None:
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        event_loop.run(team(args.team, args.seconds, args.running))  # the loop `smarthall lab` runs
        return
    print(f"classroom_scale: {args.seconds:g} s per level; limits {LIMITS}; machine shared with other work "
          f"(load {os.getloadavg()[0]:.1f} at the start)")
    print(f"{'teams':>5} {'holds':>5} {'overrun % max':>13} {'jitter p99 ms max':>17} {'refresh p50 ms med':>18}"
          f" {'refresh p99 ms med':>18} {'refresh p99 ms max':>18} {'CPU %/team med':>14}")
    for teams in (int(n) for n in args.levels.split(",")):
        results = level(teams, args.seconds, args.running)
        good = [r for r in results if "failed" not in r]
        worst = {key: max((r[key] for r in good), default=float("nan")) for key in LIMITS}
        median = {key: statistics.median(r[key] for r in good) if good else float("nan")
                  for key in ("refresh_p50_ms", "refresh_p99_ms", "cpu_pct")}
        holds = len(good) == teams and worst["overrun_pct"] < LIMITS["overrun_pct"] and all(
            worst[key] <= LIMITS[key] for key in ("jitter_p99_ms", "refresh_p99_ms")) and not any(
            r["uninspected"] for r in good)
        print(f"{teams:>5} {'yes' if holds else 'no':>5} {worst['overrun_pct']:>13.2f} {worst['jitter_p99_ms']:>17.1f}"
              f" {median['refresh_p50_ms']:>18.1f} {median['refresh_p99_ms']:>18.1f} {worst['refresh_p99_ms']:>18.1f}"
              f" {median['cpu_pct']:>14.0f}" + ("" if len(good) == teams else f"  ({teams - len(good)} team(s) failed)")
              + (f"  ({hung} team process(es) hung, their stacks above)"
                 if (hung := sum("hung" in r for r in results)) else "")
              + (f"  ({sum(r['uninspected'] for r in good)} part(s) uninspected)" if args.running else ""), flush=True)
        for index, result in enumerate(results, 1):
            if "failed" not in result:
                parts = ", ".join(f"{name} {pct:.0f}" for name, pct in sorted(result["threads_pct"].items(),
                                                                               key=lambda item: -item[1]))
                print(f"{'':>11}team{index} process CPU {result['cpu_pct']:.0f}% of a core (its threads: {parts})")

if __name__ == "__main__":
    main()
