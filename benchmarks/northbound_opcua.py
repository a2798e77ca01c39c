"""Northbound OPC UA: 10 asyncua clients subscribed to every tag of the simulated line at 100 ms.

The simulated line runs as `smarthall sim` and the agent as `smarthall edge run`, each its own
process on free ports, from a copy of lines/sim.toml in a temporary folder; the conveyor runs and
the feeder pushes a part every 2 s, so counters, photo-eyes, energy meters and the vision tags move.
Each round starts a fresh agent four times, in turn: alone (no OPC UA client), then with the clients
(each a session with one subscription: publishing and sampling 100 ms, a queue of 100 per item,
every tag), first with the server's GIL switch interval (edge.northbound.server.SWITCH_S), then
with Python's default (5 ms). Over --seconds after a warm-up it measures:

- changes/s delivered (all clients), and lost. The agent's changes are recorded by a client-API
  watch of every tag in this process, in the agent's publishing order (the order the server gets
  them), kept where they are a change in OPC UA terms (value or status code: a new reason with the
  same status code is none). A client lost a change published inside the window when it did not
  receive it but received one published after it; what was published after a client's last
  received change is counted apart, as not yet received at close. The clients close once each has
  received a value from past the window (at most SETTLE_S after it). Lost is shown summed and per
  client: the same changes lost by every client would be the server's publishing, one client's
  its own session;
- latency: arrival at the client minus the value's source time (p50, p99), which includes the
  100 ms publishing interval;
- the agent's CPU (its process's user+system time over the window, % of one core), and this
  process's (the clients', beside the client-API watch) on the same 2 cores;
- the scan's cycle jitter: the worst connection's p99 of the `fast` group's start jitter, read
  from the agent's health over the client API at the end of the window (the agent is fresh each
  time, so the window holds only that phase's cycles).

    python benchmarks/northbound_opcua.py [--seconds 30] [--rounds 3] [--clients 10]

Not a test: it prints numbers, medians over the rounds. Aim: nothing lost, p99 <= 250 ms, jitter
within 2 ms of the agent alone.

Measured (--seconds 15 --rounds 2, 2 shared cores at load ~10, medians, alone -> 10 clients, each
line one run):
- server on the scan's event loop: jitter p99 13.5 -> 51.8 ms (an earlier session), 22.1 -> 137.4 ms
  (this one); 0 lost;
- server in its own thread: 22.4 -> 59.1 ms and 26.6 -> 64.3 ms (0 lost; one other run lost 657
  changes when its clients were disconnected, not seen again. That run counted per tag by source
  time and closed the clients 1 s after the window, so a change still on its way to a client the
  load had held back counted as lost, as did a new reason with an unchanged status code, which is
  no OPC UA data change: the likeliest causes. The accounting above tells a client's real loss
  from what it had not received yet);
- in its own thread with the GIL switch interval at 0.5 ms (what edge.northbound.server does):
  jitter p99 24.5 -> 23.6 ms, agent CPU 15.9 -> 20.9 %, this process (the clients) 6.4 %,
  197 changes/s delivered, 0 lost, latency p50 97 ms, p99 289 ms.
- switch interval 0.5 ms and 5 ms in the same runs (three runs at load 12-28, so every figure is
  noisy): with 10 clients, jitter p99 62.6, 65.9 and 84.8 ms at 0.5 ms, 84.4, 77.3 and 73.0 ms at
  5 ms; alone 34.8, 31.8 and 45.9 ms at 0.5 ms, 23.4, 114.0 and 34.9 ms at 5 ms; 0 lost and 0 not
  yet received at close in every phase; latency p50 182-217 ms, p99 398-680 ms (that load is most
  of it). Which interval is better needs a quiet machine's run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asyncua import Client, ua

from smarthall.devices.quality import Quality
from smarthall.edge.client import connect_line
from smarthall.edge.northbound.server import SWITCH_S
from smarthall.edge.northbound.status import status_code
from tests.commands import environment, free_options, sim_line_copy, smarthall
from tests.waiting import until

NAMESPACE = "urn:smarthall:edge:sim"
WARMUP_S = 5.0
START_S = 180.0  # longest wait for the simulated line or the agent to start on a loaded machine
SETTLE_S = 30.0  # longest wait after the window for every client to receive what was published in it
DEFAULT_SWITCH_S = sys.getswitchinterval()  # Python's own (5 ms)
# `smarthall edge run` with the northbound server's GIL switch interval set to argv[1]
AGENT = ("import sys; from smarthall.edge.northbound import server; server.SWITCH_S = float(sys.argv.pop(1)); "
         "from smarthall.cli import main; sys.exit(main())")


class Received:
    """One client's notifications: (tag, value, source time, arrival time)."""

    def __init__(self, names: dict[ua.NodeId, str]) -> None:
        self.names = names
        self.seen: list[tuple[str, object, float, float]] = []
        self.overflows = 0
        self.latest_source = 0.0  # the newest source time received

    def datachange_notification(self, node, value, data) -> None:
        arrived = time.time()
        dv = data.monitored_item.Value
        if dv.StatusCode is not None and dv.StatusCode.value & 0x480 == 0x480:  # InfoType DataValue, Overflow bit
            self.overflows += 1
        if dv.SourceTimestamp is not None:
            source = dv.SourceTimestamp.timestamp()
            self.seen.append((self.names[node.nodeid], value, source, arrived))
            self.latest_source = max(self.latest_source, source)


async def subscribed(url: str, tags: list[str], stack: contextlib.AsyncExitStack) -> Received:
    client = Client(url, timeout=30)
    await stack.enter_async_context(client)
    idx = await client.get_namespace_index(NAMESPACE)
    nodes = [client.get_node(ua.NodeId(tag, idx)) for tag in tags]
    handler = Received({node.nodeid: tag for node, tag in zip(nodes, tags)})
    subscription = await client.create_subscription(
        ua.CreateSubscriptionParameters(RequestedPublishingInterval=100, RequestedLifetimeCount=600,
                                        RequestedMaxKeepAliveCount=20, MaxNotificationsPerPublish=10000,
                                        PublishingEnabled=True, Priority=0), handler)
    await subscription.subscribe_data_change(nodes, sampling_interval=100, queuesize=100)
    return handler


def cpu_s(pid: int) -> float:
    """A process's user + system CPU seconds (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def started(command: list[str], env: dict, ready: bytes) -> tuple[asyncio.subprocess.Process, str]:
    """The process once it printed a line with `ready` (that line)."""
    proc = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL)
    async with asyncio.timeout(START_S):
        while ready not in (line := await proc.stdout.readline()):
            if not line:
                raise SystemExit(f"{' '.join(command[2:4])} stopped before it was ready")
    return proc, line.decode()


async def stopped(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(2)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def phase(folder: Path, line: Path, clients: int, seconds: float, switch_s: float) -> dict:
    """One fresh agent (its server's GIL switch interval `switch_s`) for `seconds` after a warm-up, with this many
    OPC UA clients."""
    env = environment(folder)
    command = [sys.executable, "-c", AGENT, str(switch_s), "edge", "run", "--line", str(line)]
    agent, said = await started(command, env, b"OPC UA server:")
    url = said.split("OPC UA server:")[1].strip()
    try:
        async with contextlib.AsyncExitStack() as stack:
            client = await connect_line(line)
            stack.push_async_callback(client.close)
            tags = sorted(t["name"] for t in await client.tags())
            handlers = [await subscribed(url, tags, stack) for _ in range(clients)]
            published: list = []

            async def record() -> None:
                async for value in client.watch(tags):
                    shown = None if value.quality is Quality.BAD else value.value  # as the publisher's DataValue
                    published.append((value.tag, value.timestamp, status_code(value.quality, value.reason), shown))

            recorder = asyncio.create_task(record())
            await asyncio.sleep(WARMUP_S)
            start, cpu0, own0 = time.time(), cpu_s(agent.pid), cpu_s(os.getpid())
            await asyncio.sleep(seconds)
            end, cpu1, own1 = time.time(), cpu_s(agent.pid), cpu_s(os.getpid())
            health = await client.health()
            with contextlib.suppress(TimeoutError):  # each client has received what was published in the window
                await until(lambda: all(h.latest_source >= end for h in handlers), SETTLE_S)
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recorder
    finally:
        await stopped(agent)
    changes = opcua_changes(published)
    window = [(seq, key) for seq, key in enumerate(changes) if start <= key[1] / 1000 < end]
    lost, unsettled, latencies, delivered = [], 0, [], 0
    for handler in handlers:
        got = {(tag, round(source * 1000)) for tag, _value, source, _arrived in handler.seen}
        last = max((seq for seq, key in enumerate(changes) if received(key, got)), default=-1)
        missing = [seq for seq, key in window if not received(key, got)]
        lost.append(sum(seq < last for seq in missing) + handler.overflows)
        unsettled += sum(seq > last for seq in missing)
        for _tag, _value, source, arrived in handler.seen:
            if start <= source < end:
                latencies.append(arrived - source)
                delivered += 1
    latencies.sort()
    return {"changes_per_s": delivered / (end - start), "published_per_s": len(window) / (end - start),
            "lost": sum(lost), "lost_by_client": lost, "unsettled": unsettled,
            "cpu": (cpu1 - cpu0) / (end - start), "clients_cpu": (own1 - own0) / (end - start),
            "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
            "p99_ms": 1000 * latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else None,
            "jitter_ms": max(h.jitter_p99_ms for h in health if h.name in ("feeder", "conveyor"))}


def opcua_changes(published: list) -> list[tuple[str, int]]:
    """The watch's values, in the agent's publishing order, that are a data change in OPC UA terms (value or status
    code, DataChangeTrigger StatusValue: a new reason with the same status code is none), as (tag, source ms)."""
    changes, shown = [], {}
    for tag, timestamp, status, value in published:
        seen = (status, value)
        if shown.get(tag) != seen:
            shown[tag] = seen
            changes.append((tag, round(timestamp * 1000)))
    return changes


def received(key: tuple[str, int], got: set[tuple[str, int]]) -> bool:
    """Whether a client received this change (source times compared to the ms, either side of a rounding edge)."""
    tag, ms = key
    return key in got or (tag, ms - 1) in got or (tag, ms + 1) in got


async def main(seconds: float, rounds: int, clients: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        options = free_options(folder)
        line = sim_line_copy(folder, options)
        sim, _ = await started([sys.executable, "-m", "smarthall", "sim", "--feeder-port", str(options.feeder_port),
                             "--conveyor-port", str(options.conveyor_port), "--process-port", str(options.process_port),
                             "--control-port", str(options.control_port), "--camera-port", str(options.camera_port),
                             "--fieldbus-link", options.fieldbus_link], environment(folder), b"Ctrl-C")
        try:
            for tag, value in (("conveyor.motor_run", "1"), ("feeder.auto_feed", "1")):
                code, _out, err = await smarthall(folder, "write", tag, value, "--line", str(line), timeout=START_S)
                if code:
                    raise SystemExit(f"write {tag}: {err.strip()}")
            phases = [(count, switch) for switch in (SWITCH_S, DEFAULT_SWITCH_S) for count in (0, clients)]
            results: dict[tuple[int, float], list[dict]] = {key: [] for key in phases}
            for round_ in range(rounds):  # every other round backwards: the line's pace changes as it runs
                for count, switch in phases if round_ % 2 == 0 else phases[::-1]:
                    results[count, switch].append(await phase(folder, line, count, seconds, switch))
        finally:
            await stopped(sim)
    print(f"northbound OPC UA, {rounds} rounds of {seconds:g} s, medians (a fresh agent per phase); lost: the most of "
          "any round, summed over the clients, counting only changes published before a client's last received one")
    for (count, switch), runs in results.items():
        med = {key: statistics.median(r[key] for r in runs if r[key] is not None) if any(
            r[key] is not None for r in runs) else None for key in runs[0] if key != "lost_by_client"}
        what = f"{count} clients" if count else "no client (baseline)"
        print(f"switch {switch * 1000:3g} ms  {what:22} agent CPU {100 * med['cpu']:5.1f} %  "
              f"clients' CPU {100 * med['clients_cpu']:5.1f} %  jitter p99 {med['jitter_ms']:6.1f} ms  "
              f"published {med['published_per_s']:6.1f}/s"
              + (f"  delivered {med['changes_per_s']:7.1f}/s  lost {max(r['lost'] for r in runs)} "
                 f"(by client, worst round: {max((r['lost_by_client'] for r in runs), key=sum)})  "
                 f"not yet received at close {max(r['unsettled'] for r in runs)}  "
                 f"latency p50 {med['p50_ms']:.0f} ms p99 {med['p99_ms']:.0f} ms" if count else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rounds, args.clients))
