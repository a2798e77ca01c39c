"""The one glossary every screen uses (lessons/glossary.toml): its terms, and the Korean words for the line's names."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent / "glossary.toml"


@cache
def _data() -> dict:
    return tomllib.loads(GLOSSARY.read_text(encoding="utf-8"))


def terms() -> list[dict]:
    """Each term: `en`, `ko` and the Korean synonyms to `avoid`."""
    return _data()["terms"]


def word(name: str, lang: str) -> str:
    """A name of the line (a quality, an alarm state or priority) as a `lang` screen shows it."""
    name = str(name)
    return _data()["words"].get(name, name) if lang == "ko" else name
