"""Inspection accuracy: precision and recall per defect class on parts rendered by the camera simulator.

At least 2,000 parts per condition at the feeder's default defect rate (0.1), under
normal light, dim_light and noise (blur too). The baseline beside each is the
trivial inspector that passes every part (its verdicts are right 1 - defect rate
of the time). Goal (issue 4): >= 99.5 % correct verdicts in normal light.

    /tmp/venv/bin/python benchmarks/inspection_accuracy.py [--parts 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smarthall.inspect_commands import evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=2000)
    parser.add_argument("--defect-rate", type=float, default=0.1)
    parser.add_argument("--conditions", default="normal,dim_light,noise,blur")
    args = parser.parse_args()
    for condition in args.conditions.split(","):
        started = time.perf_counter()
        report = evaluate(args.parts, condition, seed=7, defect_rate=args.defect_rate)
        defective = sum(report.confusion[c]["tp"] + report.confusion[c]["fn"] for c in report.confusion)
        print(report.render())
        print(f"  baseline (pass everything): verdict correct {100 * (1 - defective / report.parts):.2f}%   "
              f"[{time.perf_counter() - started:.1f} s]\n", flush=True)


if __name__ == "__main__":
    main()
