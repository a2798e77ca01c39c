"""Progress per trainee (or station team) in SQLite: which step was completed when, and by whom.

`Progress(path)` keeps one row per (trainee, lesson, step): the first
completion (a later pass does not move it), and whether it came after the
check's timeout (late). `report_csv` and `report_markdown`
print who finished which step when.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from smarthall.edge.config import data_folder

SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    trainee TEXT NOT NULL,
    lesson TEXT NOT NULL,
    step TEXT NOT NULL,
    completed_at REAL NOT NULL,
    by TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (trainee, lesson, step)
)
"""


def default_progress_path() -> Path:
    return data_folder() / "progress.db"


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
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.completed_at))


class Progress:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute(SCHEMA)
        if "late" not in {row[1] for row in self._db.execute("PRAGMA table_info(completions)")}:  # an older store
            self._db.execute("ALTER TABLE completions ADD COLUMN late INTEGER NOT NULL DEFAULT 0")
        self._db.commit()

    def complete(self, trainee: str, lesson: str, step: str, by: str, at: float | None = None,
                 late: bool = False) -> None:
        self._db.execute("INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?)",
                         (trainee, lesson, step, time.time() if at is None else at, by, int(late)))
        self._db.commit()

    def done(self, trainee: str, lesson: str) -> set[str]:
        rows = self._db.execute("SELECT step FROM completions WHERE trainee = ? AND lesson = ?", (trainee, lesson))
        return {step for (step,) in rows}

    def completions(self, trainee: str | None = None) -> list[Completion]:
        query = "SELECT trainee, lesson, step, completed_at, by, late FROM completions"
        args: tuple = ()
        if trainee is not None:
            query, args = query + " WHERE trainee = ?", (trainee,)
        return [Completion(*row[:5], late=bool(row[5])) for row in self._db.execute(query + " ORDER BY trainee, completed_at", args)]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


COLUMNS = ("trainee", "lesson", "step", "completed", "by", "late")


def report_csv(completions: list[Completion]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in completions:
        writer.writerow((c.trainee, c.lesson, c.step, c.when, c.by, "late" if c.late else ""))
    return out.getvalue()


def report_markdown(completions: list[Completion]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for c in completions:
        cells = (c.trainee, c.lesson, c.step, c.when, c.by, "late" if c.late else "")
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
