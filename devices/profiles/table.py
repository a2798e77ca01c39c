"""A profile as a table of text, for `smarthall profile show` and the docs."""

from __future__ import annotations

import unicodedata

from ..camera_settings import KEYS
from ..reference import toml_value
from .model import Kind, Level, Point, Profile

_KIND_LABEL = {
    Kind.COIL: ("코일", "coil"), Kind.DISCRETE_INPUT: ("입력", "input"),
    Kind.INPUT_REGISTER: ("입력 레지스터", "input reg"), Kind.HOLDING_REGISTER: ("보유 레지스터", "holding"),
    Kind.NODE: ("노드", "node"),
}
_LEVEL_LABEL = {Level.OPERATE: ("운전", "operate"), Level.SUPERVISE: ("감독", "supervise"),
                Level.CONFIGURE: ("설정", "configure")}
_CAMERA_HEADERS = {"ko": ("설정", "값", "단위"), "en": ("setting", "value", "unit")}  # keys: docs/profile-format.md
_HEADERS = {
    "ko": ("종류", "주소", "이름", "형식", "접근", "단위", "범위", "설명"),
    "en": ("kind", "addr", "name", "type", "access", "unit", "range", "meaning"),
}


def render(profile: Profile, lang: str = "en", markdown: bool = False) -> str:
    """Every device of the profile with its points, as aligned text or Markdown."""
    h1, h2 = ("## ", "### ") if markdown else ("", "")
    out = [f"{h1}{profile.name} — {profile.title(lang)} ({profile.protocol}, v{profile.version})"]
    if profile.camera is not None:
        settings: list[tuple[str, ...]] = [(key, toml_value(value), KEYS[key].unit) for key, value in
                                           profile.camera.items()]
        headers = _CAMERA_HEADERS[lang]
        out += ["", *(_markdown(headers, settings) if markdown else _aligned(headers, settings))]
    for device in profile.devices:
        where = (f"unit {device.unit}" if device.unit is not None else
                 f"object {device.object}" if device.object is not None else "NodeIds")
        out += ["", f"{h2}{device.name} ({where}): {device.title(lang)}", ""]
        rows = [_row(p, lang) for p in device.points]
        out += _markdown(_HEADERS[lang], rows) if markdown else _aligned(_HEADERS[lang], rows)
        for method in device.methods:
            args = ", ".join(f"{name}: {dtype}" for name, dtype in method.inputs)
            out.append(f"\nmethod {method.name}({args}) [{_level(method.level, lang)}] — {method.text(lang)}")
        for event in device.events:
            out.append(f"\nevent {event.name} — {event.text(lang)}")
    return "\n".join(out) + "\n"


def _row(point: Point, lang: str) -> tuple[str, ...]:
    kind = _KIND_LABEL[point.kind][0 if lang == "ko" else 1]
    where = point.node if point.node is not None else str(point.address)
    dtype = layout(point)
    low, high = point.range
    bounded = point.min is not None or point.max is not None
    access = f"{point.access} {_level(point.level, lang)}" if point.writable else point.access
    return (kind, where, point.name, dtype, access, point.unit,
            f"{low:g}..{high:g}" if bounded else "", point.text(lang))


def layout(point: Point) -> str:
    """How the value sits: type, then bit, string length, word order, scale and offset where they apply.

    ``bool bit 3`` (bit 3 of a register), ``string 8 reg BADC``, ``float32 CDAB``, ``int16 ×0.1 -40``.
    """
    if point.bit is not None:
        return f"bool bit {point.bit}"
    text = str(point.type)
    if point.length:
        text += f" {point.length} reg"
    if point.kind.is_register and (point.width > 1 and point.word_order != "ABCD" or point.type.registers > 1):
        text += f" {point.word_order}"
    if point.scale != 1:
        text += f" ×{point.scale:g}"
    if point.offset:
        text += f" {point.offset:+g}"
    return text


def _level(level: Level, lang: str) -> str:
    """Who may write it (edge.users): operate, supervise or configure."""
    return _LEVEL_LABEL[level][0 if lang == "ko" else 1]


def _aligned(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    return aligned_rows([headers, tuple("-" * w for w in widths), *rows])


def aligned_rows(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as columns two spaces apart, each as wide as its widest cell (Hangul takes two columns)."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _markdown(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(row) + " |" for row in rows)]


def _width(text: str) -> int:
    """Terminal columns: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
