"""Checked reading of parsed TOML: every complaint names the file, the place and what was expected.

Profiles (`devices.profiles`) and line configurations (`edge.config`) are read
through `TomlReader`, which raises the caller's own error class. TOML allows
nan and inf; no number here may be either, so `parse_toml` refuses them by
key before anything reads the file. Its complaints are `Text`s, Korean and
English: a reader that shows them on a Korean screen (the lessons' validator)
overrides `fail`; the base raises the English one.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from .profiles.model import Text


def parse_toml(path: Path, error: type[Exception]) -> dict:
    """The file's TOML, or `error` naming the file and what is wrong with it (nan and inf included)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    if where := non_finite(data):
        key, value = where
        raise error(f"{path}: key {key!r}: expected a finite number, got {value}")
    return data


def non_finite(data: object, key: str = "") -> tuple[str, float] | None:
    """The first nan or inf in parsed TOML, with its key (``devices[0].points[3].scale``); None if there is none."""
    if isinstance(data, float) and not math.isfinite(data):
        return key, data
    items = (data.items() if isinstance(data, Mapping)
             else ((f"[{i}]", v) for i, v in enumerate(data)) if isinstance(data, list) else ())
    for name, value in items:
        path = f"{key}{name}" if name.startswith("[") else f"{key}.{name}" if key else name
        if found := non_finite(value, path):
            return found
    return None


class TomlReader:
    """Typed look-ups in parsed TOML that raise `error` with file, place and expectation."""

    def __init__(self, source: str, error: type[Exception]) -> None:
        self.source = source
        self.error = error

    def fail(self, where: str, message: str | Text) -> Exception:
        return self.error(f"{self.source}: {where}: {message if isinstance(message, str) else message.en}")

    def table(self, data: object, where: str) -> Mapping[str, object]:
        if not isinstance(data, Mapping):
            got = _kinds([type(data)])
            raise self.fail(where, Text(ko=f"표(table)가 와야 합니다, 받은 것: {got.ko}",
                                        en=f"expected a table, got {got.en}"))
        return data

    def get(self, data: Mapping, key: str, where: str, kind: type | tuple[type, ...], default=...):
        if key not in data:
            if default is ...:
                raise self.fail(where, Text(ko=f"키 {key!r}가 없습니다", en=f"missing key {key!r}"))
            return default
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            expected = _kinds(kinds)
            raise self.fail(where, Text(ko=f"키 {key!r}: {expected.ko} 값이어야 합니다, 받은 값 {value!r}",
                                        en=f"key {key!r}: expected {expected.en}, got {value!r}"))
        return value

    def number(self, data: Mapping, key: str, where: str, low: float, high: float, default=...) -> float:
        value = self.get(data, key, where, (int, float), default)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            span, got = f"{_plain(low)}..{_plain(high)}", _plain(value)
            raise self.fail(where, Text(ko=f"키 {key!r}: {span} 범위여야 합니다, 받은 값 {got}",
                                        en=f"key {key!r}: expected {span}, got {got}"))
        return value

    def choice(self, data: Mapping, key: str, where: str, choices: Iterable[str], default=...) -> str:
        choices = tuple(choices)
        value = self.get(data, key, where, str, default)
        if value not in choices:
            listed = ", ".join(choices)
            raise self.fail(where, Text(ko=f"키 {key!r}: {listed} 중 하나여야 합니다, 받은 값 {value!r}",
                                        en=f"key {key!r}: expected one of {listed}, got {value!r}"))
        return value

    def text(self, data: Mapping, where: str) -> Text:
        """The `ko` and `en` keys: every text a user sees exists in both."""
        for lang in ("ko", "en"):
            if not self.get(data, lang, where, str, "").strip():
                raise self.fail(where, Text(ko=f"{'한국어' if lang == 'ko' else '영어'} 문구가 없습니다 (키 {lang!r})",
                                            en=f"missing the {'Korean' if lang == 'ko' else 'English'} text"
                                               f" (key {lang!r})"))
        return Text(ko=data["ko"], en=data["en"])

    def known_keys(self, data: Mapping, where: str, allowed: Iterable[str]) -> None:
        allowed = sorted(allowed)
        if unknown := sorted(set(data) - set(allowed)):
            listed = ", ".join(allowed)
            raise self.fail(where, Text(ko=f"알 수 없는 키 {unknown[0]!r}: {listed} 중 하나여야 합니다",
                                        en=f"unknown key {unknown[0]!r}: expected one of {listed}"))

    def unique(self, names: Iterable[str], where: str, what: str | Text) -> None:
        """Each name once; `what` names them (a Text for a reader whose complaints reach a Korean screen)."""
        said = Text(ko=what, en=what) if isinstance(what, str) else what
        seen = set()
        for name in names:
            if name in seen:
                raise self.fail(where, Text(ko=f"{said.ko} {name!r}이(가) 두 번 나옵니다", en=f"duplicate {said.en} {name!r}"))
            seen.add(name)


KINDS_KO = {"str": "문자열", "int": "정수", "float": "실수", "bool": "true/false", "list": "목록", "Mapping": "표",
            "dict": "표"}


def _kinds(kinds: Iterable[type]) -> Text:
    names = [k.__name__ for k in kinds]
    return Text(ko=" 또는 ".join(KINDS_KO.get(n, n) for n in names), en=" or ".join(names))


def _plain(number: float) -> str:
    """Whole numbers as written (3600000), others short (0.5, 1e+09, inf)."""
    if not math.isfinite(number):
        return str(number)
    return str(int(number)) if number == int(number) and abs(number) < 1e7 else f"{number:g}"
