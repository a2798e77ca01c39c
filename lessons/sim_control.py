"""A client of the simulators' sim control (OPC UA, namespace urn:smarthall:sim), for fault drills.

Lessons reach the simulated line's faults only over the network, as any
instructor tool would; on a real line there is no sim control and a fault
drill tells the instructor what to do by hand. Every call is bounded by the
client's timeout; a refused or failed call raises `LessonRunError` naming the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self, TypeVar

from asyncua import Client, ua

from .errors import LessonRunError
from .faults import FaultCatalogue

NAMESPACE = "urn:smarthall:sim"
OBJECT = "SimControl"
T = TypeVar("T")


@dataclass(frozen=True)
class ActiveFault:
    """One fault the simulated line has now, as sim control's ActiveFaults lists it."""

    id: int
    target: str
    kind: str
    params: dict


class SimControl:
    def __init__(self, endpoint: str, timeout: float = 5.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._client: Client | None = None
        self._object = None
        self._ns = 0
        self._kinds: FaultCatalogue | None = None

    async def __aenter__(self) -> Self:
        await self._connect()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._client.disconnect()

    async def _connect(self) -> None:
        client = Client(self.endpoint, timeout=self.timeout)
        try:
            await client.connect()
        except (OSError, TimeoutError, ua.UaError) as exc:
            raise LessonRunError(f"sim control at {self.endpoint}: cannot connect: {exc or type(exc).__name__}") from None
        try:
            self._ns = await client.get_namespace_index(NAMESPACE)
            self._object = await client.nodes.objects.get_child(f"{self._ns}:{OBJECT}")
        except BaseException:
            await client.disconnect()
            raise
        self._client = client

    async def _request(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """request() on the session; once more on a new session when the connection was lost (a console keeps
        one for a whole class, and a keep-alive late on a loaded machine ends it)."""
        try:
            return await request()
        except ConnectionError:  # asyncua: "client is disconnected"
            with contextlib.suppress(Exception):
                await self._client.disconnect()
            await self._connect()
        except (ua.UaError, OSError, TimeoutError) as exc:
            raise LessonRunError(f"sim control {what}: {exc or type(exc).__name__}") from None
        try:
            return await request()
        except (ua.UaError, OSError, TimeoutError) as exc:
            raise LessonRunError(f"sim control {what}: {exc or type(exc).__name__}") from None

    def _node(self, name: str):
        return self._client.get_node(ua.NodeId(f"{OBJECT}.{name}", self._ns))

    async def _call(self, method: str, *args):
        return await self._request(f"{method}{args}", lambda: self._object.call_method(f"{self._ns}:{method}", *args))

    async def inject_fault(self, target: str, kind: str, params: dict | None = None) -> int:
        fault_id = await self._call("InjectFault", target, kind, json.dumps(params or {}))
        await self.settle()
        return fault_id

    async def clear_faults(self) -> None:
        await self._call("ClearFaults")
        await self.settle()

    async def reset(self) -> None:
        await self._call("Reset")
        await self.settle()

    async def fault_kinds(self) -> FaultCatalogue:
        """The fault kinds the simulator has, with targets, params and effects (FaultKinds), read once."""
        if self._kinds is None:
            data = await self._request("FaultKinds", lambda: self._node("FaultKinds").read_value())
            self._kinds = FaultCatalogue.from_data(json.loads(data))
        return self._kinds

    async def active_faults(self) -> list[ActiveFault]:
        """The faults active now, oldest first."""
        listed = json.loads(await self._request("ActiveFaults", lambda: self._node("ActiveFaults").read_value()))
        return [ActiveFault(f["id"], f["target"], f["kind"], f["params"]) for f in listed]

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the plant has stepped and published once more, so every server shows the last change.

        The Modbus stations read the plant per request, but the OPC UA servers show it after the next step.
        The wait is counted between reads, never by cancelling one: asyncua answers a read cancelled in flight
        with its own CancelledError subclass, which asyncio.timeout lets through, and the connection is lost.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        first = await self._sim_time()
        while await self._sim_time() == first:
            if loop.time() > deadline:
                raise LessonRunError(f"sim control at {self.endpoint}: the plant did not step within {timeout:g} s")
            await asyncio.sleep(0.01)

    async def _sim_time(self) -> float:
        return await self._request("SimTime", lambda: self._node("SimTime").read_value())

    async def load_magazine(self, count: int, defect_rate: float = 0.1) -> None:
        await self._call("LoadMagazine", ua.Variant(count, ua.VariantType.UInt32),
                         ua.Variant(float(defect_rate), ua.VariantType.Double))

    async def set_time_scale(self, factor: float) -> None:
        await self._call("SetTimeScale", ua.Variant(float(factor), ua.VariantType.Double))
