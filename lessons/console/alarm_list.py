"""AlarmList: the line's active alarms (priority, state, text, value); acknowledging one posts Acknowledge."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from smarthall.lessons.glossary import word

from .tag_table import shown
from .texts import t

REFRESH_S = 0.5


class AlarmList(OptionList):
    DEFAULT_CSS = """
    AlarmList { height: auto; max-height: 8; }
    """
    lang = reactive("en", init=False)  # an init watcher would refill inside refill's first clear_options

    class Acknowledge(Message):
        def __init__(self, alarm_id: str) -> None:
            super().__init__()
            self.alarm_id = alarm_id

    def __init__(self, line, **kwargs) -> None:
        super().__init__(**kwargs)
        self.line = line  # a LiveLine: its `alarms` are the operator's list
        self._shown: tuple | None = None

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.refill)
        self.refill()

    def watch_lang(self) -> None:
        self._shown = None
        self.refill()

    def rows(self) -> tuple:
        lang = self.lang
        return tuple((a.alarm_id, word(a.priority, lang), word(a.state, lang), a.spec.text_ko if lang == "ko" else
                      a.spec.text_en, shown(a.value, lang)) for a in self.line.alarms)

    def refill(self) -> None:
        rows = self.rows()
        if rows == self._shown:
            return
        self._shown = rows
        highlighted = self.highlighted
        self.clear_options()
        if not rows:
            self.add_option(Option(t("no_alarms", self.lang), disabled=True))
            return
        self.add_options([Option(Text(f"[{priority}] {alarm_id}: {text} ({value}) — {state}"), id=alarm_id)
                          for alarm_id, priority, state, text, value in rows])
        self.highlighted = min(highlighted or 0, len(rows) - 1)

    def acknowledge_highlighted(self) -> None:
        if self.highlighted is None or not self._shown:
            return
        option = self.get_option_at_index(self.highlighted)
        if option.id:
            self.post_message(self.Acknowledge(option.id))
