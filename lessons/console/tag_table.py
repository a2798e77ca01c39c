"""TagTable: the latest value, unit and quality of some tags, redrawn at most 10 times a second.

It reads a dict of latest values (the edge agent's `latest`) on a timer and
repaints only when what it shows changed; it never re-lays out the screen,
so a busy line costs one render per tick, not one per update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.table import Table
from textual.reactive import reactive
from textual.widget import Widget

from .texts import t

REFRESH_S = 0.1


def shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class TagTable(Widget):
    DEFAULT_CSS = """
    TagTable { height: auto; width: 1fr; }
    """
    lang = reactive("en")

    def __init__(self, tags: list[str], latest: Mapping, units: Callable[[str], str] = lambda name: "",
                 title: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.tags = list(tags)
        self.latest = latest
        self.units = units
        self.title = title
        self._shown: tuple = ()

    def on_mount(self) -> None:
        self.styles.height = len(self.tags) + 1 + (1 if self.title else 0)
        self.set_interval(REFRESH_S, self._tick)

    def snapshot(self) -> tuple:
        rows = []
        for name in self.tags:
            value = self.latest.get(name)
            rows.append((name, None, "") if value is None else (name, value.value, str(value.quality)))
        return tuple(rows)

    def _tick(self) -> None:
        rows = self.snapshot()
        if rows != self._shown:
            self._shown = rows
            self.refresh()

    def watch_lang(self) -> None:
        self.refresh()

    def good_count(self) -> int:
        return sum(1 for _name, _value, quality in self._shown if quality.lower() == "good")

    def render(self):
        lang = self.lang
        title = None
        if self.title:
            title = t("station_health", lang, name=self.title, good=self.good_count(), total=len(self.tags))
        table = Table(title=title, title_justify="left", box=None, expand=True, padding=(0, 1), show_edge=False)
        table.add_column(t("tag", lang), ratio=3, no_wrap=True, overflow="ellipsis")
        table.add_column(t("value", lang), ratio=2, justify="right", no_wrap=True)
        table.add_column(t("unit", lang), ratio=1, no_wrap=True)
        table.add_column(t("quality", lang), ratio=1, no_wrap=True)
        for name, value, quality in self._shown or tuple((n, None, "") for n in self.tags):
            style = "" if quality.lower() == "good" else "yellow"
            table.add_row(name, shown(value) if quality else t("no_value", lang), self.units(name), quality,
                          style=style)
        return table
