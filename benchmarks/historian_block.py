"""The historian's CPU per 1,000 values as the edge agent feeds it: record_all (TagValues) against record_block.

The load of benchmarks/scan_vs_nodered.py without the network: 10 devices of 100 tags (90 ints, 10
floats), every value changing on every scan, 10 scans per simulated second, a flush each simulated
second (flush_s = 1, as the agent's housekeeping) written in this thread so that its cost is counted
apart. Each way records the same values into its own file, in turns of one simulated second (the
machine's load falls on both alike):

- record_all: a TagValue per value made beforehand (not counted: the scan makes them), a device's
  list per call, as agent._publish_all does today;
- record_block: a device's values list, one timestamp per scan (the scan's AllGood path).

Printed: CPU seconds (process_time) per 1,000 values recorded, for recording and for writing (the
flushes, their compactions included: `recent` is compacted each store.RECENT_CHUNKS chunks), median of
the simulated seconds and totals, with the ratio of the two ways. Defaults take ~1 minute.

Measured (loaded 2-core machine, 120 s): recording 1.38 -> 0.20 ms (7.0x); writing 1.62 -> 0.63 s in
total (whole blocks go to `recent` as segments). Before schema 3 (main at 9a22bec, same run of this
benchmark): writing 2.48 s (record_all) / 3.09 s (record_block) in total.

    python benchmarks/historian_block.py [--seconds 120] [--devices 10] [--tags 100]

Not a test: it prints numbers; read medians and ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from smarthall.devices.quality import Quality
from smarthall.edge.historian import Historian
from smarthall.edge.tags import TagValue

SCANS_PER_S = 10
FLOATS = 10  # of each device's tags, the last ones (the rest are ints)


def scans(devices: int, tags: int, second: int) -> list[tuple[int, float, list]]:
    """(device, timestamp, values) of one simulated second, every value changed since the scan before."""
    out = []
    for scan in range(SCANS_PER_S):
        n = second * SCANS_PER_S + scan
        for device in range(devices):
            values: list = [(n + i) % 65536 for i in range(tags - FLOATS)]
            values += [n * 0.5 + i for i in range(FLOATS)]
            out.append((device, 1.7e9 + n / SCANS_PER_S, values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120, help="simulated seconds (one flush each)")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--tags", type=int, default=100, help="tags per device")
    args = parser.parse_args()
    names = [tuple(f"plc{d}.t{i}" for i in range(args.tags)) for d in range(args.devices)]
    units = tuple("" for _ in range(args.tags))
    deadbands = tuple(0.0 for _ in range(args.tags))
    deadband_of = dict.fromkeys((tag for device in names for tag in device), 0.0)
    good = Quality.GOOD
    cpu = {(way, part): [] for way in ("record_all", "record_block") for part in ("record", "write")}
    with tempfile.TemporaryDirectory() as folder:
        historians = {way: Historian(Path(folder) / f"{way}.db", batch_size=10**9)
                      for way in ("record_all", "record_block")}
        try:
            for second in range(args.seconds):
                batch = scans(args.devices, args.tags, second)
                made = [[TagValue(tag, value, good, ts) for tag, value in zip(names[device], values, strict=True)]
                        for device, ts, values in batch]
                for way, h in historians.items():
                    start = time.process_time()
                    if way == "record_all":
                        for block in made:
                            h.record_all(block, deadband_of)
                    else:
                        for device, ts, values in batch:
                            h.record_block(names[device], units, values, ts, deadbands)
                    recorded = time.process_time()
                    h.flush()
                    cpu[way, "record"].append(recorded - start)
                    cpu[way, "write"].append(time.process_time() - recorded)
        finally:
            for h in historians.values():
                h.close()
    per_second = args.devices * args.tags * SCANS_PER_S / 1000
    print(f"{args.devices} devices x {args.tags} tags, every value changing, {SCANS_PER_S} scans/s, "
          f"{args.seconds} flushes (one per simulated second); CPU ms per 1,000 values, median of the seconds:")
    for part in ("record", "write"):
        old, new = (statistics.median(cpu[way, part]) / per_second * 1000 for way in ("record_all", "record_block"))
        total = (sum(cpu["record_all", part]), sum(cpu["record_block", part]))
        print(f"  {part:7s} record_all {old:7.3f}   record_block {new:7.3f}   ratio {old / new:5.2f}x"
              f"   (totals {total[0]:.2f} s / {total[1]:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
