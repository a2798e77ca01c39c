"""The control-centre view: every line on the broker with its state, parts and energy (Textual, ko/en, 80x24).

The app is a Sparkplug host application: it subscribes to ``spBv1.0/#``, publishes its STATE
(online, with an offline will) under --host-id so lines that name it as primary host go live,
and redraws the table once a second from `HostModel`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlsplit

import aiomqtt
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Static

from smarthall.edge.sparkplug.payloads import Topics, state

from ..texts import say
from .model import HostModel, LineView

COLUMNS = ("col_line", "col_state", "col_since", "col_good", "col_rejected", "col_kwh", "col_kwh_part")


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _age(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


class CentreApp(App):
    """Lines online and offline (and for how long), parts good and rejected, kWh and kWh per good part."""

    CSS = "DataTable { height: 1fr; } #status { height: 1; }"
    BINDINGS = [("l", "toggle_lang", "한/EN"), ("q", "quit", "quit")]

    def __init__(self, model: HostModel, lang: str = "ko", broker: str = "", connect=None) -> None:
        super().__init__()
        self.model, self.lang, self.broker, self._connect = model, lang, broker, connect
        self.status = ""

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield DataTable(cursor_type="row", zebra_stripes=True)
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
        self.title = say("centre_title", self.lang)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*(say(c, self.lang) for c in COLUMNS))
        now = time.time()
        for key in sorted(self.model.lines):
            table.add_row(*self.row(self.model.lines[key], now))
        online = sum(line.online for line in self.model.lines.values())
        self.query_one("#status", Static).update(
            say("centre_status", self.lang, broker=self.broker or "-", online=online, lines=len(self.model.lines))
            + (f"  {self.status}" if self.status else ""))

    def row(self, line: LineView, now: float) -> tuple[str, ...]:
        return (f"{line.group}/{line.node}", say("online" if line.online else "offline", self.lang),
                _age(now - line.since), _number(line.parts_good, 0), _number(line.parts_rejected, 0),
                _number(line.kwh, 2), _number(line.kwh_per_good_part, 3))


def mqtt_session(url: str, host_id: str, username: str | None, password: str | None):
    """The worker that keeps the host application's MQTT session (reconnecting) and feeds the model."""
    parts = urlsplit(url)

    async def run(app: CentreApp) -> None:
        while True:
            stamp = int(time.time() * 1000)
            will = aiomqtt.Will(Topics.state(host_id), state(False, stamp), qos=1, retain=True)
            try:
                async with aiomqtt.Client(parts.hostname or "127.0.0.1", parts.port or 1883, username=username,
                                          password=password, identifier=f"centre-{host_id}", will=will,
                                          clean_session=True, keepalive=10,
                                          tls_params=aiomqtt.TLSParameters() if parts.scheme == "mqtts" else None
                                          ) as client:
                    await client.subscribe("spBv1.0/#", qos=1)
                    await client.publish(Topics.state(host_id), state(True, stamp), qos=1, retain=True)
                    app.status = ""
                    async for message in client.messages:
                        app.model.apply(str(message.topic), bytes(message.payload), time.time())
            except aiomqtt.MqttError as exc:
                app.status = say("centre_broker_lost", app.lang, error=exc)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(2)

    return run
