"""The fault kinds of the simulated line, as the simulator describes them (sim control's ``FaultKinds``).

Lessons never import the simulator: the composition root (``smarthall``) hands
them a `FaultCatalogue` read from sim control, or from the simulator's data
when lessons are validated without a running line. The validator checks a
fault drill's kind and params against it, the fault panel lists it, and the
format reference prints it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from smarthall.devices.profiles import Text


@dataclass(frozen=True)
class FaultParam:
    name: str
    default: float | str | None  # None: the simulator picks (e.g. a stuck sensor's value now)
    low: float = -math.inf
    high: float = math.inf
    choices: tuple[float | str, ...] = ()

    def problem(self, value: object) -> Text | None:
        """None when `value` is allowed, else what is expected."""
        if self.choices:
            listed = ", ".join(map(str, self.choices))
            return None if value in self.choices and not isinstance(value, bool) else \
                Text(ko=f"{listed} 중 하나여야 합니다, 받은 값 {value!r}", en=f"expected one of {listed}, got {value!r}")
        if self.default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not self.low <= value <= self.high:
            span = f"{self.low:g}..{self.high:g}"
            return Text(ko=f"{span} 범위의 숫자여야 합니다, 받은 값 {value!r}",
                        en=f"expected a number in {span}, got {value!r}")
        return None

    def __str__(self) -> str:
        if self.choices:
            allowed = " | ".join(map(str, self.choices))
        elif math.isinf(self.low) and math.isinf(self.high):
            allowed = "a number"
        else:
            allowed = f"{self.low:g}..{self.high:g}"
        default = "its value now" if self.default is None else f"{self.default}"
        return f"`{self.name}` ({allowed}; default {default})"


@dataclass(frozen=True)
class FaultTargets:
    """A group of targets (or one target) and the params a kind takes there."""

    targets: str
    params: tuple[FaultParam, ...]


@dataclass(frozen=True)
class FaultKind:
    kind: str
    name: Text  # what a screen calls it (an English one: the kind)
    example: str  # a target it accepts
    targets: tuple[FaultTargets, ...]
    does: Text
    shows: Text  # when it shows on the line

    @property
    def params(self) -> dict[str, FaultParam]:
        return {p.name: p for group in self.targets for p in group.params}


@dataclass(frozen=True)
class FaultCatalogue:
    kinds: tuple[FaultKind, ...]

    @classmethod
    def from_data(cls, data: Iterable[Mapping]) -> FaultCatalogue:
        """From the simulator's description (JSON-ready: kind, name, example, targets, does, shows)."""
        return cls(tuple(FaultKind(
            kind=k["kind"], name=Text(**k["name"]), example=k["example"],
            targets=tuple(FaultTargets(t["targets"], tuple(
                FaultParam(name, p["default"], p.get("min", -math.inf), p.get("max", math.inf),
                           tuple(p.get("choices", ()))) for name, p in t["params"].items())) for t in k["targets"]),
            does=Text(**k["does"]), shows=Text(**k["shows"])) for k in data))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.kind for k in self.kinds)

    def get(self, kind: str) -> FaultKind | None:
        return next((k for k in self.kinds if k.kind == kind), None)

    def name(self, kind: str, lang: str) -> str:
        """What a `lang` screen calls the kind (the kind itself if the catalogue does not know it)."""
        found = self.get(kind)
        return kind if found is None else found.name(lang)
