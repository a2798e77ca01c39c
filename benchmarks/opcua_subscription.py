"""Data changes per second delivered by OPC UA subscriptions, latency and loss, against polling.

A server in another process has N Double variables (1,000 and 5,000 by
default) and rewrites all of them in rounds every 100 ms (back to back when a
round takes longer); each value is the time it was written (epoch seconds),
so latency is arrival - value. Each round's line (start, end, the server's CPU
seconds) tells the client what was written and how busy the server was.

The driver subscribes to all of them (100 ms publishing and sampling); the
window opens once every variable has delivered its initial value, and the
window's changes may arrive up to DRAIN_S after it. A change never seen is
"coalesced" if its round started less than a sampling interval before the
next (a 100 ms sampler may legitimately see only the newer value), otherwise
"lost"; "duplicates" are changes delivered more than once (for polling: an
unchanged value read again). Baseline in the same run: the driver polling the
same variables with batched Read requests every 100 ms, counted the same way.

    python benchmarks/opcua_subscription.py [--sizes 1000,5000] [--seconds 8] [--runs 3]

Not a test: it prints medians of the runs (the machine is shared; read ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

from smarthall.devices import Timeouts
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.profiles import DataType, Device, Kind, Point, Text

NAMESPACE = "urn:smarthall:bench"
PERIOD_S = 0.1
DRAIN_S = 5.0
Settle = Callable[[Callable[[], Awaitable[int]]], Awaitable[dict[str, float]]]
COLUMNS = ("written/s", "seen/s", "coalesced", "lost", "duplicates", "p50 ms", "p99 ms", "client CPU %",
           "server CPU %", "setup s", "drain s")


async def serve(size: int) -> None:
    """The server process: N variables under object Bench, all rewritten every PERIOD_S; prints the URL, then rounds."""
    from asyncua import Server, ua

    server = Server()
    await server.init()
    server.set_endpoint("opc.tcp://127.0.0.1:0")
    idx = await server.register_namespace(NAMESPACE)
    bench = await server.nodes.objects.add_object(ua.NodeId("Bench", idx), ua.QualifiedName("Bench", idx))
    nodes = [await bench.add_variable(ua.NodeId(f"Bench.V{i}", idx), ua.QualifiedName(f"V{i}", idx), 0.0)
             for i in range(size)]
    async with server:
        port = server.bserver._server.sockets[0].getsockname()[1]
        print(f"opc.tcp://127.0.0.1:{port}", flush=True)
        loop = asyncio.get_running_loop()
        tick = loop.time()
        while True:
            start = time.time()
            for node in nodes:
                await server.write_attribute_value(node.nodeid,
                                                   ua.DataValue(ua.Variant(time.time(), ua.VariantType.Double)))
            print(start, time.time(), time.process_time(), flush=True)
            tick = max(tick + PERIOD_S, loop.time())  # a late round is not made up for by a burst
            await asyncio.sleep(tick - loop.time())


@dataclass(frozen=True)
class Round:
    start: float
    end: float
    cpu: float  # the server's CPU seconds when the round was written


def device(size: int) -> Device:
    points = tuple(Point(name=f"v{i}", kind=Kind.NODE, type=DataType.FLOAT64, text=Text("v", "v"), node=f"V{i}")
                   for i in range(size))
    return Device(name="bench", title=Text("벤치", "bench"), points=points, object="Bench")


class Tally:
    """Every good value delivered per variable, with its arrival time (no more per change: node-opcua's client
    in benchmarks/nodeopcua keeps the same, and the client's CPU is measured with it)."""

    def __init__(self, bench: Device) -> None:
        self.values: dict[str, list[tuple[float, float]]] = {p.name: [] for p in bench.points}

    def __call__(self, point: Point, reading) -> None:
        if reading.quality == "good":
            self.values[point.name].append((reading.value, time.time()))

    def complete(self) -> bool:
        return all(self.values.values())

    def received(self, first: float, following: float) -> int:
        """The distinct values written from first until following delivered so far."""
        return sum(len({v for v, _ in values if first <= v < following}) for values in self.values.values())


def account(tally: Tally, rounds: list[Round], start: float, end: float) -> dict[str, float]:
    """Written, seen, coalesced, lost, duplicates and latencies of the rounds that started inside [start, end)."""
    starts = [r.start for r in rounds]
    window = range(bisect.bisect_left(starts, start), bisect.bisect_left(starts, end))
    quick = {k for k in window if rounds[k + 1].start - rounds[k].start < PERIOD_S}
    seen = coalesced = duplicates = 0
    latencies = []
    for values in tally.values.values():
        got: set[int] = set()
        for value, arrival in values:
            k = bisect.bisect_right(starts, value) - 1
            if k in window:
                if k in got:
                    duplicates += 1
                else:
                    got.add(k)
                    latencies.append(arrival - value)
        seen += len(got)
        coalesced += len(quick - got)
    written = len(window) * len(tally.values)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    first, last = rounds[window[0]], rounds[window[-1]]  # the server's CPU share while writing the window
    return {"written/s": written / (end - start), "seen/s": seen / (end - start), "coalesced": coalesced,
            "lost": written - seen - coalesced, "duplicates": duplicates, "p50 ms": q[49] * 1000, "p99 ms": q[98] * 1000,
            "server CPU %": (last.cpu - first.cpu) / (last.end - first.end) * 100}


class BenchServer:
    """The server process and the rounds it reports."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.rounds: list[Round] = []

    async def __aenter__(self) -> Self:
        self.proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", str(self.size),
                                                         stdout=asyncio.subprocess.PIPE)
        self.url = (await self.proc.stdout.readline()).decode().strip()
        self.reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        self.reader.cancel()
        self.proc.kill()
        await self.proc.wait()

    async def _read(self) -> None:
        while line := await self.proc.stdout.readline():
            self.rounds.append(Round(*map(float, line.split())))

    async def after(self, moment: float) -> None:
        """Until a round that started at or after moment is reported, so every round before it is complete."""
        while not self.rounds or self.rounds[-1].start < moment:
            await asyncio.sleep(PERIOD_S)


async def until(condition, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def subscription(server: BenchServer, seconds: float, namespace: str = NAMESPACE,
                       sampling_ms: float | None = None, settle: Settle | None = None) -> dict[str, float]:
    """Subscribe, open the window once all initial values are in, then let the window's changes drain.

    settle(delivered), when given, drains instead (delivered: the changes the driver has delivered so far)
    and its counts join the result.
    """
    bench = device(server.size)
    tally = Tally(bench)
    driver = OpcUaDriver(server.url, namespace, Timeouts(connect=10, read=60, write=10), sampling_ms=sampling_ms)

    async def delivered() -> int:
        return driver.health.changes

    began = time.monotonic()
    await driver.subscribe(bench, bench.points, tally, interval_ms=PERIOD_S * 1000)
    await until(tally.complete, 60)
    setup = time.monotonic() - began
    start, cpu = time.time(), time.process_time()
    await asyncio.sleep(seconds)
    client = (time.process_time() - cpu) / (time.time() - start) * 100
    await server.after(start + seconds)
    starts = [r.start for r in server.rounds if r.start >= start]
    rounds = bisect.bisect_left(starts, start + seconds)  # written in the window; starts[rounds] is the next
    first, following = starts[0], starts[rounds]
    ended = time.monotonic()
    settled: dict[str, float] = {}
    if settle is None:
        await until(lambda: tally.received(first, following) >= rounds * server.size, DRAIN_S)
    else:
        settled = await settle(delivered)
    drain = time.monotonic() - ended
    lost, in_flight = driver.health.lost, driver.health.target
    await driver.close()
    return account(tally, server.rounds, start, start + seconds) | {
        "client CPU %": client, "setup s": setup, "drain s": drain, "health lost": lost, "in flight": in_flight,
    } | settled


async def polling(server: BenchServer, seconds: float) -> dict[str, float]:
    """One batched Read of all variables every PERIOD_S, counted like the subscription."""
    bench = device(server.size)
    tally = Tally(bench)
    driver = OpcUaDriver(server.url, NAMESPACE, Timeouts(connect=10, read=60, write=10))
    began = time.monotonic()
    await driver.read(bench, bench.points)  # connect and resolve the nodes first
    setup = time.monotonic() - began
    start, cpu, reads = time.time(), time.process_time(), 0
    loop = asyncio.get_running_loop()
    due = loop.time()
    while time.time() < start + seconds:
        for point, reading in zip(bench.points, await driver.read(bench, bench.points)):
            tally(point, reading)
        reads += 1
        due += PERIOD_S
        await asyncio.sleep(max(0.0, due - loop.time()))
    client = (time.process_time() - cpu) / (time.time() - start) * 100
    await driver.close()
    await server.after(start + seconds)
    return account(tally, server.rounds, start, start + seconds) | {
        "client CPU %": client, "setup s": setup, "reads/s": reads / seconds}


async def measure(size: int, seconds: float, runs: int) -> None:
    results: dict[str, list[dict[str, float]]] = {"subscription": [], "polling": []}
    for _ in range(runs):
        async with BenchServer(size) as server:
            results["subscription"].append(await subscription(server, seconds))
        async with BenchServer(size) as server:
            results["polling"].append(await polling(server, seconds))
    print(f"{size} variables, all rewritten every {PERIOD_S * 1000:g} ms; medians of {runs} runs"
          f" ({seconds:g} s windows, changes counted over the window):")
    print(f"  {'':12s}" + "".join(f"{c:>13s}" for c in COLUMNS))
    for mode, rows in results.items():
        cells = [statistics.median(r[c] for r in rows) if c in rows[0] else None for c in COLUMNS]
        print(f"  {mode:12s}" + "".join(f"{'-':>13s}" if v is None else f"{v:13.1f}" for v in cells))
    print(f"  {'':12s}  polling: {statistics.median(r['reads/s'] for r in results['polling']):.1f}"
          f" batched reads/s of {size} nodes")


async def main(sizes: list[int], seconds: float, runs: int) -> None:
    for size in sizes:
        await measure(size, seconds, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
    else:
        asyncio.run(main([int(s) for s in args.sizes.split(",")], args.seconds, args.runs))
