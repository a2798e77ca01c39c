"""HealthTable: each connection's state, scan statistics, last error and what its driver discarded or lost,
redrawn once a second."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from smarthall.edge.health import ConnectionHealth

from .reasons import said_reason
from .texts import t

REFRESH_S = 1.0
COLUMNS = ("connection", "protocol", "state", "cycles", "overruns", "jitter", "bad_readings", "last_value")
STATES = {True: ("connected", "green"), False: ("disconnected", "red"), None: ("not_scanned", "yellow")}


class HealthTable(Widget):
    """One row per connection; under the table, for each connection that has them: its protocol violations,
    its lost data changes and its last error."""

    DEFAULT_CSS = """
    HealthTable { height: auto; width: 1fr; }
    """
    lang = reactive("en")

    def __init__(self, line, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.line = line  # a LiveLine: its `health`, one ConnectionHealth per connection
        self.clock = clock  # what the age of the last good value is counted from
        self.rows: tuple[ConnectionHealth, ...] = line.health

    def on_mount(self) -> None:
        self._fit()
        self.set_interval(REFRESH_S, self.update_rows)

    def _fit(self) -> None:
        self.styles.height = 1 + len(self.rows) + len(_notes(self.rows, self.lang))

    def update_rows(self) -> None:
        rows = self.line.health
        if rows != self.rows:
            self.rows = rows
            self._fit()
        self.refresh()  # the age of the last good value grows by the clock

    def watch_lang(self) -> None:
        self.refresh()

    def render(self):
        lang, now = self.lang, self.clock()
        table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
        for key in COLUMNS:
            table.add_column(t(key, lang), justify="left" if key in COLUMNS[:3] else "right", no_wrap=True,
                             overflow="ellipsis")
        for row in self.rows:
            text, style = STATES[row.connected]
            table.add_row(row.name, row.protocol, Text(t(text, lang), style=style), str(row.cycles),
                          str(row.overruns), f"{row.jitter_p99_ms:.0f} ms", f"{row.bad_pct:.1f} %",
                          "—" if row.last_good is None else t("seconds_ago", lang, s=f"{row.age_s(now):.1f}"))
        notes = [Text(" " + note, style="yellow", no_wrap=True, overflow="ellipsis") for note in _notes(self.rows, lang)]
        return Group(table, *notes)


def _notes(rows: tuple[ConnectionHealth, ...], lang: str) -> list[str]:
    """The lines under the table: per connection, what its driver discarded or lost, and its last error."""
    notes = []
    for row in rows:
        if row.violations:
            notes.append(t("violations", lang, name=row.name, n=row.violations))
        if row.lost_changes:
            notes.append(t("lost_changes", lang, name=row.name, n=row.lost_changes))
        if row.error:
            notes.append(t("last_error", lang, name=row.name, error=said_reason(row.error, lang)))
    return notes
