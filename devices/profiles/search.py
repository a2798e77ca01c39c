"""Where a profile named in a line file (or on the command line) is looked for, first match wins.

1. beside the line file (its folder), when there is one;
2. the user's profiles folder: ``$SMARTHALL_PROFILES``, else ``profiles`` in the data folder
   (``$SMARTHALL_DATA``, else the platform's: ``~/.local/share/smarthall/profiles`` on Linux);
3. the built-in profiles: the station interface (``conveyor``, ``process``...), then the device
   library (``devices/profiles/library``: PLCs, controllers, meters, I/O, drives, cameras).

A name is a file's stem (``autonics_tk`` is ``autonics_tk.toml``); a name ending in ``.toml`` is a
path (relative to the line file's folder) and is not searched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..folders import data_folder

PROFILES_ENV = "SMARTHALL_PROFILES"
STATION_DIR = Path(__file__).parent
LIBRARY_DIR = STATION_DIR / "library"


@dataclass(frozen=True)
class Place:
    """One folder of the search path and what it is."""

    folder: Path
    what: str  # "line", "user", "built-in" or "library"


@dataclass(frozen=True)
class Found:
    """A profile name, the file used for it and the files it hides further down the path."""

    name: str
    path: Path
    place: Place
    hidden: tuple[Path, ...] = ()


def user_profiles_folder() -> Path:
    return Path(os.environ.get(PROFILES_ENV) or data_folder() / "profiles")


def search_path(beside: Path | None = None) -> tuple[Place, ...]:
    """The folders looked in, in order (beside: the line file's folder)."""
    places = [Place(beside, "line")] if beside is not None else []
    return (*places, Place(user_profiles_folder(), "user"), Place(STATION_DIR, "built-in"), Place(LIBRARY_DIR, "library"))


def find(name: str, beside: Path | None = None) -> Path | None:
    """The file a profile name stands for, or None when no folder of the path has it."""
    for place in search_path(beside):
        if (place.folder / f"{name}.toml").is_file():
            return place.folder / f"{name}.toml"
    return None


def available(beside: Path | None = None) -> list[Found]:
    """Every profile name on the search path with the file used and the ones it hides, by name."""
    found: dict[str, Found] = {}
    for place in search_path(beside):
        for path in sorted(place.folder.glob("*.toml")) if place.folder.is_dir() else ():
            first = found.get(path.stem)
            found[path.stem] = (Found(path.stem, path, place) if first is None
                                else Found(first.name, first.path, first.place, (*first.hidden, path)))
    return [found[name] for name in sorted(found)]


def describe_path(beside: Path | None = None) -> str:
    """The search path in one line, for a message about a name not found."""
    return ", ".join(f"{place.folder} ({place.what})" for place in search_path(beside))
