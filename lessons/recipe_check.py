"""Grading a trainee's inspection recipe against the camera simulator's ground truth (the `recipe` check).

`grade(path, check, ground_truth)` loads the recipe and runs it on `check.parts`
parts rendered with `check.seed`: the very parts `smarthall inspect evaluate
--recipe FILE --parts N --seed S --defect-rate R` shows the trainee. It returns a
`Grade`, or the recipe loader's message (file and key) when the file cannot be
used. The parts come from `ground_truth(parts, seed, defect_rate)`: pictures with
known truth, which the composition root takes from the camera simulator's
renderer (lessons import no simulator code). About a second of CPU for 200
parts, so the runner calls it in a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from smarthall.devices.profiles import Text
from smarthall.edge.inspection import RecipeError, load_recipe

if TYPE_CHECKING:
    from .checks.types.recipe import RecipeCheck

GroundTruth = Callable[[int, int, float], Iterable]  # (parts, seed, defect_rate) -> views with their true class


@dataclass(frozen=True)
class Grade:
    """A recipe's pass/fail decisions against the ground truth."""

    parts: int
    defective: int  # truly defective parts
    false_pass: int  # defective parts the recipe passed
    false_fail: int  # good parts the recipe failed

    @property
    def rejected(self) -> int:
        return self.defective - self.false_pass + self.false_fail

    @property
    def agreement(self) -> float:
        return (self.parts - self.false_pass - self.false_fail) / self.parts if self.parts else 0.0

    def said(self) -> Text:
        return Text(ko=f"부품 {self.parts}개: 불합격 {self.rejected}, 실제 불량 {self.defective}, 일치율 {self.agreement:.1%},"
                       f" 불량 합격 {self.false_pass}, 양품 불합격 {self.false_fail}",
                    en=f"{self.parts} parts: rejected {self.rejected}, defective {self.defective}, agreement "
                       f"{self.agreement:.1%}, false pass {self.false_pass}, false fail {self.false_fail}")

    def __str__(self) -> str:
        return self.said().en


def grade(path: Path, check: RecipeCheck, ground_truth: GroundTruth) -> Grade | str:
    """How the recipe at `path` decides on the check's parts, or why it cannot be used."""
    from smarthall.edge.inspection.grading import grade as grade_views  # OpenCV and numpy: only when grading

    try:
        recipe = load_recipe(path)
    except RecipeError as exc:
        return str(exc)
    report = grade_views(ground_truth(check.parts, check.seed, check.defect_rate), recipe)
    return Grade(report.parts, report.defective, report.false_pass, report.false_fail)
