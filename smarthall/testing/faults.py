"""Faults on the simulated line under test, each for the length of a `with` block.

    with smarthall_faults.inject("conveyor", "motor_overload"):      # plain tests
        smarthall_edge.wait_for("conveyor.fault", True)
    async with smarthall_faults.inject("ambient", "offline"): ...    # async tests

The fault kinds, their targets and params are the simulator's (`simulators.plant.faults`);
a wrong one raises FaultError naming what was expected. A fault is
cleared when its block ends; every fault is cleared when the fixture ends.
"""

from __future__ import annotations

from smarthall.simulators.plant.faults import Fault

from .line import LineUnderTest


class Faults:
    """Inject and clear faults on one simulated line."""

    def __init__(self, line: LineUnderTest) -> None:
        self.line = line

    def inject(self, target: str, kind: str, **params: float | str) -> InjectedFault:
        """A fault on `target` while the `with` (or `async with`) block runs."""
        return InjectedFault(self.line, target, kind, params)

    def active(self):
        """The faults active now, oldest first (awaitable in async tests)."""
        return self.line.active_faults()

    def clear(self):
        """Clear every fault (awaitable in async tests)."""
        return self.line.clear_fault()


class InjectedFault:
    """One fault, injected on entering the block and cleared on leaving it; `fault` while it is active."""

    def __init__(self, line: LineUnderTest, target: str, kind: str, params: dict[str, float | str]) -> None:
        self.line = line
        self.request = (target, kind, params)
        self.fault: Fault | None = None

    def __enter__(self) -> Fault:
        self.fault = self.line.inject_fault(*self.request)
        return self.fault

    def __exit__(self, *exc_info) -> None:
        self.line.clear_fault(self.fault.id)

    async def __aenter__(self) -> Fault:
        self.fault = await self.line.inject_fault(*self.request)
        return self.fault

    async def __aexit__(self, *exc_info) -> None:
        await self.line.clear_fault(self.fault.id)
