"""Start-up time of the `smarthall` commands, each as a whole process, beside Python's own start in the same run.

Each command runs --runs times (default 10) in turn with the others; the p50 and p90 wall times are printed
beside `python -c pass` (the floor) and `python -c "import asyncua, cv2, textual"` (what a command pays when
it imports the heavy libraries it does not use). `smarthall lab` runs on a pty (a real terminal, as a person
sees it), on free ports and a data folder of its own, and exits once the lesson list is drawn (the goal:
<= 3 s warm; the line starts behind it), and again once the line's first values came. The first round is a
warm-up and not counted.

Measured (3 runs, load 12-18 on 2 cores, the asyncua standard-space cache on): lab to the lesson list p50 5.3 s,
1.00x the heavy imports (5.3 s; the session before, the line started first: 38 s, 2.8x); to the line's first
values 22.5 s (4.3x). At load ~5, by hand: lesson list 2.35 s wall, 0.88x the heavy imports (2.66 s).

    .venv/bin/python benchmarks/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
FREE_PORTS = ["--feeder-port", "0", "--conveyor-port", "0", "--process-port", "0", "--control-port", "0",
              "--camera-port", "0"]
LAB_GOAL_S = 3.0


def commands(tmp: Path) -> dict[str, list[str]]:
    smarthall = str(BIN / "smarthall")
    lab_options = [*FREE_PORTS, "--fieldbus-link", str(tmp / "bus"), "--progress", str(tmp / "p.db")]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import asyncua, cv2, textual'": [sys.executable, "-c", "import asyncua, cv2, textual"],
        "smarthall --help": [smarthall, "--help"],
        "smarthall tags": [smarthall, "tags"],
        "smarthall lesson list": [smarthall, "lesson", "list"],
        "smarthall profile show conveyor": [smarthall, "profile", "show", "conveyor"],
        "smarthall lab (lesson list drawn)": [smarthall, "lab", "--exit-when-ready", *lab_options],
        "smarthall lab (line live: first values)": [smarthall, "lab", "--exit-when-live", *lab_options],
    }


def run_once(command: list[str], env: dict[str, str], on_pty: bool) -> tuple[float, float]:
    """Wall seconds from spawn to exit and the CPU seconds (user + system) the process used; it must succeed."""
    start = time.perf_counter()
    if not on_pty:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = process.stderr.read()
        code, cpu = _waited(process)
        elapsed = time.perf_counter() - start
        if code:
            sys.exit(f"{' '.join(command)}: exit {code}: {stderr.decode()[-500:]}")
        return elapsed, cpu
    master, slave = pty.openpty()
    drain = threading.Thread(target=_drain, args=(master,), daemon=True)
    drain.start()
    process = subprocess.Popen(command, env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"},
                               stdin=slave, stdout=slave, stderr=slave)
    code, cpu = _waited(process)
    elapsed = time.perf_counter() - start
    os.close(slave)
    drain.join(5)
    os.close(master)
    if code:
        sys.exit(f"{' '.join(command)}: exit {code}")
    return elapsed, cpu


def _waited(process: subprocess.Popen) -> tuple[int, float]:
    """The exit code and CPU seconds of a process (and of the children it waited for), once it ended."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def _drain(fd: int) -> None:
    """Read what the console draws, so it never blocks on a full pty."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # the pty closed
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smarthall-startup-") as tmp:
        env = {**os.environ, "XDG_DATA_HOME": str(Path(tmp) / "data"), "LANG": "C.UTF-8"}
        table = commands(Path(tmp))
        times: dict[str, list[float]] = {name: [] for name in table}
        cpu: dict[str, list[float]] = {name: [] for name in table}
        for round_number in range(args.runs + 1):  # round 0 warms the caches
            for name, command in table.items():
                elapsed, used = run_once(command, env, on_pty=name.startswith("smarthall lab"))
                if round_number:
                    times[name].append(elapsed)
                    cpu[name].append(used)
    floor = statistics.median(times["python -c pass"])
    heavy = statistics.median(times["python -c 'import asyncua, cv2, textual'"])
    print(f"start-up, wall time of the whole process, {args.runs} runs each (p50, p90; x = p50 / python -c pass;"
          " /heavy = p50 / the heavy imports; cpu = p50 of its CPU time, user + system, which load inflates less)")
    for name, values in times.items():
        p50, p90 = statistics.median(values), statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
        print(f"  {name:42} p50 {p50 * 1000:7.0f} ms   p90 {p90 * 1000:7.0f} ms   x{p50 / floor:5.1f}"
              f"   /heavy {p50 / heavy:4.2f}   cpu {statistics.median(cpu[name]) * 1000:6.0f} ms")
    lab = statistics.median(times["smarthall lab (lesson list drawn)"])
    print(f"smarthall lab to the lesson list: p50 {lab:.2f} s, goal <= {LAB_GOAL_S:.0f} s:"
          f" {'met' if lab <= LAB_GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
