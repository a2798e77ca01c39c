"""HealthTable: each connection's state, scan statistics and last error, redrawn once a second."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from smarthall.edge.health import ConnectionHealth, connection_health

from .texts import t

REFRESH_S = 1.0
COLUMNS = ("connection", "protocol", "state", "cycles", "overruns", "jitter", "bad_readings", "last_value")
STATES = {True: ("connected", "green"), False: ("disconnected", "red"), None: ("not_scanned", "yellow")}


class HealthTable(Widget):
    """One row per connection; under the table, the last error of each connection that has one."""

    DEFAULT_CSS = """
    HealthTable { height: auto; width: 1fr; }
    """
    lang = reactive("en")

    def __init__(self, agent, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.agent = agent
        self.clock = clock
        self.rows: tuple[ConnectionHealth, ...] = connection_health(agent, clock())

    def on_mount(self) -> None:
        self._fit()
        self.set_interval(REFRESH_S, self.update_rows)

    def _fit(self) -> None:
        self.styles.height = 1 + len(self.rows) + sum(1 for row in self.rows if row.error)

    def update_rows(self) -> None:
        rows = connection_health(self.agent, self.clock())
        if rows != self.rows:
            self.rows = rows
            self._fit()
            self.refresh()

    def watch_lang(self) -> None:
        self.refresh()

    def render(self):
        lang = self.lang
        table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
        for key in COLUMNS:
            table.add_column(t(key, lang), justify="left" if key in COLUMNS[:3] else "right", no_wrap=True,
                             overflow="ellipsis")
        for row in self.rows:
            text, style = STATES[row.connected]
            table.add_row(row.name, row.protocol, Text(t(text, lang), style=style), str(row.cycles),
                          str(row.overruns), f"{row.jitter_p99_ms:.0f} ms", f"{row.bad_pct:.1f} %",
                          "—" if row.age_s is None else t("seconds_ago", lang, s=f"{row.age_s:.1f}"))
        errors = [Text(" " + t("last_error", lang, name=row.name, error=row.error), style="yellow", no_wrap=True,
                       overflow="ellipsis") for row in self.rows if row.error]
        return Group(table, *errors)
