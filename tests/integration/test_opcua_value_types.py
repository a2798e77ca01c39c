"""A server value of another kind than the point's type is BAD, naming both, never rounded or reinterpreted.

Real PLCs' servers are mapped by hand: a profile may say int16 where the server holds a Double, or
float32 where it holds text. Read or subscribed, such a value is BAD "type mismatch" (the old driver
stored int(3.7) = 3, float("12") = 12.0 and bool(2) = True as GOOD), a whole-number Double for an
integer point and an integer for a float point are taken as they are, and a mismatched value in a
publish message does not hold back the other items in it.
"""

from __future__ import annotations

import random

import pytest
from asyncua import Server, ua

from smarthall.devices import Quality, Reading, Timeouts
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.opcua.standard_space import init_server
from smarthall.devices.profiles import DataType, Device, Kind, Point, Text
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

TIMEOUTS = Timeouts(connect=10.0, read=10.0, write=5.0, backoff_min=0.05, backoff_max=0.2)
SERVED = {  # variable: (the server's variant, the profile's type, what the driver makes of it)
    "fraction": (ua.Variant(3.7, ua.VariantType.Double), DataType.INT16, "type mismatch: expected a whole number"),
    "whole": (ua.Variant(4.0, ua.VariantType.Double), DataType.INT16, 4),
    "count": (ua.Variant(7, ua.VariantType.Int32), DataType.FLOAT64, 7.0),
    "label": (ua.Variant("12", ua.VariantType.String), DataType.FLOAT32, "type mismatch: expected a number"),
    "flag": (ua.Variant(True, ua.VariantType.Boolean), DataType.FLOAT64, "type mismatch: expected a number"),
    "level": (ua.Variant(2, ua.VariantType.Int16), DataType.BOOL, "type mismatch: expected a Boolean"),
    "curve": (ua.Variant([1.0, 2.0], ua.VariantType.Double), DataType.FLOAT64, "type mismatch: expected a number"),
    "name": (ua.Variant(5, ua.VariantType.Int32), DataType.STRING, "type mismatch: expected text"),
    "after": (ua.Variant(2.5, ua.VariantType.Double), DataType.FLOAT64, 2.5),
}
DEVICE = Device(name="plc", title=Text("PLC", "PLC"), object="PLC", points=tuple(
    Point(name=name, kind=Kind.NODE, type=dtype, text=Text(name, name), node=f"ns=2;s=PLC.{name}")
    for name, (_, dtype, _) in SERVED.items()))


@pytest.fixture
async def url():
    server = Server()
    await init_server(server)
    server.set_endpoint("opc.tcp://127.0.0.1:0")
    idx = await server.register_namespace("urn:smarthall:test:types")
    plc = await server.nodes.objects.add_object(idx, "PLC")
    for name, (variant, _, _) in SERVED.items():
        await plc.add_variable(ua.NodeId(f"PLC.{name}", idx), name, variant)
    await server.start()
    try:
        yield f"opc.tcp://127.0.0.1:{server.bserver.port}"
    finally:
        await server.stop()


def check(readings: dict[str, Reading]) -> None:
    for name, (variant, _, expected) in SERVED.items():
        reading = readings[name]
        if isinstance(expected, str):
            assert reading.quality is Quality.BAD and reading.value is None, name
            assert reading.reason.startswith(expected) and repr(variant.Value)[:3] in reading.reason, name
        else:
            assert (reading.quality, reading.value, type(reading.value)) == (Quality.GOOD, expected, type(expected))


async def test_read_values_of_another_kind_are_bad(url):
    driver = OpcUaDriver(url, "", TIMEOUTS, rng=random.Random(0))
    try:
        readings = await driver.read(DEVICE, DEVICE.points)
    finally:
        await driver.close()
    check({p.name: r for p, r in zip(DEVICE.points, readings, strict=True)})


async def test_subscribed_values_of_another_kind_are_bad_and_hold_back_nothing(url):
    driver = OpcUaDriver(url, "", TIMEOUTS, rng=random.Random(0))
    delivered: dict[str, Reading] = {}
    try:
        await driver.subscribe(DEVICE, DEVICE.points, lambda point, reading: delivered.update({point.name: reading}))
        await until(lambda: len(delivered) == len(SERVED), timeout=30)
    finally:
        await driver.close()
    check(delivered)
