"""Format references generated from schemas: keys with type, default, unit and meaning, as Markdown.

Each format keeps its schema beside its loader (`lessons.schema`, `devices.profiles.schema`,
`edge.schema`), built from these `Key` and `Entry` records; `python -m smarthall.docs` writes
the pages and a test fails when a committed page is stale.
"""

from __future__ import annotations

from dataclasses import dataclass

REQUIRED = object()


class Said(str):
    """A default said in words, not a TOML value."""


@dataclass(frozen=True)
class Key:
    name: str
    type: str
    doc: str
    default: object = REQUIRED
    unit: str = ""

    def row(self) -> str:
        default = "required" if self.default is REQUIRED else self.default if isinstance(self.default, Said) else \
            f"`{toml_value(self.default)}`"
        return f"| `{self.name}` | {self.type} | {default} | {self.unit} | {self.doc} |"


@dataclass(frozen=True)
class Entry:
    """A table of the format (a check type, an action, a step kind...) and its keys."""

    name: str
    doc: str
    keys: tuple[Key, ...] = ()
    proves: str = ""  # what check-all proves of it

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def table(entry: Entry) -> list[str]:
    if not entry.keys:
        return ["No keys.", ""]
    return ["| key | type | default | unit | meaning |", "|---|---|---|---|---|", *(k.row() for k in entry.keys), ""]


def page_head(title: str, source: str) -> list[str]:
    """A generated page's first lines: its title and where it comes from, in both languages."""
    return [f"# {title}", "", f"Generated from `{source}` by `python -m smarthall.docs`; do not edit by hand.",
            f"`{source}`에서 생성된 문서입니다. 직접 고치지 마세요.", ""]
