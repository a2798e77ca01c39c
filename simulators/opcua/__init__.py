"""Simulated OPC UA servers: the process station and the simulators' control.

`ProcessStationServer` serves the process profile from a Plant;
`SimControlServer` is LINE.md's "sim control". Both: ``await start()``,
``endpoint_url``, ``await sync()`` after every batch of plant steps,
``await close()``. Clients get every refusal as a status code (see `status`).
"""

from .control_server import SimControlServer
from .process_server import ProcessStationServer

__all__ = ["ProcessStationServer", "SimControlServer"]
