"""Progress per trainee and team in SQLite: each step's first opening and passing, and what it took.

`Progress(path)` keeps one row per (trainee, lesson, step): the team, when the step was first
opened, its first pass (a later pass does not move it) and by whom, whether that pass came after
the check's timeout (late), and what it took: attempts (answers given, or runs of the step for a
step without answers), wrong answers and hints taken. A team without named trainees is stored
under the team's name, plain `smarthall lab` under its --trainee.

An older store (the ``completions`` table: passes only) is moved into this one when opened; its
steps have no opening time, so no time per step.

`report_csv` and `report_markdown` print each step (attempts, wrong answers, hints, time, late)
and `lesson_scores` a score per lesson, in Korean or English.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from smarthall.edge.config import data_folder

SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    trainee TEXT NOT NULL,
    team TEXT,
    lesson TEXT NOT NULL,
    step TEXT NOT NULL,
    opened_at REAL,
    completed_at REAL,
    by TEXT,
    late INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    wrong_answers INTEGER NOT NULL DEFAULT 0,
    hints_taken INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (trainee, lesson, step)
)
"""
_OLDER = "completions"  # the first store: one row per pass (trainee, lesson, step, completed_at, by[, late])
COUNTS = ("attempts", "wrong_answers", "hints_taken")

# A step's score: 1 passed in time, LATE_SCORE passed late, less HINT_COST per hint and WRONG_COST per wrong
# answer (never below 0); a lesson's score is the mean over its steps, in percent.
LATE_SCORE, HINT_COST, WRONG_COST = 0.5, 0.1, 0.05


def default_progress_path(name: str | None = None) -> Path:
    """progress.db in the data folder, or <name>-progress.db: a lab's on another line or port set."""
    return data_folder() / ("progress.db" if name is None else f"{name}-progress.db")


def workspace_folder(progress: Path) -> Path:
    """Where trainees' workspace files go: beside their progress, one folder per progress file."""
    return progress.parent / ("workspace" if progress.name == "progress.db" else f"{progress.stem}-workspace")


@dataclass(frozen=True)
class Completion:
    trainee: str
    lesson: str
    step: str
    completed_at: float
    by: str
    late: bool = False

    @property
    def when(self) -> str:
        return _when(self.completed_at)


@dataclass(frozen=True)
class StepRecord:
    """One trainee's (or team's) record of one step."""

    trainee: str
    team: str | None
    lesson: str
    step: str
    opened_at: float | None
    completed_at: float | None
    by: str | None
    late: bool
    attempts: int
    wrong_answers: int
    hints_taken: int

    @property
    def passed(self) -> bool:
        return self.completed_at is not None

    @property
    def seconds(self) -> float | None:
        """Time from the first opening to the first pass (None: not passed, or opened before times were kept)."""
        if self.completed_at is None or self.opened_at is None:
            return None
        return max(0.0, self.completed_at - self.opened_at)

    @property
    def score(self) -> float:
        if not self.passed:
            return 0.0
        return max(0.0, (LATE_SCORE if self.late else 1.0) - HINT_COST * self.hints_taken
                   - WRONG_COST * self.wrong_answers)


class Progress:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        with self._db:
            self._db.execute(SCHEMA)
            self._migrate()

    def _migrate(self) -> None:
        """Move an older store's passes into `steps` (once: the old table goes)."""
        columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({_OLDER})")}
        if not columns:
            return
        late = "late" if "late" in columns else "0"
        self._db.execute(f"INSERT OR IGNORE INTO steps (trainee, lesson, step, completed_at, by, late) "
                         f"SELECT trainee, lesson, step, completed_at, by, {late} FROM {_OLDER}")
        self._db.execute(f"DROP TABLE {_OLDER}")

    def opened(self, trainee: str, lesson: str, step: str, team: str | None = None, at: float | None = None) -> None:
        """The step was opened for the trainee: its first opening is when its time starts."""
        at = time.time() if at is None else at
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO steps (trainee, team, lesson, step, opened_at) VALUES (?, ?, ?, ?, ?)",
                             (trainee, team, lesson, step, at))
            self._db.execute("UPDATE steps SET opened_at = ? WHERE trainee = ? AND lesson = ? AND step = ? "
                             "AND opened_at IS NULL", (at, trainee, lesson, step))

    def count(self, trainee: str, lesson: str, step: str, what: str, team: str | None = None) -> None:
        """One more attempt, wrong answer or hint taken (`COUNTS`) on the step."""
        if what not in COUNTS:
            raise ValueError(f"unknown count {what!r}: expected one of {', '.join(COUNTS)}")
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO steps (trainee, team, lesson, step) VALUES (?, ?, ?, ?)",
                             (trainee, team, lesson, step))
            self._db.execute(f"UPDATE steps SET {what} = {what} + 1 WHERE trainee = ? AND lesson = ? AND step = ?",
                             (trainee, lesson, step))

    def complete(self, trainee: str, lesson: str, step: str, by: str, at: float | None = None,
                 late: bool = False, team: str | None = None) -> None:
        """The step's first pass (a later one changes nothing)."""
        at = time.time() if at is None else at
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO steps (trainee, team, lesson, step) VALUES (?, ?, ?, ?)",
                             (trainee, team, lesson, step))
            self._db.execute("UPDATE steps SET completed_at = ?, by = ?, late = ? WHERE trainee = ? AND lesson = ? "
                             "AND step = ? AND completed_at IS NULL", (at, by, int(late), trainee, lesson, step))

    def done(self, trainee: str, lesson: str) -> set[str]:
        rows = self._db.execute("SELECT step FROM steps WHERE trainee = ? AND lesson = ? AND completed_at IS NOT NULL",
                                (trainee, lesson))
        return {step for (step,) in rows}

    def completions(self, trainee: str | None = None) -> list[Completion]:
        return [Completion(r.trainee, r.lesson, r.step, r.completed_at, r.by or "", r.late)
                for r in self.records(trainee) if r.completed_at is not None]

    def records(self, trainee: str | None = None, team: str | None = None) -> list[StepRecord]:
        """Every step record (of one trainee, or one team), by team, trainee and when the step was reached."""
        query = ("SELECT trainee, team, lesson, step, opened_at, completed_at, by, late, attempts, wrong_answers,"
                 " hints_taken FROM steps WHERE (? IS NULL OR trainee = ?) AND (? IS NULL OR team = ?)"
                 " ORDER BY coalesce(team, ''), trainee, coalesce(opened_at, completed_at)")
        return [StepRecord(*row[:7], bool(row[7]), *row[8:])
                for row in self._db.execute(query, (trainee, trainee, team, team))]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# --- reports ---------------------------------------------------------------------------------

_HEADINGS = {  # column -> (ko, en)
    "team": ("팀", "team"), "trainee": ("교육생", "trainee"), "lesson": ("수업", "lesson"), "step": ("단계", "step"),
    "completed": ("완료 시각", "completed"), "by": ("확인", "by"), "late": ("늦음", "late"),
    "attempts": ("시도", "attempts"), "wrong_answers": ("오답", "wrong answers"), "hints_taken": ("힌트", "hints"),
    "time": ("소요 시간", "time"), "steps": ("단계", "steps"), "passed": ("통과", "passed"),
    "score": ("점수", "score"),
}
COLUMNS = ("team", "trainee", "lesson", "step", "completed", "by", "late", "attempts", "wrong_answers",
           "hints_taken", "time")
SCORE_COLUMNS = ("team", "trainee", "lesson", "steps", "passed", "late", "attempts", "wrong_answers", "hints_taken",
                 "time", "score")
_LATE = ("늦음", "late")


def _when(at: float | None) -> str:
    return "" if at is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _say(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ko" else pair[1]


def step_rows(records: list[StepRecord], lang: str = "en") -> list[tuple]:
    """The header and one row per step record, as the report shows them."""
    rows: list[tuple] = [tuple(_say(_HEADINGS[c], lang) for c in COLUMNS)]
    for r in records:
        rows.append((r.team or "", r.trainee, r.lesson, r.step, _when(r.completed_at), r.by or "",
                     _say(_LATE, lang) if r.late else "", r.attempts, r.wrong_answers, r.hints_taken,
                     _duration(r.seconds)))
    return rows


def lesson_scores(records: list[StepRecord], steps_in: Mapping[str, int] | None = None,
                  lang: str = "en") -> list[tuple]:
    """The header and one row per (team, trainee, lesson): steps, passed, late, totals, time and score (0-100).

    steps_in gives each lesson's number of steps (a step never reached scores 0); without it, the steps recorded."""
    groups: dict[tuple, list[StepRecord]] = {}
    for r in records:
        groups.setdefault((r.team or "", r.trainee, r.lesson), []).append(r)
    rows: list[tuple] = [tuple(_say(_HEADINGS[c], lang) for c in SCORE_COLUMNS)]
    for (team, trainee, lesson), group in groups.items():
        total = max(len(group), (steps_in or {}).get(lesson, 0))
        times = [r.seconds for r in group if r.seconds is not None]
        rows.append((team, trainee, lesson, total, sum(r.passed for r in group), sum(r.late for r in group),
                     sum(r.attempts for r in group), sum(r.wrong_answers for r in group),
                     sum(r.hints_taken for r in group), _duration(sum(times) if times else None),
                     round(100 * sum(r.score for r in group) / total)))
    return rows


def report_csv(records: list[StepRecord], steps_in: Mapping[str, int] | None = None, lang: str = "en") -> str:
    """The steps, a blank line, then the score per lesson."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(step_rows(records, lang))
    writer.writerow(())
    writer.writerows(lesson_scores(records, steps_in, lang))
    return out.getvalue()


def report_markdown(records: list[StepRecord], steps_in: Mapping[str, int] | None = None, lang: str = "en") -> str:
    """The score per lesson, then every step, as two Markdown tables."""
    titles = ("## 수업별 점수", "## 단계별 기록") if lang == "ko" else ("## Score per lesson", "## Steps")
    return (f"{titles[0]}\n\n{_table(lesson_scores(records, steps_in, lang))}\n"
            f"{titles[1]}\n\n{_table(step_rows(records, lang))}")


def _table(rows: list[tuple]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines) + "\n"
