"""CLI latency: `smarthall read TAG` and `smarthall write TAG V` as whole processes against a running agent.

A simulated line runs here on free ports; `smarthall edge run` serves it from a copy of
lines/sim.toml in a temporary folder (history, lock and socket there). Each command is timed as a
whole process (fork to exit), p50/p95 over --runs, with its CPU time (user + system: what load on
the machine changes least), beside the same commands with no agent (the command loads the line and
opens it itself; the line's stations answer, so no simulator starts in-process) and beside
`python -c pass`. All in one run, so read the ratios. Each command runs once untimed first, with
bytecode caching on (PYTHONDONTWRITEBYTECODE dropped): an installed package has its .pyc files, and
a module edited since its last .pyc was otherwise compiled again in every timed run.

    python benchmarks/cli_latency.py [--runs 20]

Not a test: it prints numbers. Aim: read p50 <= 300 ms through the agent.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smarthall.simulators.line import SimulatedLine
from tests.commands import environment, free_options, sim_line_copy


def timed(command: list[str], env: dict, runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of `runs` runs, after one untimed run."""
    samples = []
    for run in range(runs + 1):
        started, used = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if run:
            samples.append((time.perf_counter() - started, _children_cpu() - used))
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return samples


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def show(name: str, samples: list[tuple[float, float]], baseline: list[tuple[float, float]]) -> None:
    wall = sorted(w for w, _ in samples)
    p50, p95 = statistics.median(wall), wall[max(0, round(len(wall) * 0.95) - 1)]
    cpu = statistics.median(c for _, c in samples)
    base_wall, base_cpu = statistics.median(w for w, _ in baseline), statistics.median(c for _, c in baseline)
    print(f"{name:44} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  x{p50 / base_wall:5.1f} of python -c pass"
          f"  |  CPU p50 {cpu * 1000:6.1f} ms  x{cpu / base_cpu:5.1f}")


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {key: value for key, value in environment(folder).items() if key != "PYTHONDONTWRITEBYTECODE"}
        options = free_options(folder)
        async with SimulatedLine(options):
            path = sim_line_copy(folder, options, light=True)  # no OPC UA server, no camera
            smarthall = [sys.executable, "-m", "smarthall"]
            read = [*smarthall, "read", "conveyor.speed_actual", "--line", str(path)]
            write = [*smarthall, "write", "conveyor.speed_setpoint", "200", "--line", str(path)]
            run = lambda command: asyncio.to_thread(timed, command, env, runs)
            baseline = await run([sys.executable, "-c", "pass"])
            alone_read, alone_write = await run(read), await run(write)
            agent = await asyncio.create_subprocess_exec(*smarthall, "edge", "run", "--line", str(path), env=env,
                                                         stdout=asyncio.subprocess.PIPE)
            try:
                while b"Client API at" not in (await agent.stdout.readline()):
                    pass
                served_read, served_write = await run(read), await run(write)
            finally:
                agent.send_signal(2)
                await agent.wait()
    print(f"whole processes, {runs} runs each (a simulated line on free ports in this process)")
    show("python -c pass", baseline, baseline)
    show("smarthall read, no agent (opens the line)", alone_read, baseline)
    show("smarthall write, no agent (opens the line)", alone_write, baseline)
    show("smarthall read, through the running agent", served_read, baseline)
    show("smarthall write, through the running agent", served_write, baseline)
    alone, served = (statistics.median(w for w, _ in samples) for samples in (alone_read, served_read))
    print(f"read through the agent: {alone / served:.1f}x faster than opening the line; aim p50 <= 300 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
