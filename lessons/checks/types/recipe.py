"""`recipe`: the trainee's inspection recipe, run on parts the camera simulator renders, agrees with the ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key, Said

from ..base import Check, say
from ..loaded import FileCheck
from ..registry import CheckType, register

NO_GROUND_TRUTH = "no parts with known truth to grade the recipe on (the camera simulator's, from the lab)"
GRADED = Text(ko="{grade} (목표 {want})", en="{grade} (want {want})")
AGREEMENT = Text(ko="일치율 >= {share:.1%}", en="agreement >= {share:.1%}")
LIMITS = {"false_pass": Text(ko="불량 합격 <= {n}", en="false pass <= {n}"),
          "false_fail": Text(ko="양품 불합격 <= {n}", en="false fail <= {n}")}


@dataclass(frozen=True)
class RecipeCheck(Check):
    """The trainee's copy of an inspection recipe (`file`, in the workspace) loads, and its pass/fail decisions on
    `parts` parts rendered by the camera simulator (fixed `seed`, `defect_rate` of them defective) agree with the
    ground truth on at least `min_agreement` of them, with at most `max_false_pass` bad parts passed and
    `max_false_fail` good parts failed (None: not limited)."""

    file: str
    min_agreement: float
    parts: int = 200
    seed: int = 1
    defect_rate: float = 0.1
    max_false_pass: int | None = None
    max_false_fail: int | None = None


class Recipe(FileCheck):
    def load(self, path: Path, ground_truth) -> object:
        from ...recipe_check import grade  # OpenCV: only when a recipe is graded

        return NO_GROUND_TRUTH if ground_truth is None else grade(path, self.check, ground_truth)

    def judge(self, grade) -> tuple[bool, Text]:
        check = self.check
        wanted = [(grade.agreement >= check.min_agreement - 1e-9, say(AGREEMENT, share=check.min_agreement))]
        for key, text in LIMITS.items():
            limit = getattr(check, f"max_{key}")
            if limit is not None:
                wanted.append((getattr(grade, key) <= limit, say(text, n=limit)))
        want = Text(ko=", ".join(t.ko for _, t in wanted), en=", ".join(t.en for _, t in wanted))
        return all(ok for ok, _ in wanted), say(GRADED, grade=grade.said(), want=want)


def parse(reader, data, where: str) -> RecipeCheck:
    d = RecipeCheck("", 0)
    return RecipeCheck(reader.get(data, "file", where, str), float(reader.number(data, "min_agreement", where, 0, 1)),
                       parts=reader.whole(data, "parts", where, 10, 2000, d.parts),
                       seed=reader.whole(data, "seed", where, 0, 2**32 - 1, d.seed),
                       defect_rate=float(reader.number(data, "defect_rate", where, 0, 1, d.defect_rate)),
                       **{key: reader.whole(data, key, where, 0, 2000)
                          for key in ("max_false_pass", "max_false_fail") if key in data})


register(CheckType(
    Entry("recipe", "the trainee's inspection recipe, run on parts the camera simulator renders, agrees with the"
          " ground truth", (Key("type", '"recipe"', ""), Key("file", "workspace file name", "one of the step's `files`"),
                            Key("min_agreement", "0..1", "share of right verdicts"), Key("parts", "10..2000", "", 200),
                            Key("seed", "whole number", "", 1), Key("defect_rate", "0..1", "", 0.1),
                            Key("max_false_pass", "0..2000", "bad parts passed at most", Said("not limited")),
                            Key("max_false_fail", "0..2000", "good parts failed at most", Said("not limited"))),
          "the starting copy fails, the solution's edit passes"),
    RecipeCheck, parse, Recipe, ("config-task",), probe="file"))
