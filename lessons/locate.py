"""Line numbers of TOML keys: tomllib gives none, so a small scan of the text maps key paths to lines.

`KeyLines(text).line(("steps", 2, "check", "op"))` is the line of that key, or
of its nearest enclosing table when the key itself is not written (missing,
or inside a multi-line value). Headers (``[a.b]``, ``[[a.b]]``), dotted keys
and inline tables on one line are understood; that is all lesson files need.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_MULTILINE = ('"""', "'''")

Path = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)]


class KeyLines:
    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        arrays: dict[Path, int] = {}
        table: Path = ()
        in_string = None
        for number, raw in enumerate(text.splitlines(), start=1):
            if in_string:
                if raw.count(in_string) % 2 == 1:
                    in_string = None
                continue
            if header := _HEADER.match(raw):
                double, parts = header.group(1) == "[[", _parts(header.group(2))
                resolved: list[str | int] = []
                for i, part in enumerate(parts):
                    resolved.append(part)
                    last = i == len(parts) - 1
                    if tuple(resolved) in arrays and not (last and double):
                        resolved.append(arrays[tuple(resolved)] - 1)
                if double:
                    key = tuple(resolved)
                    arrays[key] = arrays.get(key, 0) + 1
                    resolved.append(arrays[key] - 1)
                table = tuple(resolved)
                self.lines.setdefault(table, number)
                continue
            if key := _KEY.match(raw):
                path = table + tuple(_parts(key.group(1)))
                self.lines.setdefault(path, number)
                rest = raw[key.end():]
                for quote in _MULTILINE:
                    if rest.count(quote) % 2 == 1:
                        in_string = quote
                if rest.lstrip().startswith("[") and rest.count("[") > rest.count("]"):
                    self._array_items(path, number)

    def _array_items(self, path: Path, number: int) -> None:
        self.lines.setdefault(path, number)

    def line(self, path: Path) -> int:
        """The line of the longest written prefix of `path`; 1 when none is written."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


def parse_where(where: str) -> Path:
    """'steps[2].check.op' -> ('steps', 2, 'check', 'op'); a quoted name may hold dots: 'files."line.toml"'."""
    path: list[str | int] = []
    where = where.removeprefix("top level")
    for quoted, name, index in re.findall(r'"([^"]*)"|([A-Za-z0-9_-]+)|\[(\d+)\]', where):
        path.append(int(index) if index else quoted or name)
    return tuple(path)
