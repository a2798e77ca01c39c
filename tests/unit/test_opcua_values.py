"""Sans-IO parts of the OPC UA simulators: variant coercion, argument checks, status mapping, naming."""

from __future__ import annotations

import pytest
from asyncua import ua

from smarthall.simulators.opcua.calls import Arg, _refusal
from smarthall.simulators.opcua.process_server import _plant_attribute, _units
from smarthall.simulators.opcua.status import StatusError, as_status_error
from smarthall.simulators.opcua.variants import coerce
from smarthall.simulators.plant import FaultError, Plant, SensorFailure, WriteRejected

V = ua.VariantType


@pytest.mark.parametrize(("variant", "vtype", "expected"), [
    (ua.Variant(5), V.UInt16, 5),                       # a Python client's Int64 fits a UInt16
    (ua.Variant(5), V.Double, 5.0),
    (ua.Variant(2.5, V.Float), V.Double, 2.5),
    (ua.Variant(True), V.Boolean, True),
    (ua.Variant(None), V.String, ""),
    (ua.Variant("x"), V.String, "x"),
])
def test_coerce_takes_numbers_leniently(variant, vtype, expected):
    value = coerce(variant, vtype, "p")
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("variant", "vtype", "code"), [
    (ua.Variant(2.5), V.UInt16, ua.StatusCodes.BadTypeMismatch),   # no silent rounding
    (ua.Variant(True), V.Double, ua.StatusCodes.BadTypeMismatch),
    (ua.Variant("5"), V.Double, ua.StatusCodes.BadTypeMismatch),
    (ua.Variant([1.0, 2.0]), V.Double, ua.StatusCodes.BadTypeMismatch),
    (ua.Variant(-1), V.UInt32, ua.StatusCodes.BadOutOfRange),
    (ua.Variant(70000), V.UInt16, ua.StatusCodes.BadOutOfRange),
])
def test_coerce_refuses_what_does_not_fit(variant, vtype, code):
    with pytest.raises(StatusError) as caught:
        coerce(variant, vtype, "p")
    assert caught.value.code == code and "p:" in str(caught.value)


def test_argument_range_error_names_the_argument_and_its_index():
    arg = Arg("factor", V.Double, (0.1, 100.0))
    assert arg.take(ua.Variant(2), 0) == 2.0
    with pytest.raises(StatusError) as caught:
        arg.take(ua.Variant(1000.0), 3)
    assert (caught.value.code, caught.value.argument) == (ua.StatusCodes.BadOutOfRange, 3)
    assert "factor" in str(caught.value)


def test_refusal_of_one_argument_makes_the_call_invalid_argument():
    result = _refusal(StatusError(ua.StatusCodes.BadOutOfRange, "soak_s: too long", 1), 2)
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidArgument
    assert [r.value for r in result.InputArgumentResults] == [ua.StatusCodes.Good, ua.StatusCodes.BadOutOfRange]
    assert [d.AdditionalInfo for d in result.InputArgumentDiagnosticInfos] == [None, "soak_s: too long"]


def test_refusal_by_the_plant_keeps_its_status_and_message_for_every_argument():
    result = _refusal(StatusError(ua.StatusCodes.BadInvalidState, "a batch is running"), 2)
    assert result.StatusCode.value == ua.StatusCodes.BadInvalidState
    assert all(r.is_good() for r in result.InputArgumentResults)
    assert {d.AdditionalInfo for d in result.InputArgumentDiagnosticInfos} == {"a batch is running"}


@pytest.mark.parametrize(("error", "code"), [
    (SensorFailure("open"), ua.StatusCodes.BadSensorFailure),
    (WriteRejected("auto mode"), ua.StatusCodes.BadInvalidState),
    (FaultError("unknown kind"), ua.StatusCodes.BadInvalidArgument),
])
def test_plant_errors_map_to_status_codes_with_their_message(error, code):
    mapped = as_status_error(error)
    assert (mapped.code, str(mapped)) == (code, str(error))


def test_a_bug_is_not_mapped_to_a_status():
    assert as_status_error(KeyError("x")) is None


def test_profile_names_map_to_plant_attributes():
    plant = Plant()
    assert _plant_attribute(plant, "AbortBatch") == plant.abort_batch
    assert _plant_attribute(plant, "OverTemperature")() is False
    with pytest.raises(ValueError, match="Plant.melt_down"):
        _plant_attribute(plant, "MeltDown")


def test_units_use_unece_codes():
    assert _units("°C").UnitId == 4408652      # "CEL"
    assert _units("%").UnitId == 20529         # "P1"
    assert _units("furlong").UnitId == -1
