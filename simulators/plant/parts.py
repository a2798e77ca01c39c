"""Parts: what the magazine holds, what rides the belt, and the ground-truth log."""

import random
from collections import deque
from dataclasses import dataclass, replace

COLORS = ("red", "black", "silver")
COLOR_CODES = {"red": 1, "black": 2, "silver": 3}
DEFECTS = ("missing_hole", "scratch", "chipped_edge", "wrong_diameter", "stain")
METAL_COLORS = frozenset({"silver"})


@dataclass(frozen=True)
class Part:
    """One disc; verdict and outcome are snapshots taken when the part is queried."""

    id: int
    color: str
    defect: str | None
    seed: int
    verdict: int = 0
    outcome: str | None = None
    uninspected: bool = False


@dataclass(frozen=True)
class CameraView:
    """The part in the camera field and its centre's offset from the camera axis (mm)."""

    part: Part
    offset_mm: float


class Magazine:
    """The feeder's stack of blanks; a blank gets its sequence number when pushed."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._blanks: deque[Part] = deque()

    def __len__(self) -> int:
        return len(self._blanks)

    def load(self, count: int, defect_rate: float) -> None:
        """Replace the contents with `count` random blanks."""
        rng = self._rng
        self._blanks = deque(
            Part(
                id=0,
                color=rng.choice(COLORS),
                defect=rng.choice(DEFECTS) if rng.random() < defect_rate else None,
                seed=rng.getrandbits(32),
            )
            for _ in range(count)
        )

    def take(self, part_id: int) -> Part:
        """The next blank, numbered."""
        return replace(self._blanks.popleft(), id=part_id)


class PartLog:
    """Ground truth of the most recent parts by id, newest last."""

    def __init__(self, size: int = 50) -> None:
        self._size = size
        self._parts: dict[int, Part] = {}
        self._recent: tuple[Part, ...] = ()

    def put(self, part: Part) -> None:
        """Add a new part or update the snapshot of a known one."""
        self._parts[part.id] = part
        while len(self._parts) > self._size:
            del self._parts[next(iter(self._parts))]
        self._recent = tuple(self._parts.values())

    @property
    def recent(self) -> tuple[Part, ...]:
        """The parts, oldest first: the same tuple until a part is added or updated (`is` tells a change)."""
        return self._recent
