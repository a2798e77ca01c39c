"""Block-read planning, sans-IO: a device's points in the fewest Modbus read requests.

Points of one kind are sorted by address and merged into a block while the
block stays within the protocol's limits (125 registers, 2000 bits) and the
unread gap between neighbours is at most the configured largest gap. A point
is never split across blocks (a float32's two registers come in one reply).
Several bits of one register share it.

Devices that refuse some ranges with exception 02 (illegal data address),
typically because a gap holds unmapped addresses, are handled as commercial
gateways' "optimise" settings do: `refuse(block)` remembers where the block
must break (at its gaps first; if it had none, around every point) and
returns the smaller blocks; later plans keep those breaks.

A plan for a tuple of points is kept (a scanner asks for the same tuple every
scan) until a refusal changes the breaks; each block decodes its reply at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..profiles import Kind, Point
from ..profiles.codec import block_decoder

MAX_REGISTERS = 125
MAX_BITS = 2000
PLANS_KEPT = 64


@dataclass(frozen=True)
class Limits:
    """The largest request and the largest unread gap inside one, in registers and in bits."""

    registers: int = MAX_REGISTERS
    bits: int = MAX_BITS
    register_gap: int = 10
    bit_gap: int = 160  # as many bytes on the wire as 10 registers

    def size(self, kind: Kind) -> int:
        return self.bits if kind.is_bit else self.registers

    def gap(self, kind: Kind) -> int:
        return self.bit_gap if kind.is_bit else self.register_gap


@dataclass(frozen=True)
class Block:
    """One read request: `count` addresses of `kind` from `start`, and the points in them."""

    kind: Kind
    start: int
    count: int
    points: tuple[Point, ...]

    def values(self, data: Sequence[int | bool]) -> list[tuple[Point, bool | int | float | str]]:
        """Each point's value from the block's reply (bits or registers, `count` of them or more)."""
        return list(zip(self.points, self.decode(data)))

    def decode(self, data: Sequence[int | bool]) -> list[bool | int | float | str]:
        """The points' values from the block's reply, in the order of `points`."""
        if len(data) < self.count:
            raise ValueError(f"a block of {self.count} {self.kind}s got {len(data)} values")
        return self._decoder(data)

    @cached_property
    def _decoder(self) -> Callable[[Sequence[int | bool]], list]:
        if self.kind.is_bit:
            offsets = [point.address - self.start for point in self.points]
            return lambda data: [bool(data[at]) for at in offsets]
        return block_decoder(self.start, self.count, self.points)


@dataclass
class Planner:
    """Plans reads per unit and remembers the breaks refused ranges taught it."""

    limits: Limits = Limits()
    _breaks: dict[tuple[int | None, Kind], set[int]] = field(default_factory=dict)
    _plans: dict[tuple[int | None, int], tuple[tuple[Point, ...], list[Block]]] = field(default_factory=dict)

    def plan(self, unit: int | None, points: Iterable[Point]) -> list[Block]:
        """The fewest blocks reading all points (kinds in a fixed order, addresses ascending).

        The plan of a tuple is remembered (by identity, at most `PLANS_KEPT`) until the next refusal.
        """
        if not isinstance(points, tuple):
            return self._plan(unit, points)
        kept = self._plans.get((unit, id(points)))
        if kept is None or kept[0] is not points:
            if len(self._plans) >= PLANS_KEPT:
                del self._plans[next(iter(self._plans))]
            kept = self._plans[unit, id(points)] = (points, self._plan(unit, points))
        return list(kept[1])

    def _plan(self, unit: int | None, points: Iterable[Point]) -> list[Block]:
        by_kind: dict[Kind, list[Point]] = {}
        for point in points:
            if point.address is None:
                raise ValueError(f"{point.name}: a {point.kind} has no Modbus address")
            by_kind.setdefault(point.kind, []).append(point)
        blocks: list[Block] = []
        for kind in Kind:
            if kind in by_kind:
                blocks += self._blocks(kind, sorted(by_kind[kind], key=lambda p: p.address),
                                       self._breaks.get((unit, kind), set()))
        return blocks

    def refuse(self, unit: int | None, block: Block) -> list[Block]:
        """The device answered `block` with exception 02: remember breaks; the blocks to read instead.

        A block that cannot be split (one point, or bits of one register) comes back as it is.
        """
        gaps, end = set(), block.start
        for point in sorted(block.points, key=lambda p: p.address):
            if point.address > end:
                gaps.add(point.address)
            end = max(end, point.address + point.width)
        self._breaks.setdefault((unit, block.kind), set()).update(gaps or {p.address for p in block.points})
        self._plans.clear()
        return self.plan(unit, block.points)

    def _blocks(self, kind: Kind, points: list[Point], breaks: set[int]) -> list[Block]:
        size, gap = self.limits.size(kind), self.limits.gap(kind)
        blocks: list[Block] = []
        group: list[Point] = []
        start = end = 0
        for point in points:
            point_end = point.address + point.width
            if group and (point.address in breaks and point.address >= end or point.address - end > gap
                          or max(end, point_end) - start > size):
                blocks.append(Block(kind, start, end - start, tuple(group)))
                group = []
            if not group:
                start, end = point.address, point_end
            group.append(point)
            end = max(end, point_end)
        if group:
            blocks.append(Block(kind, start, end - start, tuple(group)))
        return blocks
