"""Console load: the instructor console's line overview with 500 live tags, each changing at 10 Hz.

The console (LabApp on its LineScreen) runs in a child process on a
pseudo-terminal with Textual's real Linux driver, so every frame is rendered,
encoded and written as it would be for an instructor; this process is the
terminal and reads everything the console writes. The line is 5 stations of
100 tags (scan_throughput's profiles). An EdgeAgent that is not scanning
(no history) is fed from a timer in the console's event loop: every 10 ms,
50 tags get a new value through the agent's publish path (the one its
scanners use), so every tag changes 10 times a second: 5,000 updates/s. The
console reads them as in `lab`: through the agent's client API (a watch of every
tag over its Unix socket, in the same process).

A frame is a call of `App._display` with an update: Textual's screen calls
it with the compositor's changed lines, and only then writes to the terminal.
It prints the process CPU (as % of one core; the feeder's own share measured
around each of its calls) and the interval between frames (p50, p99); beside
it, the baseline measured in the same run: the same console with its values
shown but not changing. Runs alternate and repeat; medians are printed.

    python benchmarks/console_load.py [--seconds 20] [--runs 3]

Not a test: it prints numbers; read medians and ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import functools
import gc
import itertools
import json
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from scan_throughput import line_text, profile_text

from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.service import served
from smarthall.edge.tags import TagValue
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.live import LiveLine
from smarthall.lessons.loader import CATALOGUE, load_catalogue
from smarthall.lessons.progress import Progress

STATIONS = 5  # of 100 tags
RATE_HZ = 10
SLICE_S = 0.01
SIZE = (120, 40)
WARMUP_S = 3.0
AIM_CPU = 0.30
AIM_P99_MS = 150


class TimedConsole(LabApp):
    """The console on its line overview, noting the time of every frame; measures once, then exits."""

    def __init__(self, catalogue, agent, progress, workspace: Path, load: bool, seconds: float) -> None:
        super().__init__(catalogue, LiveLine(agent.config, functools.partial(served, agent)), None, progress, "bench",
                         workspace)  # the console reads the agent through its client API, as in `lab`
        self.agent = agent
        self.load = load
        self.seconds = seconds
        self.frames: list[float] = []

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if renderable is not None and not self._batch_count:
            self.frames.append(time.perf_counter())

    def on_ready(self) -> None:
        self.action_line()
        self.run_worker(self.measure())

    async def measure(self) -> None:
        feeder = Feeder(self.agent)
        feeder.publish_all()
        if self.load:
            self.run_worker(feeder.run())
        await asyncio.sleep(WARMUP_S)
        collector = GcPauses()
        gc.callbacks.append(collector)
        frames0, updates0, feeder_cpu0 = len(self.frames), feeder.updates, feeder.cpu_s
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(self.seconds)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        gc.callbacks.remove(collector)
        pauses = collector.pauses
        frames = self.frames[frames0:]
        gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(frames))
        self.exit({"cpu": cpu / wall, "feeder_cpu": (feeder.cpu_s - feeder_cpu0) / wall,
                   "updates_per_s": (feeder.updates - updates0) / wall, "frames_per_s": len(frames) / wall,
                   "p50_ms": statistics.median(gaps) if gaps else None,
                   "p99_ms": gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] if gaps else None,
                   "full_gcs": sum(1 for generation, _ in pauses if generation == 2),
                   "gc_max_ms": max((s for _, s in pauses), default=0.0) * 1000, "tags": len(self.agent.config.tags)})


class GcPauses:
    """As a gc callback: each garbage collection's generation and duration."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))


class Feeder:
    """New values for every tag through the agent's publish path: one slice of the tags every SLICE_S."""

    def __init__(self, agent: EdgeAgent) -> None:
        self.agent = agent
        names = sorted(agent.config.tags)
        count = round(1 / (RATE_HZ * SLICE_S))
        self.slices = [names[i::count] for i in range(count)]
        self.updates = 0
        self.cpu_s = 0.0

    def publish(self, names: list[str]) -> None:
        cpu0 = time.process_time()
        now = time.time()
        for name in names:
            self.updates += 1
            value = self.updates / 7 if ".f" in name else self.updates % 65536
            self.agent._publish(TagValue(name, value, Quality.GOOD, now))
        self.cpu_s += time.process_time() - cpu0

    def publish_all(self) -> None:
        for names in self.slices:
            self.publish(names)

    async def run(self) -> None:
        """Publish the slices in turn on a fixed schedule (catching up when the loop was late)."""
        due = time.perf_counter()
        for turn in itertools.count():
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            self.publish(self.slices[turn % len(self.slices)])
            due += SLICE_S


async def console(load: bool, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(STATIONS):
            (folder / f"plc{i}.toml").write_text(profile_text(i), encoding="utf-8")
        ports = [40000 + i for i in range(STATIONS)]  # never connected: the agent does not scan
        (folder / "line.toml").write_text(line_text(ports, folder / "history.db", 100), encoding="utf-8")
        agent = EdgeAgent(load_line(folder / "line.toml"))
        with Progress(folder / "progress.db") as progress:
            app = TimedConsole(load_catalogue(CATALOGUE, load_line()), agent, progress, folder / "work", load, seconds)
            await app.run_async()
            return app.return_value


def run_on_pty(load: bool, seconds: float) -> dict:
    """Run the console in a child on a pseudo-terminal of SIZE; read all it writes; return its numbers."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        child = subprocess.Popen([sys.executable, __file__, "--child", "load" if load else "idle",
                                  "--seconds", str(seconds), "--result", result.name],
                                 stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                 env={**os.environ, "TERM": "xterm-256color"})
        os.close(slave)
        tail = b""  # what the console wrote last, for an error message
        deadline = time.monotonic() + seconds + WARMUP_S + 60
        try:
            while time.monotonic() < deadline:
                if select.select([master], [], [], 1.0)[0]:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # EIO: the child closed the terminal
                        break
                    if not chunk:
                        break
                    tail = (tail + chunk)[-4000:]
                elif child.poll() is not None:
                    break
        finally:
            os.close(master)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        text = Path(result.name).read_text(encoding="utf-8")
    if child.returncode or not text:
        raise SystemExit(f"console_load: the console exited with {child.returncode}:\n"
                         + tail.decode("utf-8", "replace"))
    return json.loads(text)


def median(runs: list[dict], key: str):
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def ms(value) -> str:
    return "—" if value is None else f"{value:.0f}"


def main(seconds: float, runs: int) -> None:
    results = {"idle": [], "load": []}
    for _ in range(runs):
        for mode, rows in results.items():
            rows.append(run_on_pty(mode == "load", seconds))
    tags = results["load"][0]["tags"]
    print(f"console_load: the line overview with {tags} tags on a {SIZE[0]}x{SIZE[1]} pty (Textual's Linux driver), "
          f"{seconds:g} s after {WARMUP_S:g} s warm-up, median of {runs} runs (idle and loaded alternate)")
    print("  fed by: an EdgeAgent (not scanning, no history) whose publish path gets 50 tags every 10 ms "
          "from a timer in the console's loop")
    print(f"  {'':26}{'updates/s':>9}{'CPU':>6}{'(feeder)':>9}{'frames/s':>9}"
          f"{'refresh p50':>12}{'p99':>8}{'full GCs':>9}{'longest GC':>11}")
    for mode, label in (("idle", "idle console (baseline)"), ("load", f"{tags} tags at {RATE_HZ} Hz each")):
        rows = results[mode]
        print(f"  {label:26}{median(rows, 'updates_per_s'):>9,.0f}{median(rows, 'cpu'):>6.0%}"
              f"{median(rows, 'feeder_cpu'):>9.1%}{median(rows, 'frames_per_s'):>9.1f}"
              f"{ms(median(rows, 'p50_ms')) + ' ms':>12}{ms(median(rows, 'p99_ms')) + ' ms':>8}"
              f"{median(rows, 'full_gcs'):>9g}{ms(median(rows, 'gc_max_ms')) + ' ms':>11}")
    cpu, p99 = median(results["load"], "cpu"), median(results["load"], "p99_ms")
    print(f"  aims: CPU < {AIM_CPU:.0%} of a core: {'met' if cpu < AIM_CPU else 'MISSED'} ({cpu:.0%}, "
          f"{cpu - median(results['idle'], 'cpu'):+.0%} over idle); refresh p99 < {AIM_P99_MS} ms: "
          f"{'met' if p99 is not None and p99 < AIM_P99_MS else 'MISSED'} ({ms(p99)} ms)")
    print("  per run, loaded: CPU " + ", ".join(f"{r['cpu']:.0%}" for r in results["load"])
          + "; refresh p99 " + ", ".join(f"{ms(r['p99_ms'])} ms" for r in results["load"])
          + "; longest GC " + ", ".join(f"{ms(r['gc_max_ms'])} ms" for r in results["load"]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=("idle", "load"), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.result).write_text(json.dumps(asyncio.run(console(args.child == "load", args.seconds))),
                                     encoding="utf-8")
    else:
        main(args.seconds, args.runs)
