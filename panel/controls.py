"""The station's buttons, setpoints (with their ranges) and method arguments: what a person presses and types.

Attributes down (`station`, `user`, `lang`, `values`), messages up: `Controls.Pressed` for a button, with the
method arguments' values, and `Controls.Set` for a setpoint. A control the signed-in user's role cannot use
is greyed out with the reason as its tooltip, and still sends when pressed: the agent decides and the panel
shows its answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from smarthall.edge.tags import TagValue

from .picture import shown
from .shown import show
from .station import BadValue, Setting, Station, range_of, refusal
from .station import Button as Press
from .texts import pad, say


class Controls(Vertical):
    DEFAULT_CSS = """
    Controls { height: auto; }
    Controls #buttons { grid-size: 4; grid-gutter: 1 1; grid-rows: 1; height: auto; margin-bottom: 1; }
    Controls #buttons Button { width: 100%; min-width: 8; height: 1; }
    Controls .setting { height: 1; }
    Controls .setting .name { width: 22; }
    Controls .setting Input { width: 10; }
    Controls .setting .range { width: 16; padding-left: 1; color: $text-muted; }
    Controls .setting .now { width: 1fr; }
    Controls .refused { opacity: 50%; }
    """

    class Pressed(Message):
        def __init__(self, button: Press, args: list[float | int]) -> None:
            super().__init__()
            self.button, self.args = button, args

    class Set(Message):
        def __init__(self, setting: Setting, value: float) -> None:
            super().__init__()
            self.setting, self.value = setting, value

    class Invalid(Message):
        """A typed value that is not one the setting takes: said on the panel, nothing sent."""

        def __init__(self, setting: Setting, problem: str) -> None:
            super().__init__()
            self.setting, self.problem = setting, problem

    def __init__(self, station: Station, user: dict, lang: str) -> None:
        super().__init__()
        self.station, self.user, self.lang = station, user, lang
        self._settings = {s.id: s for s in (*station.setpoints, *station.arguments)}
        self._ids = {s.id: f"s{n}" for n, s in enumerate(self._settings.values())}

    def compose(self) -> ComposeResult:
        with Grid(id="buttons"):
            for button in self.station.buttons:
                yield Button(button.text(self.lang), id=f"press-{button.id}", compact=True, variant=button.variant)
        for setting in self._settings.values():
            with Horizontal(classes="setting"):
                yield Label(self.name_of(setting), classes="name")
                yield Input(value="" if setting.first is None else f"{setting.first:g}", compact=True,
                            id=self._ids[setting.id], select_on_focus=True)
                yield Label(range_of(setting), classes="range")
                yield Label("", classes="now", id=f"now-{self._ids[setting.id]}")

    def on_mount(self) -> None:
        self.relabel(self.lang)

    def name_of(self, setting: Setting) -> str:
        if setting in self.station.arguments:
            method, _, name = setting.id.rpartition(".")
            return pad(f"{method.rpartition('.')[2]} {name}", 21)
        return pad(setting.text(self.lang).split(" (")[0], 21)

    def relabel(self, lang: str) -> None:
        """Say every label in lang, grey out what the user's role cannot use, the reason as the tooltip."""
        self.lang = lang
        for button in self.station.buttons:
            widget = self.query_one(f"#press-{button.id}", Button)
            widget.label = button.text(lang)
            self._grey(widget, refusal(self.user, self.station.name, button.level, "call" if button.method else "write"))
        for setting in self._settings.values():
            widget = self.query_one(f"#{self._ids[setting.id]}", Input)
            self._grey(widget, refusal(self.user, self.station.name, setting.level))
            widget.parent.query_one(".name", Label).update(self.name_of(setting))

    def _grey(self, widget, reason) -> None:
        widget.set_class(reason is not None, "refused")
        widget.tooltip = None if reason is None else reason(self.lang)

    def show(self, values: Mapping[str, TagValue]) -> None:
        """Each setpoint's value now, beside its box."""
        for setting in self.station.setpoints:
            show(self.query_one(f"#now-{self._ids[setting.id]}", Label), "= " + shown(values.get(setting.id), self.lang))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = next(b for b in self.station.buttons if f"press-{b.id}" == event.button.id)
        args = []
        for name in button.args:
            parsed = self._parse(self._settings[name])
            if parsed is None:
                return
            args.append(parsed)
        self.post_message(self.Pressed(button, args))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        setting = next(s for s in self._settings.values() if self._ids[s.id] == event.input.id)
        if setting in self.station.setpoints and (value := self._parse(setting)) is not None:
            self.post_message(self.Set(setting, value))

    def _parse(self, setting: Setting) -> float | int | None:
        typed = self.query_one(f"#{self._ids[setting.id]}", Input).value
        try:
            return setting.parse(typed)
        except BadValue as exc:
            self.post_message(self.Invalid(setting, say(exc.key, self.lang, **exc.values)))
            return None
