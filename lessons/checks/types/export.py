"""`export`: the trainee exported the tag's history to a workspace file, as `smarthall history --csv` writes it.

The evaluation takes the file (parsed here, in the runner's thread) and asks
the historian for the tag's stored rows over the last `window_s`; it holds
while the file has at least `rows` rows of the tag from that window and every
one of them is a row the historian stored (same instant to the microsecond,
same value and quality). A hand-written file fails on its first invented row,
a stale one on having too few rows left in the window.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.historian.store import CSV_HEADER
from smarthall.edge.historian.values import to_text

from ..base import DEFAULT_TIMEOUT_S, TAG, TIMEOUT, Check, Evaluation, same, say
from ..registry import CheckType, register
from .history import NOT_ASKED, HistoryQuery

NO_FILE = Text(ko="{file}이(가) 아직 없습니다", en="{file} does not exist yet")
NOT_CSV = Text(ko="{file} {line}번째 줄: {what}", en="{file} line {line}: {what}")
HEADER = Text(ko="머리줄이 {seen!r}, 기대 {wanted!r} (`smarthall history --csv`가 쓰는 형식)",
              en="the header is {seen!r}, expected {wanted!r} (as `smarthall history --csv` writes it)")
FIELDS = Text(ko="칸이 {n}개, 기대 {wanted}개", en="{n} fields, expected {wanted}")
STAMP = Text(ko="시각 {seen!r}이(가) ISO-8601 시각이 아닙니다", en="timestamp {seen!r} is not an ISO-8601 time")
INVENTED = Text(ko="{tag} {stamp}의 행 (값 {value!r})은 이력에 저장된 행이 아닙니다",
                en="the row of {tag} at {stamp} (value {value!r}) is not a row the historian stored")
TOO_FEW = Text(ko="최근 {window:g}초의 {tag} 행 {n}개 (목표 {rows}개 이상)",
               en="{n} rows of {tag} from the last {window:g} s (want at least {rows})")
EXPORTED = Text(ko="최근 {window:g}초의 {tag} 행 {n}개, 모두 이력과 같음",
                en="{n} rows of {tag} from the last {window:g} s, each as the historian stored it")


@dataclass(frozen=True)
class ExportCheck(Check):
    """The workspace file `file` is a history CSV with at least `rows` rows of `tag` from the last `window_s`, each
    as the historian stored it."""

    file: str
    tag: str
    rows: int
    window_s: float = 3600.0
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class Row:
    """One data row of the file: its instant (in microseconds since the epoch), tag, value and quality as written."""

    us: int
    stamp: str
    tag: str
    value: str
    quality: str


def read_rows(path: Path, file: str) -> tuple[Row, ...] | Text:
    """The data rows of a history CSV, or what keeps the file from being one."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
    except FileNotFoundError:
        return say(NO_FILE, file=file)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return same(f"{file}: {exc}")
    if not lines or tuple(lines[0]) != CSV_HEADER:
        seen = ",".join(lines[0]) if lines else ""
        return say(NOT_CSV, file=file, line=1, what=say(HEADER, seen=seen, wanted=",".join(CSV_HEADER)))
    rows = []
    for number, fields in enumerate(lines[1:], start=2):
        if len(fields) != len(CSV_HEADER):
            return say(NOT_CSV, file=file, line=number, what=say(FIELDS, n=len(fields), wanted=len(CSV_HEADER)))
        stamp, tag, value, quality, _reason = fields
        try:
            moment = datetime.fromisoformat(stamp)
            if moment.tzinfo is None:
                raise ValueError(stamp)
        except ValueError:
            return say(NOT_CSV, file=file, line=number, what=say(STAMP, seen=stamp))
        rows.append(Row(round(moment.timestamp() * 1e6), stamp, tag, value, quality))
    return tuple(rows)


class Export(Evaluation):
    takes_file = True

    def __init__(self, check: ExportCheck, started: float) -> None:
        super().__init__(check, started)
        self.query = HistoryQuery(check.tag, check.window_s)
        self.rows: tuple[Row, ...] | Text | None = None  # None: not loaded yet
        self.stored: tuple | str | None = None  # the historian's rows, or why there are none; None: not asked yet
        self.asked_at = 0.0
        self.seen: tuple[bool, Text] = (False, NOT_ASKED)
        self.ok_since: float | None = None

    def load(self, path: Path, ground_truth) -> object:
        return read_rows(path, self.check.file)

    def loaded(self, result, at: float | None = None) -> None:
        self.rows = result
        self.judge(self.started if at is None else at)

    def queried(self, result, at: float, query=None) -> None:
        if query is not None and query != self.query:
            return
        self.stored, self.asked_at = result, at
        self.judge(at)

    def judge(self, at: float) -> None:
        self.seen = self.verdict()
        if not self.seen[0]:
            self.ok_since = None
        elif self.ok_since is None:
            self.ok_since = at

    def verdict(self) -> tuple[bool, Text]:
        check = self.check
        if self.rows is None:
            return False, say(NO_FILE, file=check.file)
        if isinstance(self.rows, Text):
            return False, self.rows
        if self.stored is None:
            return False, say(NOT_ASKED, tag=check.tag)
        if isinstance(self.stored, str):
            return False, same(self.stored)
        stored = {round(v.timestamp * 1e6): v for v in self.stored}
        start, end = (self.asked_at - check.window_s) * 1e6, self.asked_at * 1e6
        count = 0
        for row in self.rows:
            if row.tag != check.tag or not start <= row.us <= end:
                continue
            match = next((stored[us] for us in (row.us, row.us - 1, row.us + 1) if us in stored), None)
            if match is None or to_text(match.value) != row.value or str(match.quality) != row.quality:
                return False, say(INVENTED, tag=row.tag, stamp=row.stamp, value=row.value)
            count += 1
        if count < check.rows:
            return False, say(TOO_FEW, window=check.window_s, tag=check.tag, n=count, rows=check.rows)
        return True, say(EXPORTED, window=check.window_s, tag=check.tag, n=count)

    def since(self) -> float | None:
        return self.ok_since

    def describe(self, now: float) -> Text:
        return self.seen[1]


def parse(reader, data, where: str) -> ExportCheck:
    d = ExportCheck("", "", 0)
    return ExportCheck(reader.get(data, "file", where, str), reader.tag(data, where),
                       reader.whole(data, "rows", where, 1, 100_000),
                       float(reader.number(data, "window_s", where, 1, 86400, d.window_s)), reader.timeout(data, where))


register(CheckType(
    Entry("export", "the trainee exported the tag's history to a workspace file (`file`), as `smarthall history TAG"
          " --since ... --csv > FILE` writes it: the file has that CSV's header, at least `rows` rows of the tag"
          " stored within the last `window_s`, and every such row is one the historian stored (same instant, value"
          " and quality); a hand-written row fails the check, and so does a stale file once too few of its rows lie"
          " in the window. Rows of other tags are not looked at",
          (Key("type", '"export"', ""), Key("file", "workspace file name", "one of the step's `files` (its starting"
               " copy may be an old or hand-written example)"), TAG,
           Key("rows", "1..100000", "rows of the tag the file must hold", unit="rows"),
           Key("window_s", "number 1..86400", "how far back the counted rows may lie", 3600.0, "s"), TIMEOUT),
          "the starting copy fails, the solution's export passes"),
    ExportCheck, parse, Export, ("config-task",), probe="file"))
