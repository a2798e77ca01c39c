"""The station interface as data: one TOML profile per station or bus.

The simulators serve exactly these maps and the edge reads exactly these maps.
Errors: `ProfileError` (a ValueError) for any profile that cannot be used.
"""

from .loader import (
    LIBRARY_DIR,
    PROFILE_DIR,
    ProfileError,
    find_profile,
    library_names,
    load_all,
    load_profile,
    profile_names,
)
from .model import WORD_ORDERS, DataType, Device, Event, Kind, Level, Method, Point, Profile, Text

__all__ = [
    "LIBRARY_DIR", "PROFILE_DIR", "WORD_ORDERS", "DataType", "Device", "Event", "Kind", "Level", "Method", "Point", "Profile",
    "ProfileError", "Text", "find_profile", "library_names", "load_all", "load_profile", "profile_names",
]
