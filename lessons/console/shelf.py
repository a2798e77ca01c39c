"""The console's catalogue: the lessons that load, and each broken one with its problems.

`lessons.loader.load_catalogue` is all or nothing, as `lesson validate` wants;
the console instead lists a broken lesson with what is wrong with it and
keeps the others usable. Only a catalogue file that cannot be read at all
(info.toml itself) still raises `LessonFormatError`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from smarthall.edge.config import LineConfig
from smarthall.lessons.errors import LessonFormatError, Problem
from smarthall.lessons.faults import FaultCatalogue
from smarthall.lessons.loader import load_catalogue, load_lesson
from smarthall.lessons.model import Catalogue


@dataclass(frozen=True)
class BrokenLesson:
    id: str
    index: int  # its place in the catalogue file
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Shelf:
    catalogue: Catalogue
    broken: tuple[BrokenLesson, ...] = ()


def load_shelf(paths: str | Path | Sequence[str | Path], line: LineConfig | None = None,
               faults: FaultCatalogue | None = None) -> Shelf:
    """Every catalogue in order (the built-in one, then the instructor's own) on one shelf; a lesson may name
    lessons of the catalogues before its own as prerequisites."""
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    lessons, broken = [], []
    for path in paths:
        shelf = _one_shelf(path, line, faults, {lesson.id for lesson in lessons} | {b.id for b in broken})
        listed_before = len(lessons) + len(broken)
        broken += [BrokenLesson(b.id, b.index + listed_before, b.problems) for b in shelf.broken]
        lessons += shelf.catalogue.lessons
    return Shelf(Catalogue(tuple(lessons), paths[0]), tuple(broken))


def _one_shelf(path: Path, line: LineConfig | None, faults: FaultCatalogue | None, before: set[str]) -> Shelf:
    try:
        return Shelf(load_catalogue(path, line, faults, before))
    except LessonFormatError as exc:
        failed = exc
    entries = _entries(path)
    if entries is None:
        raise failed
    lessons, broken, known = [], [], set(before)
    for index, (lesson_id, folder) in enumerate(entries):
        try:
            lessons.append(load_lesson(path.parent / folder, line, known, faults))
        except LessonFormatError as exc:
            broken.append(BrokenLesson(lesson_id, index, tuple(exc.problems)))
        known.add(lesson_id)
    if not broken:  # every lesson loads: what is wrong is in the catalogue file
        raise failed
    return Shelf(Catalogue(tuple(lessons), path), tuple(broken))


def _entries(path: Path) -> list[tuple[str, str]] | None:
    """(id, folder) of each lesson the catalogue file lists, or None when it cannot be read as a list."""
    try:
        listed = tomllib.loads(path.read_text(encoding="utf-8")).get("lessons")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(listed, list) or not all(
            isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("path"), str) for e in listed):
        return None
    return [(e["id"], e["path"]) for e in listed]
