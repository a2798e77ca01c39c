"""The control-centre view: every line on the broker, their alarms, and one line's tags with trends (Textual).

The app is a Sparkplug host application: it subscribes to ``spBv1.0/#``, publishes its STATE
(online, with an offline will) under --host-id so lines that name it as primary host go live,
and redraws once a second from `HostModel`. The first screen lists the lines (state and for how
long, parts, kWh, kWh per good part, OEE, active alarms) above every line's active alarms; `a`
acknowledges the highlighted alarm through an NCMD to its line (which checks the centre's command
user's role, edge.sparkplug.node); Enter opens a line: its tags with value, unit and quality, OEE's
three factors, and the highlighted tag's trend. Korean and English; 80x24 and up.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiomqtt
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

from smarthall.edge.sparkplug.alarm_metrics import ack_command
from smarthall.edge.sparkplug.payloads import Topics, rebirth_command, state
from smarthall.edge.sparkplug.settings import SOCKET_OPTIONS
from smarthall.lessons.console.bindings import bindings, translate

from .model import HostModel, LineView
from .texts import say

LINE_COLUMNS = ("col_line", "col_state", "col_since", "col_good", "col_rejected", "col_kwh", "col_kwh_part", "col_oee",
                "col_alarms")
ALARM_COLUMNS = ("col_line", "col_priority", "col_alarm", "col_text", "col_state", "col_since")
TAG_COLUMNS = ("col_tag", "col_value", "col_unit", "col_quality")
QUALITY_NAMES = {0: "bad", 500: "stale"}
REBIRTH_ASK_S = 5.0  # a node heard without its birth is asked for a rebirth at most this often


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _age(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def _fill(table: DataTable, columns: tuple[str, ...], rows: list[tuple[str, tuple[str, ...]]], lang: str) -> None:
    """Refill a table (keys and cells), keeping the highlighted row where it was."""
    cursor = table.cursor_row
    table.clear(columns=True)
    table.add_columns(*(say(c, lang) for c in columns))
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.move_cursor(row=min(cursor, len(rows) - 1))


class CentreApp(App):
    """Every line of the hall: state, output, energy, OEE and alarms; drill into one line."""

    CSS = """
    #lines { height: 1fr; }
    #alarms { height: 1fr; }
    #status { height: 1; }
    """
    KEYS = (("enter", "open_line", "key_open", True), ("a", "ack", "key_ack", True),
            ("l", "toggle_lang", "key_lang", True), ("q", "quit", "key_quit", True))
    BINDINGS = bindings(KEYS, "en", say)

    def __init__(self, model: HostModel, lang: str = "ko", broker: str = "", connect=None,
                 clock=time.time) -> None:
        super().__init__()
        self.model, self.lang, self.broker, self._connect, self.clock = model, lang, broker, connect, clock
        self.status = ""
        self.client: aiomqtt.Client | None = None  # the host application's MQTT session while connected

    def compose(self) -> ComposeResult:
        yield Header()
        # kept, not queried, by the redraw: its timer may tick once more while the closing app removes them
        self._status, self._lines = Static(id="status"), DataTable(id="lines", cursor_type="row", zebra_stripes=True)
        self._alarms = DataTable(id="alarms", cursor_type="row")
        yield self._status
        yield self._lines
        yield self._alarms
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1.0, self.redraw)
        if self._connect is not None:
            self.run_worker(self._connect(self), exclusive=True)

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "ko" else "ko"
        self.redraw()

    def redraw(self) -> None:
        self.title = say("title", self.lang)
        translate(self, self.KEYS, self.lang, say)
        if isinstance(self.screen, LineScreen):
            translate(self.screen, LineScreen.KEYS, self.lang, say)
        now = self.clock()
        lines = [self.model.lines[key] for key in sorted(self.model.lines)]
        _fill(self._lines, LINE_COLUMNS, [(line.key, self.line_row(line, now)) for line in lines],
              self.lang)
        alarms = self.model.alarms()
        _fill(self._alarms, ALARM_COLUMNS,
              [(f"{line.key}\n{alarm.alarm_id}", (line.key, say(alarm.priority, self.lang), alarm.alarm_id,
                                                   alarm.text(self.lang), say(alarm.state, self.lang),
                                                   _age(now - alarm.since)))
               for line, alarm in alarms], self.lang)
        online = sum(line.online for line in lines)
        self._status.update(
            say("status", self.lang, broker=self.broker or "-", online=online, lines=len(lines), alarms=len(alarms))
            + (f"  {self.status}" if self.status else ""))
        if isinstance(self.screen, LineScreen) and self.screen.is_mounted:
            self.screen.redraw()

    def line_row(self, line: LineView, now: float) -> tuple[str, ...]:
        oee = line.oee(now)
        return (line.key, say("online" if line.online else "offline", self.lang), _age(now - line.since),
                _number(line.parts_good, 0), _number(line.parts_rejected, 0), _number(line.kwh, 2),
                _number(line.kwh_per_good_part, 3), _percent(None if oee is None else oee.oee),
                str(len(line.active_alarms())))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "lines":
            self.action_open_line()

    def action_open_line(self) -> None:
        table = self.query_one("#lines", DataTable)
        if table.row_count and not isinstance(self.screen, LineScreen):
            group, node = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value.split("/", 1)
            self.push_screen(LineScreen(self.model.lines[group, node]))

    async def action_ack(self) -> None:
        """Acknowledge the highlighted alarm: an NCMD ``Alarms/<id>/Ack`` to its line."""
        table = self.query_one("#alarms", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        line_key, alarm_id = key.split("\n", 1)
        group, node = line_key.split("/", 1)
        if self.client is None:
            self.notify(say("ack_offline", self.lang, line=line_key), severity="warning")
            return
        try:
            await self.client.publish(Topics(group, node).node_topic("NCMD"),
                                      ack_command(alarm_id, int(time.time() * 1000)), qos=1)
        except aiomqtt.MqttError:
            self.notify(say("ack_offline", self.lang, line=line_key), severity="warning")
            return
        self.notify(say("ack_sent", self.lang, line=line_key, alarm=alarm_id))


class LineScreen(Screen):
    """One line: OEE with its factors, every tag (value, unit, quality), the highlighted tag's trend."""

    CSS = """
    #line-title { height: 1; }
    #tags { height: 1fr; }
    #trend-label { height: 1; }
    #trend { height: 4; }
    """
    KEYS = (("escape", "app.pop_screen", "key_back", True),)
    BINDINGS = bindings(KEYS, "en", say)

    def __init__(self, line: LineView) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="line-title")
        yield DataTable(id="tags", cursor_type="row", zebra_stripes=True)
        yield Static(id="trend-label")
        yield Sparkline([], id="trend")
        yield Footer()

    def on_mount(self) -> None:
        translate(self, self.KEYS, self.app.lang, say)
        self.redraw()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.redraw_trend()

    def redraw(self) -> None:
        app, line = self.app, self.line
        lang = app.lang
        oee = line.oee(app.clock())
        factors = (None, None, None) if oee is None else (oee.availability, oee.performance, oee.quality)
        self.query_one("#line-title", Static).update(say(
            "line_title", lang, line=line.key, state=say("online" if line.online else "offline", lang),
            oee=_percent(None if oee is None else oee.oee), a=_percent(factors[0]), p=_percent(factors[1]),
            q=_percent(factors[2])))
        _fill(self.query_one("#tags", DataTable), TAG_COLUMNS,
              [(name, (name, _shown(line.values[name]), line.units.get(name, ""),
                       say(QUALITY_NAMES.get(line.qualities.get(name, 192), "good"), lang)))
               for name in sorted(line.values)], lang)
        self.redraw_trend()

    def redraw_trend(self) -> None:
        table, lang = self.query_one("#tags", DataTable), self.app.lang
        trend = None
        if table.row_count:
            name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            trend = self.line.trends.get(name)
        label = self.query_one("#trend-label", Static)
        if not trend:
            label.update(say("no_trend", lang))
            self.query_one("#trend", Sparkline).data = []
            return
        values = [v for _, v in trend]
        label.update(say("trend", lang, tag=name, low=f"{min(values):g}", high=f"{max(values):g}",
                         unit=self.line.units.get(name, ""), n=len(values)))
        self.query_one("#trend", Sparkline).data = values


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def mqtt_session(url: str, host_id: str, username: str | None, password: str | None, ca_file: Path | None = None):
    """The worker that keeps the host application's MQTT session (reconnecting) and feeds the model; with
    mqtts:// the broker's certificate is checked against ca_file (default: the system's CAs)."""
    parts = urlsplit(url)
    tls = aiomqtt.TLSParameters(ca_certs=None if ca_file is None else str(ca_file)) if parts.scheme == "mqtts" else None
    default_port = 8883 if tls else 1883

    async def run(app: CentreApp) -> None:
        while True:
            stamp = int(time.time() * 1000)
            will = aiomqtt.Will(Topics.state(host_id), state(False, stamp), qos=1, retain=True)
            try:
                async with aiomqtt.Client(parts.hostname or "127.0.0.1", parts.port or default_port, username=username,
                                          password=password, identifier=f"centre-{host_id}", will=will,
                                          clean_session=True, keepalive=10, socket_options=SOCKET_OPTIONS,
                                          tls_params=tls) as client:
                    await client.subscribe("spBv1.0/#", qos=1)
                    await client.publish(Topics.state(host_id), state(True, stamp), qos=1, retain=True)
                    app.status, app.client = "", client
                    asked: dict[tuple[str, str], float] = {}  # (group, node) -> when a rebirth was last asked
                    async for message in client.messages:
                        now = time.time()
                        unborn = app.model.apply(str(message.topic), bytes(message.payload), now)
                        if unborn is not None and now - asked.get(unborn, 0.0) >= REBIRTH_ASK_S:
                            asked[unborn] = now
                            await client.publish(Topics(*unborn).node_topic("NCMD"), rebirth_command(int(now * 1000)),
                                                 qos=1)
            except aiomqtt.MqttError as exc:
                if asyncio.current_task().cancelling():  # aiomqtt's exit may put its own error in place of the cancel
                    raise asyncio.CancelledError from exc
                app.status = say("broker_lost", app.lang, error=exc)
            finally:
                app.client = None
            await asyncio.sleep(2)  # a cancellation here ends the session (it used to be swallowed: reconnect forever)

    return run
