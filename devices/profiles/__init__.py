"""The station interface as data: one TOML profile per station or bus.

The simulators serve exactly these maps and the edge reads exactly these maps.
Errors: `ProfileError` (a ValueError) for any profile that cannot be used.
Names are imported when first used (the model alone does not load the loader).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

_WHERE = {
    "loader": ("LIBRARY_DIR", "PROFILE_DIR", "ProfileError", "find_profile", "library_names", "load_all",
               "load_profile", "profile_names"),
    "model": ("WORD_ORDERS", "DataType", "Device", "Event", "Kind", "Level", "Method", "Point", "Profile", "Text"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = [
    "LIBRARY_DIR", "PROFILE_DIR", "WORD_ORDERS", "DataType", "Device", "Event", "Kind", "Level", "Method", "Point", "Profile",
    "ProfileError", "Text", "find_profile", "library_names", "load_all", "load_profile", "profile_names",
]


def __getattr__(name: str):
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE[name]}", __name__), name)
