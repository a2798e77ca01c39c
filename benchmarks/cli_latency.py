"""CLI latency: `smarthall read TAG` and `smarthall write TAG V` as whole processes against a running agent.

A simulated line runs here on free ports; `smarthall edge run` serves it from a copy of
lines/sim.toml in a temporary folder (history, lock and socket there). Each command is timed as a
whole process (fork to exit), p50/p95 over --runs, beside the same commands with no agent (today's
path: the command loads the line and opens it itself; the line's stations answer, so no simulator
starts in-process) and beside `python -c pass`. All in one run, so read the ratios.

    python benchmarks/cli_latency.py [--runs 20]

Not a test: it prints numbers. Aim: read p50 <= 300 ms through the agent.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smarthall.simulators.line import SimulatedLine
from tests.commands import environment, free_options, sim_line_copy


def timed(command: list[str], env: dict, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        samples.append(time.perf_counter() - started)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return samples


def show(name: str, samples: list[float], baseline: float) -> None:
    ordered = sorted(samples)
    p50, p95 = statistics.median(ordered), ordered[max(0, round(len(ordered) * 0.95) - 1)]
    print(f"{name:44} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  x{p50 / baseline:5.1f} of python -c pass")


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = environment(folder)
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
    base = statistics.median(baseline)
    print(f"whole processes, {runs} runs each (a simulated line on free ports in this process)")
    show("python -c pass", baseline, base)
    show("smarthall read, no agent (opens the line)", alone_read, base)
    show("smarthall write, no agent (opens the line)", alone_write, base)
    show("smarthall read, through the running agent", served_read, base)
    show("smarthall write, through the running agent", served_write, base)
    print(f"read through the agent: {statistics.median(alone_read) / statistics.median(served_read):.1f}x faster "
          f"than opening the line; aim p50 <= 300 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
