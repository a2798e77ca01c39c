"""The lessons package's exceptions.

LessonError
├── LessonFormatError   a lesson or catalogue file that cannot be used; `.problems` lists every one found
└── LessonRunError      a step that cannot run (no sim control for a fault drill, a bad workspace file, ...)
"""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text

WHERE_KO = {"top level": "최상위", "file": "파일"}  # the places that are not key paths, as a Korean screen says them


@dataclass(frozen=True)
class Problem:
    """One mistake in a lesson file: where (file, line, key path) and what, in Korean and English."""

    file: str
    line: int
    where: str
    message: Text

    def said(self, lang: str = "en") -> str:
        where = WHERE_KO.get(self.where, self.where) if lang == "ko" else self.where
        return f"{self.file}:{self.line}: {where}: {self.message(lang)}"

    def __str__(self) -> str:
        return self.said()


class LessonError(Exception):
    """Base of the lessons package's errors."""


class LessonFormatError(LessonError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


class LessonRunError(LessonError):
    """A step that cannot run here; the message says why."""
