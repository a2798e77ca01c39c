"""LineScreen: each connection's health (HealthTable), the active alarms with ack, every station's tags, and
where the library messages go (the log file, when the console knows it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from smarthall.edge.errors import EdgeError

from .alarm_list import AlarmList
from .bindings import translate
from .health_table import HealthTable
from .tag_table import TagTable
from .texts import t


class LineScreen(Screen):
    DEFAULT_CSS = """
    LineScreen #health-title, LineScreen #alarms-title { height: 1; padding: 0 1; background: $boost; }
    LineScreen #stations { height: 1fr; }
    LineScreen TagTable { margin-bottom: 1; }
    LineScreen #said, LineScreen #log-file { height: 1; padding: 0 1; }
    """
    KEYS = (("escape", "back", "back", True), ("k", "ack", "ack", True))

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="health-title")
        yield HealthTable(self.app.line, self.app.clock, id="health")
        yield Static(id="alarms-title")
        yield AlarmList(self.app.line, id="alarms")
        yield Static(id="said", markup=False)
        with VerticalScroll(id="stations"):
            config = self.app.line.config
            for connection in config.connections:
                tags = sorted(n for n, tag in config.tags.items() if tag.connection == connection.name)
                yield TagTable(tags, self.app.line.latest, self.app.line.unit_of, title=connection.name,
                               id=f"station-{connection.name}")
        yield Static(id="log-file", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.retranslate()
        self.query_one(AlarmList).focus()

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        self.query_one("#health-title", Static).update(t("connections", lang))
        self.query_one(HealthTable).lang = lang
        self.query_one("#alarms-title", Static).update(t("alarms", lang))
        self.query_one(AlarmList).lang = lang
        log_file = self.query_one("#log-file", Static)
        log_file.display = self.app.log_path is not None
        log_file.update(t("log_file", lang, path=self.app.log_path))
        for table in self.query(TagTable):
            table.lang = lang

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_ack(self) -> None:
        self.query_one(AlarmList).acknowledge_highlighted()

    async def on_alarm_list_acknowledge(self, message: AlarmList.Acknowledge) -> None:
        line = self.app.line
        try:
            await (await line.client()).ack(message.alarm_id, "console")
            await line.refresh_alarms()
        except EdgeError as exc:  # refused, or the agent went away: said, never raised
            self.query_one("#said", Static).update(f"⚠ {exc}")
            return
        self.query_one("#said", Static).update(t("acked", self.app.lang, alarm=message.alarm_id))
        self.query_one(AlarmList).refill()
