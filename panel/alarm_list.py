"""The station's active alarms (ISA-18.2 annunciated states), newest first, with acknowledge.

Attributes down (`show(states, now, lang)`), messages up (`AlarmList.Ack` with the alarm id of the row under
the cursor). The ack button is greyed out for a role that may not handle alarms, and still asks the agent.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Label

from smarthall.edge.alarms.events import AlarmState

from .texts import age, say


class AlarmList(Vertical):
    DEFAULT_CSS = """
    AlarmList { height: 1fr; }
    AlarmList DataTable { height: 1fr; }
    AlarmList #alarm-bar { height: 1; }
    AlarmList #alarm-bar Label { width: 1fr; padding-left: 1; }
    AlarmList .refused { opacity: 50%; }
    """

    class Ack(Message):
        def __init__(self, alarm_id: str) -> None:
            super().__init__()
            self.alarm_id = alarm_id

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self._shown: tuple | None = None  # the columns, rows and refusal on screen

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with Horizontal(id="alarm-bar"):
            yield Button("ack", id="ack", compact=True)
            yield Label("", id="alarm-count")

    def show(self, states: Sequence[AlarmState], now: float, lang: str, refused: str | None) -> None:
        """The annunciated alarms among states; refused: why this user may not acknowledge (None: they may)."""
        active = sorted((s for s in states if s.state.annunciated), key=lambda s: -(s.since or 0))
        columns = tuple(say(c, lang) for c in ("col_priority", "col_state", "col_since", "col_alarm"))
        rows = tuple((say(f"priority_{state.priority.value}", lang), say(f"state_{state.state.value}", lang),
                      age(now - state.since) if state.since else "-",
                      state.spec.text_ko if lang == "ko" else state.spec.text_en) for state in active)
        if (columns, rows, refused) == self._shown:
            return  # the table is rebuilt only when it changed: each rebuild costs the screen a layout pass
        self._shown = columns, rows, refused
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*columns)
        for row in rows:
            table.add_row(*row)
        self.ids = [s.alarm_id for s in active]
        if self.ids:
            table.move_cursor(row=min(cursor, len(self.ids) - 1))
        ack = self.query_one("#ack", Button)
        ack.label = say("ack", lang)
        ack.set_class(refused is not None, "refused")
        ack.tooltip = refused
        self.query_one("#alarm-count", Label).update(say("alarms_active", lang, n=len(active)))

    @on(Button.Pressed, "#ack")
    def _ack(self, event: Button.Pressed) -> None:
        event.stop()
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.ids):
            self.post_message(self.Ack(self.ids[row]))
