"""argparse types that refuse what cannot be used (nan, inf, ports past 65535, a file path through a file)."""

from __future__ import annotations

import argparse
from pathlib import Path


def bounded(low: float, high: float):
    """A number in low..high (nan and inf never are)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number {low:g}..{high:g}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g}..{high:g}, got {value:g}")
        return value
    return parse


def whole(low: int, high: int):
    """A whole number in low..high."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {value}")
        return value
    return parse


def port(text: str) -> int:
    """A TCP port, 0..65535 (0 picks a free one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535, got {value}")
    return value


def file_path_problem(path: Path) -> str | None:
    """What keeps path from being a file we can create or open (a folder there, a file among its folders), or None."""
    if path.is_dir():
        return "is a folder; expected a file"
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else f"{parent} is a file, not a folder"
    return None


def file_path(text: str) -> Path:
    """A path for a file to create or open (history, progress): no folder there, no file among its folders."""
    path = Path(text)
    if problem := file_path_problem(path):
        raise argparse.ArgumentTypeError(f"{text}: {problem}")
    return path
