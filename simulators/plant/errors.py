"""The plant's exception tree.

PlantError
 ├── WriteRejected   a write the PLC refuses (read-only point, bad value, out of range, busy)
 ├── FaultError      a fault request that names an unknown kind, a wrong target or a bad param
 └── SensorFailure   a read of a broken sensor (thermocouple_open on process.temperature)
"""


class PlantError(Exception):
    """Base of every error the plant raises on purpose."""


class WriteRejected(PlantError, ValueError):
    """The PLC refused a write; the message says why."""


class FaultError(PlantError, ValueError):
    """A fault request was invalid; the message names what was expected."""


class SensorFailure(PlantError):
    """The sensor behind a point is broken, so there is no value to read."""
