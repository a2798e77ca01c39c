"""Grading inspection against known ground truth: verdicts, colours and a confusion matrix per defect class.

`grade(views, recipe)` inspects frames whose truth is known (anything with
``color``, ``defect`` (None: a good part) and ``image``) and returns a `Report`;
`Report.render()` prints the summary and the matrix. Sans-IO: whoever knows the
truth (the camera simulator) supplies the views.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .pipeline import DEFECTS, Result, inspect
from .recipe import Recipe


@dataclass
class Report:
    condition: str
    parts: int = 0
    verdict_ok: int = 0
    color_ok: int = 0
    confusion: dict[str, Counter] = field(default_factory=lambda: {d: Counter() for d in DEFECTS})
    false_pass: int = 0
    false_fail: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, defect: str | None, color: str, result: Result) -> None:
        self.parts += 1
        self.verdict_ok += result.passed == (defect is None)
        self.color_ok += result.color == color
        self.false_pass += result.passed and defect is not None
        self.false_fail += (not result.passed) and defect is None
        self.seconds.append(result.elapsed_s)
        for cls in DEFECTS:
            truth, found = defect == cls, cls in result.defects
            self.confusion[cls]["tp" if truth and found else "fn" if truth else "fp" if found else "tn"] += 1

    @property
    def defective(self) -> int:
        """Truly defective parts (each has one defect class)."""
        return sum(c["tp"] + c["fn"] for c in self.confusion.values())

    def precision_recall(self, cls: str) -> tuple[float, float]:
        c = self.confusion[cls]
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        return precision, recall

    def render(self) -> str:
        lines = [(f"condition {self.condition}: {self.parts} parts, verdict correct "
                  f"{100 * self.verdict_ok / max(self.parts, 1):.2f}% (false pass {self.false_pass}, "
                  f"false fail {self.false_fail}), colour correct {100 * self.color_ok / max(self.parts, 1):.2f}%, "
                  f"inspection p50 {1000 * float(np.median(self.seconds or [0])):.2f} ms"),
                 f"  {'defect':15} {'TP':>5} {'FN':>5} {'FP':>5} {'TN':>6} {'precision':>10} {'recall':>7}"]
        for cls in DEFECTS:
            c = self.confusion[cls]
            p, r = self.precision_recall(cls)
            lines.append(f"  {cls:15} {c['tp']:5} {c['fn']:5} {c['fp']:5} {c['tn']:6} {p:10.3f} {r:7.3f}")
        return "\n".join(lines)


def grade(views: Iterable, recipe: Recipe, condition: str = "normal") -> Report:
    """Inspect every view with the recipe and count the results against the views' truth."""
    report = Report(condition)
    for view in views:
        report.add(view.defect, view.color, inspect(view.image, recipe))
    return report
