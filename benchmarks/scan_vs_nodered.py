"""Scan CPU per tag: the edge agent against Node-RED with node-red-contrib-modbus, on the same PLCs.

The PLCs are those of benchmarks/scan_throughput.py (10 simulated Modbus TCP
stations in their own process, 100 tags each on 110 holding registers: 90
uint16 and 10 float32, every value changing on every read). Each run scans
all of them at the same rate twice, one scanner after the other:

- the edge agent (in this process) in one scan group, with history and an
  alarm on every float32 (hi, never reached: evaluated, not raised);
- Node-RED (headless, from a flows file this benchmark writes): per PLC one
  modbus-read node (FC3, 110 registers at the same rate) wired to a function
  node decoding the 90 uint16 and 10 float32 and counting them.

Counted over the window after a warm-up (--warmup, 30 s by default: Node-RED's
CPU per tag falls for its first ~25 s while V8 compiles its hot code, so a
window that includes it flatters our ratio by half) once every PLC answers:
tag reads per second and the scanner process's CPU (user + system), as CPU seconds per 1,000 tag reads and
tags per CPU-second. Printed: medians of the runs side by side and the ratio
(Node-RED's CPU per tag over ours: above 1.0 we are cheaper), and the agent's
cycle jitter p99 over the window (every connection's cycles); with --seconds
of 120 or more, the agent's CPU per 1,000 tags in the first and the last minute.
Aims (issue 17): >= 1.0x Node-RED's tags per CPU-second, >= 100k tags per
CPU-second, jitter p99 <= 10 ms, flat CPU over a 5-minute run (--seconds 300).

Node-RED 4.1 and node-red-contrib-modbus 5.23.3 (the last version installing
from the npm registry alone) are installed on first use into
benchmarks/nodered/node_modules with `npm ci`.

    python benchmarks/scan_vs_nodered.py [--seconds 30] [--warmup 30] [--runs 3] [--stations 10] [--rate-ms 100]

Not a test: it prints numbers; read medians and ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scan_throughput import POINTS, line_text, profile_text

from smarthall import event_loop
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line

HERE = Path(__file__).resolve().parent
NODERED = HERE / "nodered"
RED_JS = NODERED / "node_modules" / "node-red" / "red.js"
REGISTERS = max(address + (2 if dtype == "float32" else 1) for _, address, dtype in POINTS)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

DECODE = "\n".join(
    ["const b = msg.responseBuffer.buffer;", "const values = {};"]
    + [f"values.{prefix}{address} = b.read{'FloatBE' if dtype == 'float32' else 'UInt16BE'}({2 * address});"
       for prefix, address, dtype in POINTS]
    + ["msg.payload = values;", f'global.set("tags", (global.get("tags") || 0) + {len(POINTS)});', "return msg;", ""])
REPORT = 'console.log("TAGS " + (global.get("tags") || 0));\nreturn null;\n'


def ensure_nodered() -> None:
    """Node-RED and the Modbus nodes in benchmarks/nodered (npm ci), again only when the lock changed."""
    stamp = NODERED / "node_modules" / ".package-lock.json"
    lock = NODERED / "package-lock.json"
    if RED_JS.exists() and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        sys.exit("scan_vs_nodered: npm is needed for Node-RED (apt-get install npm)")
    print("installing Node-RED and node-red-contrib-modbus (npm ci in benchmarks/nodered)", flush=True)
    subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=NODERED, check=True)


def flows(ports: list[int], rate_ms: int) -> list[dict]:
    """One tab: per PLC a client, a read node and a decoding function; a 1 s inject printing the count."""
    nodes: list[dict] = [{"id": "tab", "type": "tab", "label": "scan"},
                         {"id": "tick", "type": "inject", "z": "tab", "repeat": "1", "once": True, "onceDelay": 0.1,
                          "topic": "", "payload": "", "payloadType": "date", "wires": [["report"]]},
                         {"id": "report", "type": "function", "z": "tab", "func": REPORT, "outputs": 1,
                          "wires": [[]]}]
    for i, port in enumerate(ports):
        nodes += [
            {"id": f"client{i}", "type": "modbus-client", "name": f"plc{i}", "clienttype": "tcp",
             "bufferCommands": True, "stateLogEnabled": False, "queueLogEnabled": False, "failureLogEnabled": False,
             "tcpHost": "127.0.0.1", "tcpPort": str(port), "tcpType": "DEFAULT", "serialPort": "", "serialType":
             "RTU-BUFFERD", "serialBaudrate": "9600", "serialDatabits": "8", "serialStopbits": "1",
             "serialParity": "none", "serialConnectionDelay": "100", "unit_id": 1, "commandDelay": 1,
             "clientTimeout": 1000, "reconnectOnTimeout": True, "reconnectTimeout": 2000,
             "parallelUnitIdsAllowed": True},
            {"id": f"read{i}", "type": "modbus-read", "z": "tab", "name": f"plc{i}", "topic": "",
             "showStatusActivities": False, "logIOActivities": False, "showErrors": False, "unitid": "1",
             "dataType": "HoldingRegister", "adr": "0", "quantity": str(REGISTERS), "rate": str(rate_ms),
             "rateUnit": "ms", "delayOnStart": False, "startDelayTime": "", "server": f"client{i}",
             "useIOFile": False, "ioFile": "", "useIOForPayload": False, "emptyMsgOnFail": False,
             "wires": [[f"decode{i}"], []]},
            {"id": f"decode{i}", "type": "function", "z": "tab", "name": f"decode plc{i}", "func": DECODE,
             "outputs": 1, "wires": [[]]},
        ]
    return nodes


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def run_nodered(ports: list[int], seconds: float, warmup: float, rate_ms: int) -> dict:
    with tempfile.TemporaryDirectory() as user_dir:
        folder = Path(user_dir)
        (folder / "flows.json").write_text(json.dumps(flows(ports, rate_ms)), encoding="utf-8")
        (folder / "settings.js").write_text(
            "module.exports = { httpAdminRoot: false, httpNodeRoot: false, credentialSecret: false,\n"
            "  logging: { console: { level: 'warn' } } };\n", encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            "node", str(RED_JS), "--userDir", user_dir, "--settings", str(folder / "settings.js"), "flows.json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=user_dir)

        latest: list[tuple[int, float, float]] = []

        async def follow() -> None:
            """Each count Node-RED prints, with the moment it arrived and Node-RED's CPU then."""
            while line := (await proc.stdout.readline()).decode():
                if line.startswith("TAGS "):
                    latest.append((int(line.split()[1]), time.perf_counter(), cpu_seconds(proc.pid)))

        reader = asyncio.create_task(follow())
        try:
            async with asyncio.timeout(60):  # every PLC answering: a full second's tags within a second
                while len(latest) < 2 or latest[-1][0] - latest[-2][0] < 0.9 * len(ports) * len(POINTS) * 1000 / rate_ms:
                    if reader.done():
                        raise RuntimeError("Node-RED stopped (is benchmarks/nodered installed?)")
                    await asyncio.sleep(0.2)
            await asyncio.sleep(warmup)
            tags0, wall0, cpu0 = latest[-1]
            await asyncio.sleep(seconds)
            tags1, wall1, cpu1 = latest[-1]
        finally:
            proc.terminate()
            await proc.wait()
            reader.cancel()
    return result(tags1 - tags0, wall1 - wall0, cpu1 - cpu0)


async def run_agent(folder: Path, ports: list[int], seconds: float, warmup: float, rate_ms: int) -> dict:
    line = folder / "line.toml"
    alarms = [f'\n[[alarms]]\nid = "plc{i}.{prefix}{address}.hi"\ntag = "plc{i}.{prefix}{address}"\nkind = "hi"\n'
              f'limit = 1000000\nko = "값 높음"\nen = "value high"\n'
              for i in range(len(ports)) for prefix, address, dtype in POINTS if dtype == "float32"]
    history = folder / f"bench-{time.monotonic_ns()}.db"
    line.write_text(line_text(ports, history, rate_ms) + "".join(alarms), encoding="utf-8")
    agent = EdgeAgent(load_line(line))
    await agent.start()
    try:
        await asyncio.sleep(warmup)

        def sample() -> tuple[int, float, float]:
            return sum(s.readings for s in agent.scanners.values()), time.perf_counter(), time.process_time()

        def cycles() -> list[int]:
            return [stats.cycles for s in agent.scanners.values() for stats in s.stats.values()]

        first, cycles0 = sample(), cycles()
        minutes = [first]  # one sample a minute, for CPU per tag in the first and the last minute
        for _ in range(int(seconds // 60)):
            await asyncio.sleep(60)
            minutes.append(sample())
        await asyncio.sleep(seconds % 60)
        last = sample()
        if seconds % 60 >= 1:
            minutes.append(last)
        jitter = [j for s, n in zip((stats for s in agent.scanners.values() for stats in s.stats.values()),
                                    (c1 - c0 for c0, c1 in zip(cycles0, cycles(), strict=True)), strict=True)
                  for j in list(s.jitter_s)[-n:] if n]
        bad = sum(s.bad_readings for s in agent.scanners.values())
    finally:
        await agent.close()
    if bad:
        print(f"  (the agent read {bad} values BAD)")
    measured = result(last[0] - first[0], last[1] - first[1], last[2] - first[2])
    measured["jitter p99 ms"] = sorted(jitter)[int(len(jitter) * 0.99) - 1] * 1000 if jitter else 0.0
    if len(minutes) >= 3:
        (t0, _, c0), (t1, _, c1), (t2, _, c2), (t3, _, c3) = minutes[0], minutes[1], minutes[-2], minutes[-1]
        print(f"  agent CPU s per 1k tags: first minute {(c1 - c0) / (t1 - t0) * 1000:.4f}, "
              f"last minute {(c3 - c2) / (t3 - t2) * 1000:.4f} (aim: flat)", flush=True)
    return measured


def result(tags: int, wall: float, cpu: float) -> dict:
    return {"tags/s": tags / wall, "CPU %": cpu / wall * 100, "CPU s per 1k tags": cpu / tags * 1000,
            "tags per CPU-s": tags / cpu}


async def main(seconds: float, warmup: float, runs: int, stations: int, rate_ms: int) -> None:
    ensure_nodered()
    results: dict[str, list[dict]] = {"edge agent": [], "Node-RED": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(stations):
            (folder / f"plc{i}.toml").write_text(profile_text(i), encoding="utf-8")
        server = subprocess.Popen([sys.executable, str(HERE / "scan_throughput.py"), "--serve", tmp,
                                   "--stations", str(stations)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        try:
            ports = json.loads(server.stdout.readline())
            for run in range(runs):
                for name, scan in (("edge agent", run_agent(folder, ports, seconds, warmup, rate_ms)),
                                   ("Node-RED", run_nodered(ports, seconds, warmup, rate_ms))):
                    plc_cpu0, wall0 = cpu_seconds(server.pid), time.perf_counter()
                    results[name].append({"jitter p99 ms": math.nan} | await scan)
                    results[name][-1]["PLCs' CPU %"] = (cpu_seconds(server.pid) - plc_cpu0) / (
                        time.perf_counter() - wall0) * 100
                print(f"  run {run + 1}: " + ", ".join(f"{name} {r[-1]['tags per CPU-s']:,.0f} tags per CPU-s"
                                                        for name, r in results.items()), flush=True)
        finally:
            server.stdin.close()
            server.wait(10)
    print(f"scan_vs_nodered: {stations * len(POINTS)} tags on {stations} simulated Modbus TCP PLCs every {rate_ms} ms, "
          f"{seconds:g} s windows after {warmup:g} s of warm-up, medians of {runs}")
    columns = [c for c in results["edge agent"][0] if c != "jitter p99 ms"] + ["jitter p99 ms"]
    print(f"  {'':<12}" + "".join(f"{c:>20}" for c in columns))
    medians = {name: {c: statistics.median(r[c] for r in rs) for c in columns} for name, rs in results.items()}
    for name, m in medians.items():
        print(f"  {name:<12}" + "".join(f"{m[c]:>20,.3f}" if c.startswith("CPU s") else f"{m[c]:>20,.1f}"
                                         for c in columns))
    ratio = medians["edge agent"]["tags per CPU-s"] / medians["Node-RED"]["tags per CPU-s"]
    print("  (PLCs' CPU %: the simulated PLCs' process over the whole phase, start-up included; a loaded machine\n"
          "   slows them and so the tags/s both scanners reach)")
    print(f"  ratio (edge agent's tags per CPU-second / Node-RED's): {ratio:.2f}x   (aim >= 1.0x; "
          f"history and alarms on for the agent only)")
    print(f"  edge agent's cycle jitter p99 (every connection's cycles in the window): "
          f"{medians['edge agent']['jitter p99 ms']:.1f} ms (aim <= 10 ms; Node-RED's is not measured)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds each scanner runs before the window")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--rate-ms", type=int, default=100)
    args = parser.parse_args()
    event_loop.run(main(args.seconds, args.warmup, args.runs, args.stations, args.rate_ms))  # `edge run`'s loop
