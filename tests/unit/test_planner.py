"""Block-read planner (sans-IO): limits, gaps, kinds, whole values, and the split after exception 02."""

from __future__ import annotations

import pytest

from smarthall.devices.modbus.planner import Block, Limits, Planner
from smarthall.devices.profiles import DataType, Kind, Point, Text


def pt(address: int, kind: Kind = Kind.HOLDING_REGISTER, dtype: DataType = DataType.UINT16, **extra) -> Point:
    if kind.is_bit:
        dtype = DataType.BOOL
    return Point(name=f"{kind}{address}{extra.get('bit', '')}", kind=kind, type=dtype, text=Text("p", "p"),
                 address=address, **extra)


def spans(blocks: list[Block]) -> list[tuple[Kind, int, int]]:
    return [(b.kind, b.start, b.count) for b in blocks]


H, I, C, D = Kind.HOLDING_REGISTER, Kind.INPUT_REGISTER, Kind.COIL, Kind.DISCRETE_INPUT


def test_contiguous_registers_are_one_request():
    assert spans(Planner().plan(1, [pt(a) for a in range(10)])) == [(H, 0, 10)]


def test_a_gap_up_to_the_largest_is_read_through_and_a_larger_one_splits():
    planner = Planner(Limits(register_gap=3))
    assert spans(planner.plan(1, [pt(0), pt(4)])) == [(H, 0, 5)]
    assert spans(planner.plan(1, [pt(0), pt(5)])) == [(H, 0, 1), (H, 5, 1)]


def test_no_request_exceeds_125_registers_or_2000_bits():
    blocks = Planner().plan(1, [pt(a) for a in range(300)] + [pt(a, C) for a in range(4500)])
    assert spans(blocks) == [(C, 0, 2000), (C, 2000, 2000), (C, 4000, 500),
                             (H, 0, 125), (H, 125, 125), (H, 250, 50)]


def test_a_32_bit_value_is_never_split_across_requests():
    points = [pt(a) for a in range(124)] + [pt(124, dtype=DataType.FLOAT32)]
    blocks = Planner().plan(1, points)
    assert spans(blocks) == [(H, 0, 124), (H, 124, 2)]
    assert blocks[1].points == (points[-1],)


def test_kinds_are_planned_apart_in_a_fixed_order_whatever_the_input_order():
    points = [pt(0, I), pt(1, H), pt(0, D), pt(3, C), pt(0, H), pt(1, I, DataType.INT32)]
    assert spans(Planner().plan(1, points)) == [(C, 3, 1), (D, 0, 1), (I, 0, 3), (H, 0, 2)]


def test_bits_of_one_register_share_it():
    points = [pt(7, bit=b, dtype=DataType.UINT16) for b in (0, 5, 15)]
    (block,) = Planner().plan(1, points)
    assert (block.start, block.count) == (7, 1)
    assert block.values([0b1000_0000_0010_0000]) == [(points[0], False), (points[1], True), (points[2], True)]


def test_block_values_decode_each_point_from_its_offset():
    points = [pt(10, dtype=DataType.INT16, scale=0.1), pt(12, dtype=DataType.UINT32)]
    (block,) = Planner().plan(1, points)
    assert block.values([0xFF85, 0xDEAD, 0x0001, 0x1170]) == [(points[0], pytest.approx(-12.3)), (points[1], 70000)]


def test_refused_block_splits_at_its_gaps_and_the_next_scan_remembers():
    planner = Planner(Limits(register_gap=10))
    points = [pt(0), pt(1), pt(8, dtype=DataType.UINT32)]
    (block,) = planner.plan(1, points)
    assert spans(planner.refuse(1, block)) == [(H, 0, 2), (H, 8, 2)]
    assert spans(planner.plan(1, points)) == [(H, 0, 2), (H, 8, 2)]
    assert spans(planner.plan(2, points)) == [(H, 0, 10)], "another unit keeps its own plan"


def test_refused_block_without_gaps_splits_into_single_points_then_stops():
    planner = Planner()
    points = [pt(0), pt(1, dtype=DataType.FLOAT32)]
    (block,) = planner.plan(1, points)
    smaller = planner.refuse(1, block)
    assert spans(smaller) == [(H, 0, 1), (H, 1, 2)]
    assert planner.refuse(1, smaller[1]) == [smaller[1]], "one point cannot be split"


def test_breaks_apply_only_to_their_kind():
    planner = Planner()
    (block,) = planner.plan(1, [pt(0), pt(1)])
    planner.refuse(1, block)
    assert spans(planner.plan(1, [pt(0, I), pt(1, I)])) == [(I, 0, 2)]


def test_a_node_point_has_no_address_to_plan():
    node = Point(name="t", kind=Kind.NODE, type=DataType.FLOAT64, text=Text("t", "t"), node="T")
    with pytest.raises(ValueError, match="t: a node has no Modbus address"):
        Planner().plan(1, [node])


def test_a_tuple_of_points_is_planned_once_until_a_refusal():
    planner = Planner(Limits(register_gap=10))
    points = (pt(0), pt(1), pt(8), pt(9))
    (block,) = planner.plan(1, points)
    assert planner.plan(1, points)[0] is block, "the same blocks, their decoders built once"
    planner.refuse(1, block)
    assert spans(planner.plan(1, points)) == [(H, 0, 2), (H, 8, 2)], "a refusal's breaks reach the kept plan"
