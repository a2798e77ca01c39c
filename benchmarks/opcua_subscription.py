"""Data changes per second delivered by OPC UA subscriptions, latency and loss, against polling.

A server in another process has N Double variables (1,000 and 5,000 by
default) and writes all of them every 100 ms; each value is the time it was
written (epoch seconds), so a client computes latency as arrival - value.
The driver subscribes to all of them (100 ms publishing and sampling) and
counts changes, latency p50/p99 and changes lost (written but never seen).
Baseline in the same run: the driver polling the same variables with
batched Read requests every 100 ms (changes seen, latency, reads/s).

    python benchmarks/opcua_subscription.py [--sizes 1000,5000] [--seconds 8]

Not a test: it prints numbers (the machine is shared; read ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from devices import Timeouts
from devices.opcua import OpcUaDriver
from devices.profiles import DataType, Device, Kind, Point, Text

NAMESPACE = "urn:smarthall:bench"
PERIOD_S = 0.1


async def serve(size: int) -> None:
    """The server process: N variables under object Bench, all rewritten every PERIOD_S; prints the URL."""
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
            stamp = time.time()
            for node in nodes:
                await server.write_attribute_value(node.nodeid, ua.DataValue(ua.Variant(stamp, ua.VariantType.Double)))
            print(stamp, flush=True)  # one line per round: the client counts what was written
            tick += PERIOD_S
            await asyncio.sleep(max(0.0, tick - loop.time()))


def device(size: int) -> Device:
    points = tuple(Point(name=f"v{i}", kind=Kind.NODE, type=DataType.FLOAT64, text=Text("v", "v"), node=f"V{i}")
                   for i in range(size))
    return Device(name="bench", title=Text("벤치", "bench"), points=points, object="Bench")


class Tally:
    """Changes seen per variable inside a time window of write stamps, with their latencies."""

    def __init__(self, bench: Device, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.seen: dict[str, set[float]] = {p.name: set() for p in bench.points}
        self.latencies: list[float] = []

    def __call__(self, point: Point, reading) -> None:
        now = time.time()
        if reading.quality == "good" and self.start <= reading.value < self.end:
            self.seen[point.name].add(reading.value)
            self.latencies.append(now - reading.value)

    def report(self, label: str, rounds: list[float], size: int) -> None:
        written = sum(self.start <= r < self.end for r in rounds) * size
        got = sum(map(len, self.seen.values()))
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [float("nan")] * 99
        print(f"  {label:12s}: {got / (self.end - self.start):7.0f} changes/s, latency p50 {q[49] * 1000:6.1f} ms,"
              f" p99 {q[98] * 1000:6.1f} ms; {got}/{written} changes seen ({written - got} missed)")


async def measure(size: int, seconds: float) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", str(size),
                                                stdout=asyncio.subprocess.PIPE)
    rounds: list[float] = []

    async def count_rounds() -> None:
        while line := await proc.stdout.readline():
            rounds.append(float(line))
    try:
        url = (await proc.stdout.readline()).decode().strip()
        counter = asyncio.create_task(count_rounds())
        bench = device(size)
        timeouts = Timeouts(connect=10, read=10, write=10)
        print(f"{size} variables, all written every {PERIOD_S * 1000:g} ms:")

        driver = OpcUaDriver(url, NAMESPACE, timeouts)
        start = time.time() + 2.0  # after the subscription's initial values
        tally = Tally(bench, start, start + seconds)
        await driver.subscribe(bench, bench.points, tally, interval_ms=PERIOD_S * 1000)
        await asyncio.sleep(max(0.0, tally.end - time.time()) + 3.0)  # late notifications still count
        await driver.close()
        server_rate = sum(tally.start <= r < tally.end for r in rounds) * size / seconds
        print(f"  server wrote {server_rate:7.0f} changes/s")
        tally.report("subscription", rounds, size)

        driver = OpcUaDriver(url, NAMESPACE, timeouts)
        await driver.read(bench, bench.points)  # connect and resolve the nodes first
        tally, reads = Tally(bench, time.time(), time.time() + seconds), 0
        loop = asyncio.get_running_loop()
        due = loop.time()
        while time.time() < tally.end:
            for point, reading in zip(bench.points, await driver.read(bench, bench.points)):
                tally(point, reading)
            reads += 1
            due += PERIOD_S
            await asyncio.sleep(max(0.0, due - loop.time()))
        await driver.close()
        tally.report("polling", rounds, size)
        print(f"  {'':12s}  ({reads / seconds:.1f} batched reads/s of {size} nodes)")
        counter.cancel()
    finally:
        proc.kill()
        await proc.wait()


async def main(sizes: list[int], seconds: float) -> None:
    for size in sizes:
        await measure(size, seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
    else:
        asyncio.run(main([int(s) for s in args.sizes.split(",")], args.seconds))
