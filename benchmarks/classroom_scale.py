"""How many classroom teams, each with its own simulated line, one machine holds in real time.

Each team is one process, as `smarthall lab --classroom` would run a line: its simulated line (stations
at a 10 ms tick), its edge agent at lines/sim.toml's scan rates (vision included), its edge service,
and one client reading like a station panel (the panel's tags every 100 ms over the service). For a
rising number of teams, all at once, it prints per team: the plant's tick overrun rate, the edge's
scan jitter p99 (the worst scan group), the panel refresh p99 (from when a refresh was due to its
answer) and the process's CPU share; a level holds when every team has overruns < 1%, jitter p99
<= 10 ms and refresh p99 <= 150 ms. The baseline is the first level (one team) of the same run.

    python benchmarks/classroom_scale.py [--levels 1,2,4,8] [--seconds 20]

Not a test: it prints numbers. The machine is shared with other work: read the ratios to one team.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PANEL_TAGS = ["conveyor.speed_actual", "conveyor.motor_running", "conveyor.parts_good", "conveyor.parts_rejected",
              "conveyor.estop_ok", "feeder.magazine_count", "process.temperature", "process.setpoint"]
REFRESH_S = 0.1
LIMITS = {"overrun_pct": 1.0, "jitter_p99_ms": 10.0, "refresh_p99_ms": 150.0}


async def team(folder: Path, seconds: float) -> dict:
    """One team's line, edge, service and panel-like client for `seconds`; what they measured."""
    from smarthall.edge.agent import EdgeAgent
    from smarthall.edge.client import Client
    from smarthall.edge.config import DEFAULT_LINE, load_line
    from smarthall.edge.service import Service
    from smarthall.simulators.line import SimOptions, SimulatedLine

    options = SimOptions(feeder_port=0, conveyor_port=0, process_port=0, control_port=0, camera_port=0,
                         fieldbus_link=str(folder / "fieldbus"))
    async with SimulatedLine(options) as line:
        config = load_line(DEFAULT_LINE, {**line.line_overrides(), "northbound": {"port": 0},
                                          "historian": {"path": str(folder / "history.db")}})
        async with EdgeAgent(config) as agent, Service(agent, config.users) as service, \
                await Client.connect_unix(service.socket) as panel:
            await panel.read(PANEL_TAGS)  # warm: every connection up
            for scanner in agent.scanners.values():
                for stats in scanner.stats.values():
                    stats.jitter_s.clear()
            ticks, overruns = line.pacer.stats.ticks, line.pacer.stats.overruns
            cpu0, wall0 = _cpu(), time.monotonic()
            refresh = []
            due = time.monotonic()
            while time.monotonic() - wall0 < seconds:
                await panel.read(PANEL_TAGS)
                refresh.append(time.monotonic() - due)
                due += REFRESH_S
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
            ran = line.pacer.stats.ticks - ticks
            jitters = [stats.jitter_p99() for scanner in agent.scanners.values()
                       for stats in scanner.stats.values()]
            result = {"overrun_pct": 100 * (line.pacer.stats.overruns - overruns) / max(1, ran),
                      "jitter_p99_ms": 1000 * max(jitters, default=0.0), "refresh_p99_ms": 1000 * _p99(refresh),
                      "cpu_pct": 100 * cpu / wall}
            print(json.dumps(result), flush=True)  # before closing: the parent reads it as soon as it is measured
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else 0.0


def level(teams: int, seconds: float) -> list[dict]:
    """`teams` team processes at once; each one's numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for index in range(teams):
            folder = Path(tmp) / f"team{index + 1}"
            folder.mkdir()
            procs.append(subprocess.Popen([sys.executable, __file__, "--team", str(folder), "--seconds", str(seconds)],
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
        results = []
        for proc in procs:
            line = proc.stdout.readline()  # the team's numbers, printed once measured
            results.append(json.loads(line) if line.strip() else {"failed": proc.wait()})
        for proc, result in zip(procs, results):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:  # its line and edge did not close by themselves: said, then ended
                result["hung_on_close"] = True
                proc.kill()
                proc.wait()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,2,4,8")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--team", type=Path, help=argparse.SUPPRESS)  # one team's process
    args = parser.parse_args()
    if args.team is not None:
        asyncio.run(team(args.team, args.seconds))
        return
    print(f"classroom_scale: {args.seconds:g} s per level; limits {LIMITS}; machine shared with other work")
    print(f"{'teams':>5} {'holds':>5} {'overrun % max':>13} {'jitter p99 ms max':>17} {'refresh p99 ms max':>18}"
          f" {'CPU %/team median':>17}")
    for teams in (int(n) for n in args.levels.split(",")):
        results = level(teams, args.seconds)
        good = [r for r in results if "failed" not in r]
        worst = {key: max((r[key] for r in good), default=float("nan")) for key in LIMITS}
        holds = len(good) == teams and worst["overrun_pct"] < LIMITS["overrun_pct"] and all(
            worst[key] <= LIMITS[key] for key in ("jitter_p99_ms", "refresh_p99_ms"))
        cpu = statistics.median(r["cpu_pct"] for r in good) if good else float("nan")
        print(f"{teams:>5} {'yes' if holds else 'no':>5} {worst['overrun_pct']:>13.2f} {worst['jitter_p99_ms']:>17.1f}"
              f" {worst['refresh_p99_ms']:>18.1f} {cpu:>17.0f}" + ("" if len(good) == teams else
                                                                 f"  ({teams - len(good)} team(s) failed)")
              + (f"  ({hung} team process(es) did not exit within 30 s after measuring)"
                 if (hung := sum(r.get("hung_on_close", False) for r in results)) else ""))


if __name__ == "__main__":
    main()
