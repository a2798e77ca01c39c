"""TagTable: the latest value, unit and quality of some tags, redrawn at most 10 times a second.

It reads a dict of latest values (a LiveLine's `latest`) on a timer and
repaints only the lines whose row changed, through Textual's line API: a busy
line costs a render of each changed value on screen, never a re-layout or a
render of the whole table. It looks exactly like a Rich Table: every column
has a ratio, so the widths do not depend on the rows, and each cell is
rendered with the calls and options the Table would use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.padding import Padding
from rich.segment import Segment, Segments
from rich.table import Table
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from smarthall.lessons.glossary import word

from .texts import t

REFRESH_S = 0.1
COLUMNS = (("tag", 3, "left"), ("value", 2, "right"), ("unit", 1, "left"), ("quality", 1, "left"))  # text, ratio, justify
VALUE = 1  # the column that changes on every update


def shown(value, lang: str = "en") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return word(str(value), lang) if isinstance(value, bool) else str(value)


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
        self._good = 0  # rows of _shown with good quality
        self._head: tuple = (None, [], [])  # (what it was worked out for, title and header lines, column widths)
        self._cells: dict[tuple, list] = {}  # (column, text, style) -> the cell's segments, at the current widths

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
        if rows == self._shown:
            return
        before, good, self._shown = self._shown, self._good, rows
        self._good = sum(1 for _name, _value, quality in rows if quality.lower() == "good")
        if len(before) != len(rows) or good != self._good:
            self.refresh()
            return
        top, width = len(self._layout()[0]), self.size.width
        self.refresh(*(Region(0, top + i, width, 1) for i, (old, new) in enumerate(zip(before, rows)) if old != new))

    def watch_lang(self) -> None:
        self.refresh()

    def good_count(self) -> int:
        return self._good

    def render_line(self, y: int) -> Strip:
        head, widths = self._layout()
        rows = self._shown or tuple((n, None, "") for n in self.tags)
        if y < len(head):
            return head[y]
        if y - len(head) < len(rows):
            return self._row_line(rows[y - len(head)], widths)
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def _layout(self) -> tuple[list[Strip], list[int]]:
        """The title and header lines and the column widths, worked out again only when they change."""
        key = (self.size.width, self.lang, self._good, self.visual_style)
        if self._head[0] != key:
            table = self._table()
            widths = table._calculate_column_widths(self.app.console, self.app.console_options.update_width(key[0]))
            self._head = (key, self._lines(table), widths)
            self._cells.clear()
        return self._head[1], self._head[2]

    def _row_line(self, row: tuple, widths: list[int]) -> Strip:
        """One row's line, made of its cells as the Rich table renders them; all but the value are cached."""
        name, value, quality = row
        style = "" if quality.lower() == "good" else "yellow" if quality else "dim"  # no value yet: still starting
        texts = (name, shown(value, self.lang) if quality else t("starting", self.lang), self.units(name),
                 word(quality, self.lang))
        segments = []
        for index, text in enumerate(texts):
            key = (index, text, style)
            cell = self._cells.get(key)
            if cell is None:
                cell = self._cell(text, widths[index], COLUMNS[index][2], style)
                if index != VALUE:
                    self._cells[key] = cell
            segments += cell
        return self._lines(Segments(segments))[0]

    def _cell(self, text: str, width: int, justify: str, style: str) -> list[Segment]:
        """A cell's line, with the calls and options Rich's Table uses for it."""
        console = self.app.console
        options = self.app.console_options.update(width=width, justify=justify, no_wrap=True, overflow="ellipsis",
                                                  height=None, highlight=False)
        rich_style = console.get_style(style)
        lines = console.render_lines(Padding(text, (0, 1)), options, style=rich_style)
        return Segment.set_shape(Segment.align_top(lines, width, 1, rich_style), width, 1)[0]

    def _lines(self, renderable) -> list[Strip]:
        return Visual.to_strips(self, visualize(self, renderable), self.size.width, None, self.visual_style)

    def _table(self) -> Table:
        """The title (when there is one) and the column headers."""
        lang = self.lang
        title = None
        if self.title:
            title = t("station_health", lang, name=self.title, good=self.good_count(), total=len(self.tags))
        table = Table(title=title, title_justify="left", box=None, expand=True, padding=(0, 1), show_edge=False)
        for key, ratio, justify in COLUMNS:
            table.add_column(t(key, lang), ratio=ratio, justify=justify, no_wrap=True, overflow="ellipsis")
        return table
