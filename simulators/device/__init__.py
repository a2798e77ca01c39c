"""A simulated twin of any device profile: Modbus TCP, Modbus RTU on a pty, or OPC UA at the profile's NodeIds.

    async with DeviceTwin(profile, transport="tcp" | "rtu" | "opcua", port=0, unit=None, seed=0) as twin: ...

See `twin` for the API, `values` for where the values come from, `ua_server` for the OPC UA address space.
Errors: `TwinError` (one line) for a profile that cannot be served as asked or an endpoint that cannot be opened.
"""

from .twin import DeviceTwin, TwinError

__all__ = ["DeviceTwin", "TwinError"]
