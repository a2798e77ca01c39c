"""One station's panel: its picture and counters, buttons and setpoints, trend, alarms and the team's lesson step.

The screen only shows and asks: the app (`panel.app`) feeds it values, alarm states and lesson steps from the
agent (`apply`, `show_alarms`, `show_step`) and carries out what its widgets ask (`Controls.Pressed`, ...).
It redraws on a timer, not on every value, so a busy line costs the same as a quiet one, and puts on screen
only what changed (`shown.show`): a redraw of an unchanged widget costs the screen a layout pass. The trend is
drawn only while its tab is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from smarthall.devices.profiles import Level
from smarthall.edge.alarms.events import AlarmState
from smarthall.edge.tags import TagValue

from .alarm_list import AlarmList
from .controls import Controls
from .lesson_view import LessonView
from .picture import BeltTracker, draw, shown
from .shown import show
from .station import Station, refusal
from .texts import pad, say
from .trend import Trend

TABS = ("station", "trend", "alarms", "lesson")


class StationScreen(Screen):
    AUTO_FOCUS = "#buttons Button"  # the first button (start, feed...): Enter presses it, Tab moves on
    DEFAULT_CSS = """
    StationScreen #status { height: 1; background: $primary-background; padding: 0 1; }
    StationScreen #status.gone { background: $error; color: $text; }
    StationScreen #said { height: 1; padding: 0 1; color: $warning; }
    StationScreen #top { height: auto; }
    StationScreen #picture { width: 50; height: auto; padding: 0 1; }
    StationScreen #counters { width: 1fr; height: auto; padding: 0 1; border-left: solid $primary; }
    StationScreen TabbedContent { height: 1fr; }
    StationScreen TabPane { padding: 0; height: 1fr; }
    """
    BINDINGS = [
        Binding("1", "tab('station')", "station", show=False), Binding("2", "tab('trend')", "trend", show=False),
        Binding("3", "tab('alarms')", "alarms", show=False), Binding("4", "tab('lesson')", "lesson", show=False),
    ]

    def __init__(self, station: Station, user: dict, lang: str, clock: Callable[[], float], trend_s: float) -> None:
        super().__init__()
        self.station, self.user, self.lang, self.clock = station, user, lang, clock
        self.values: dict[str, TagValue] = {}
        self.alarms: list[AlarmState] = []
        self.step: dict | None = None
        self.step_note = ""
        self.link = ""  # why the agent cannot be reached now ("" while it can)
        self.belt = BeltTracker()
        self.trend = Trend(station.trends, trend_s, id="trend")
        self.changed = self.step_changed = True  # what redraw has to draw again

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with TabbedContent(initial="station"):
            with TabPane("station", id="station"), VerticalScroll():
                with Horizontal(id="top"):
                    yield Static(id="picture")
                    yield Static(id="counters")
                yield Controls(self.station, self.user, self.lang)
            with TabPane("trend", id="trend-tab"):
                yield self.trend
            with TabPane("alarms", id="alarms"):
                yield AlarmList()
            with TabPane("lesson", id="lesson"):
                yield LessonView()
        yield Static(id="said")
        yield Footer()

    def on_mount(self) -> None:
        self.relabel()
        self.set_interval(0.5, self.redraw)
        self.set_interval(1.0, self.redraw_trend)

    # --- what the app feeds in ----------------------------------------------------------------

    def apply(self, value: TagValue) -> None:
        self.values[value.tag] = value
        self.trend.add(value)
        self.changed = True

    def show_alarms(self, states: Sequence[AlarmState]) -> None:
        mine = set(self.station.tags)
        self.alarms = [s for s in states if s.spec.tag in mine or s.alarm_id == f"comm.{self.station.name}"]
        self.changed = True

    def show_step(self, step: dict | None, note: str = "") -> None:
        self.step, self.step_note = step, note
        self.step_changed = self.changed = True

    def say(self, text: str) -> None:
        """One line under the tabs: the agent's answer to the last press (a refusal says why)."""
        self.query_one("#said", Static).update(text)

    def set_link(self, problem: str) -> None:
        self.link = problem
        self.changed = True

    # --- drawing -------------------------------------------------------------------------------

    def relabel(self) -> None:
        """Say everything in self.lang again."""
        tabs = self.query_one(TabbedContent)
        for tab in TABS:
            tabs.get_tab(tab if tab in ("station", "alarms", "lesson") else "trend-tab").label = say(f"tab_{tab}", self.lang)
        self.query_one(Controls).relabel(self.lang)
        self.step_changed = self.changed = True
        self.redraw()
        self.redraw_trend()

    def redraw(self) -> None:
        if not self.changed:
            return
        self.changed = False
        now = self.clock()
        self.belt.update(self.station, self.values, now)
        status = self.query_one("#status", Static)
        status.set_class(bool(self.link), "gone")
        show(status, self.link or self.status_line())
        show(self.query_one("#picture", Static), draw(self.station, self.values, self.lang, self.belt))
        if self.step_changed:
            self.step_changed = False
            self.query_one(LessonView).show(self.step, self.lang, self.step_note)
        counters = "\n".join(f"{pad(c.text(self.lang).split(' (')[0], 20)} {shown(self.values.get(c.tag), self.lang, brief=True)}"
                             for c in self.station.counters)
        show(self.query_one("#counters", Static), counters)
        self.query_one(Controls).show(self.values)
        refused = refusal(self.user, self.station.name, Level.SUPERVISE, "alarm")
        self.query_one(AlarmList).show(self.alarms, now, self.lang, None if refused is None else refused(self.lang))

    def redraw_trend(self) -> None:
        if self.query_one(TabbedContent).active == "trend-tab":
            self.trend.draw(self.clock(), self.lang)

    @on(TabbedContent.TabActivated)
    def _tab_shown(self) -> None:
        self.redraw_trend()  # at once, not at the next tick

    def status_line(self) -> str:
        user = self.user
        who = f"{user['name']} ({say('role_' + user['role'], self.lang)}{', ' + user['team'] if user.get('team') else ''})"
        active = sum(s.state.annunciated for s in self.alarms)
        parts = [self.station.title(self.lang), who, say("alarms_active", self.lang, n=active)]
        if self.step is not None:
            parts.append(f"{say('step_of', self.lang, n=self.step['step'] + 1, total=self.step['steps'])} "
                         f"{say('status_' + self.step['status'], self.lang)}")
        return " · ".join(parts)

    def action_tab(self, tab: str) -> None:
        self.set_focus(None)  # a focused button on the tab left behind would bring its tab back
        self.query_one(TabbedContent).active = tab if tab != "trend" else "trend-tab"
