"""The lessons package's exceptions.

LessonError
├── LessonFormatError   a lesson or catalogue file that cannot be used; `.problems` lists every one found
└── LessonRunError      a step that cannot run (no sim control for a fault drill, a bad workspace file, ...)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in a lesson file: where (file, line, key path) and what."""

    file: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.message}"


class LessonError(Exception):
    """Base of the lessons package's errors."""


class LessonFormatError(LessonError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


class LessonRunError(LessonError):
    """A step that cannot run here; the message says why."""
