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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smarthall.edge.config import DEFAULT_LINE
from smarthall.simulators.line import SimOptions, SimulatedLine

FREE_PORTS = {"feeder_port": 0, "conveyor_port": 0, "process_port": 0, "control_port": 0, "camera_port": 0}


def line_file(line: SimulatedLine, folder: Path) -> Path:
    """lines/sim.toml pointed at `line`, history in folder, no OPC UA server and no camera."""
    at = line.line_overrides()
    text = DEFAULT_LINE.read_text(encoding="utf-8")
    text = text[:text.index("[northbound]")] + text[text.index("[[scan_groups]]"):]
    text = text.split('[[alarms]]\nid = "vision.camera_lost"')[0]
    text = (text.replace("port = 5020", f"port = {at['feeder']['port']}")
            .replace("port = 5021", f"port = {at['conveyor']['port']}")
            .replace('"/tmp/smarthall-fieldbus"', f'"{at["fieldbus"]["serial"]}"')
            .replace('"opc.tcp://127.0.0.1:4840"', f'"{at["process"]["endpoint"]}"')
            .replace("flush_s = 1.0", f'flush_s = 1.0\npath = "{folder / "history.db"}"'))
    path = folder / "line.toml"
    path.write_text(text, encoding="utf-8")
    return path


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
        env = {**os.environ, "XDG_DATA_HOME": str(folder / "data"), "LANG": "C"}
        async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(folder / "bus"))) as line:
            path = line_file(line, folder)
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
