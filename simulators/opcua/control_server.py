"""Sim control over OPC UA: fault injection, reset, magazine, time scale, ground truth.

Object ``SimControl`` in namespace urn:smarthall:sim (NodeIds ``s=SimControl.<Name>``).
Methods: ``InjectFault(target, kind, params_json) -> fault id``,
``ClearFaults()``, ``Reset()``, ``LoadMagazine(count, defect_rate)``,
``SetTimeScale(factor)``. Read-only variables: ``FaultKinds`` (JSON: every
fault kind with its targets, params, effect; `plant.faults.fault_catalogue`),
``ActiveFaults`` (JSON list of {id, target, kind, params}), ``SimTime`` (plant seconds), ``TimeScale`` and
``RecentParts`` (JSON list of {id, color, defect, outcome, uninspected}).
A bad request is BadInvalidArgument (or BadOutOfRange for an argument), with
the plant's message in the arguments' DiagnosticInfo.AdditionalInfo.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from asyncua import ua

from smarthall.simulators.plant import Fault, Part, Plant, WriteRejected
from smarthall.simulators.plant.faults import fault_catalogue

from .calls import Arg, add_method
from .endpoint import UaEndpoint
from .nodes import add_variable, describe
from .status import StatusError
from .variants import Publisher
from .writes import WriteGate

DEFAULT_ENDPOINT = "opc.tcp://127.0.0.1:4841"
NAMESPACE = "urn:smarthall:sim"
APPLICATION_NAME = "Smart Hall simulator control"
OBJECT = "SimControl"
TIME_SCALE_RANGE = (0.1, 100.0)

_STRING, _DOUBLE, _UINT32 = ua.VariantType.String, ua.VariantType.Double, ua.VariantType.UInt32
_VARIABLES = {
    "FaultKinds": (_STRING, "the fault kinds, JSON list of {kind, example, targets, does, shows}"),
    "ActiveFaults": (_STRING, "active faults, JSON list of {id, target, kind, params}"),
    "SimTime": (_DOUBLE, "plant time, seconds since start or reset"),
    "TimeScale": (_DOUBLE, "plant seconds per wall-clock second"),
    "RecentParts": (_STRING, "ground truth of the last parts, JSON list of {id, color, defect, outcome, uninspected}"),
}


class SimControlServer:
    """The simulators' control interface; call `sync` after stepping the plant."""

    def __init__(self, plant: Plant, on_time_scale: Callable[[float], None],
                 endpoint: str = DEFAULT_ENDPOINT, time_scale: float = 1.0) -> None:
        self._plant = plant
        self._on_time_scale = on_time_scale
        self._time_scale = time_scale
        self._ua = UaEndpoint(endpoint, APPLICATION_NAME, NAMESPACE)
        self._publisher = Publisher(self._ua.server)
        self._nodes: dict[str, ua.NodeId] = {}
        self._shown_faults: tuple[Fault, ...] | None = None  # what ActiveFaults and RecentParts show
        self._shown_parts: tuple[Part, ...] | None = None

    @property
    def endpoint_url(self) -> str:
        """The endpoint actually bound, e.g. opc.tcp://127.0.0.1:40124."""
        return self._ua.url

    async def start(self) -> None:
        """Build the address space, publish the variables and listen."""
        idx = await self._ua.init()
        gate = WriteGate(self._ua.server)
        obj = await self._ua.server.nodes.objects.add_object(ua.NodeId(OBJECT, idx), ua.QualifiedName(OBJECT, idx))
        await describe(obj, "simulator control: faults, reset, magazine, time scale, ground truth")
        for name, (vtype, text) in _VARIABLES.items():
            self._nodes[name] = ua.NodeId(f"{OBJECT}.{name}", idx)
            await add_variable(obj, self._nodes[name], ua.QualifiedName(name, idx), vtype, text)
            gate.read_only(self._nodes[name])
        methods = (
            ("InjectFault", [Arg("target", _STRING), Arg("kind", _STRING), Arg("params_json", _STRING)],
             self._inject_fault, Arg("fault_id", _UINT32), "inject a fault; returns its id"),
            ("ClearFaults", [], self._clear_faults, None, "clear every fault"),
            ("Reset", [], self._reset, None, "reset the plant to its initial state, faults cleared"),
            ("LoadMagazine", [Arg("count", _UINT32), Arg("defect_rate", _DOUBLE, (0.0, 1.0))],
             self._load_magazine, None, "refill the feeder's magazine"),
            ("SetTimeScale", [Arg("factor", _DOUBLE, TIME_SCALE_RANGE)], self._set_time_scale, None,
             "plant seconds per wall-clock second"),
        )
        for name, inputs, handler, output, text in methods:
            await add_method(obj, ua.NodeId(f"{OBJECT}.{name}", idx), ua.QualifiedName(name, idx), inputs,
                             handler, output, text)
        await self._ua.start()
        await self._publisher.good(self._nodes["FaultKinds"], json.dumps(fault_catalogue()), _STRING)
        await self.sync()

    async def sync(self) -> None:
        """Publish the plant's faults, time and recent parts."""
        await self._ua.tick()
        faults, parts = self._plant.active_faults, self._plant.recent_parts
        if faults is not self._shown_faults:  # the plant hands out the same tuple until they change
            self._shown_faults = faults
            await self._publisher.good(self._nodes["ActiveFaults"], json.dumps(
                [{"id": f.id, "target": f.target, "kind": f.kind, "params": dict(f.params)} for f in faults]), _STRING)
        await self._publisher.good(self._nodes["SimTime"], float(self._plant.now), _DOUBLE)
        await self._publisher.good(self._nodes["TimeScale"], self._time_scale, _DOUBLE)
        if parts is not self._shown_parts:
            self._shown_parts = parts
            await self._publisher.good(self._nodes["RecentParts"], json.dumps(
                [{"id": p.id, "color": p.color, "defect": p.defect, "outcome": p.outcome,
                  "uninspected": p.uninspected} for p in parts]), _STRING)

    async def close(self) -> None:
        """Stop the server and close every connection."""
        await self._ua.close()

    async def _inject_fault(self, target: str, kind: str, params_json: str) -> int:
        try:
            params = json.loads(params_json) if params_json.strip() else None
        except json.JSONDecodeError as exc:
            raise StatusError(ua.StatusCodes.BadInvalidArgument, f"params_json: not valid JSON: {exc}", 2) from None
        if params is not None and not isinstance(params, dict):
            raise StatusError(ua.StatusCodes.BadInvalidArgument,
                              f"params_json: expected a JSON object, got {type(params).__name__}", 2)
        fault = self._plant.inject_fault(target, kind, params)
        await self.sync()
        return fault.id

    async def _clear_faults(self) -> None:
        self._plant.clear_faults()
        await self.sync()

    async def _reset(self) -> None:
        self._plant.reset()
        await self.sync()

    async def _load_magazine(self, count: int, defect_rate: float) -> None:
        try:
            self._plant.load_magazine(count, defect_rate)
        except WriteRejected as exc:  # the plant refuses only values out of its range here
            raise StatusError(ua.StatusCodes.BadOutOfRange, str(exc)) from None
        await self.sync()

    async def _set_time_scale(self, factor: float) -> None:
        self._on_time_scale(factor)
        self._time_scale = factor
        await self.sync()
