"""`PanelApp`: sign in, then one station's panel, live from the running agent, until quit.

The app owns the session with the agent (`connect(user, password)` gives a signed-in `edge.client.Client`):
it reads the line's tags and methods, seeds the values and the trend from the history, then follows the
station's values, the alarms and the team's lesson step as streams. When the agent goes away the status
line says so in one line and the app signs in again with a growing pause (1 s to 10 s); a wrong password
goes back to the sign-in screen. Presses, setpoints, acks and answers are sent as the signed-in user and
the agent's answer (a refusal says why) is shown under the tabs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from textual import on
from textual.app import App
from textual.binding import Binding

from smarthall.edge.client import Client
from smarthall.edge.errors import (
    AgentError,
    AgentUnavailable,
    AuthenticationFailed,
    EdgeError,
    Forbidden,
    LessonNotOpen,
)

from .alarm_list import AlarmList
from .controls import Controls
from .lesson_view import LessonView
from .login import LoginScreen
from .station import Station, stations
from .station_screen import StationScreen
from .texts import say

log = logging.getLogger(__name__)
Connect = Callable[[str, str], Awaitable[Client]]
RETRY_S = (1.0, 10.0)  # the pause before signing in again after the agent went away: first, longest


class PanelApp(App):
    TITLE = "Smart Hall"
    BINDINGS = [Binding("l", "toggle_lang", "한/EN"), Binding("s", "next_station", "station"),
                Binding("q", "quit", "quit")]

    def __init__(self, connect: Connect, where: str, station: str | None = None, user: str = "",
                 password: str | None = None, lang: str = "ko", clock: Callable[[], float] = time.time,
                 trend_s: float = 300.0) -> None:
        super().__init__()
        self.connect, self.where, self.station_name = connect, where, station
        self.user, self.password, self.lang, self.clock, self.trend_s = user, password, lang, clock, trend_s
        self.client: Client | None = None
        self.stations: dict[str, Station] = {}
        self.panel: StationScreen | None = None

    def on_mount(self) -> None:
        self.title = say("panel_title", self.lang)
        if self.user and self.password is not None:
            self.sign_in(self.user, self.password)
        else:
            self.push_screen(LoginScreen(self.user, self.lang, self.where))

    @on(LoginScreen.SignIn)
    def _signed(self, event: LoginScreen.SignIn) -> None:
        self.sign_in(event.user, event.password)

    def sign_in(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.run_worker(self._session(), exclusive=True, group="session")

    # --- the session with the agent -------------------------------------------------------------

    async def _session(self) -> None:
        pause = RETRY_S[0]
        while True:
            try:
                client = await self.connect(self.user, self.password or "")
            except AuthenticationFailed as exc:
                self._back_to_login(exc.say(self.lang))
                return
            except EdgeError as exc:
                await self._wait_for_agent(exc, pause)
                pause = min(2 * pause, RETRY_S[1])
                continue
            try:
                async with client:
                    self.client = client
                    pause = RETRY_S[0]
                    await self._follow(client)
            except AgentUnavailable as exc:
                await self._wait_for_agent(exc, pause)
            except EdgeError as exc:  # the agent refused what the panel needs to start (e.g. no such station)
                self._back_to_login(str(exc))
                return
            except Exception as exc:  # a bug: one line on the panel, the traceback in the log file
                log.exception("station panel")
                await self._wait_for_agent(exc, pause)
            finally:
                self.client = None

    async def _wait_for_agent(self, problem: Exception, pause: float) -> None:
        said = say("agent_gone", self.lang, where=self.where, problem=problem, s=f"{pause:g}")
        if self.panel is not None:
            self.panel.set_link(said)
        elif isinstance(self.screen, LoginScreen):
            self.screen.refuse(said)
        await asyncio.sleep(pause)

    def _back_to_login(self, reason: str) -> None:
        self.password = None
        if self.panel is not None:
            self.panel = None
            self.switch_screen(LoginScreen(self.user, self.lang, self.where))
            self.call_after_refresh(lambda: isinstance(self.screen, LoginScreen) and self.screen.refuse(reason))
        elif isinstance(self.screen, LoginScreen):
            self.screen.refuse(reason)
        else:
            self.push_screen(LoginScreen(self.user, self.lang, self.where))
            self.call_after_refresh(lambda: isinstance(self.screen, LoginScreen) and self.screen.refuse(reason))

    async def _follow(self, client: Client) -> None:
        """Show the station live until the agent goes away."""
        self.stations = stations(await client.tags(), await client.methods())
        user = client.user or {}
        name = self.station_name or next((s for s in sorted(user.get("stations", ())) if s in self.stations),
                                          next(iter(self.stations)))
        if name not in self.stations:
            raise AgentError(say("no_station", self.lang, station=name, known=", ".join(self.stations)))
        self.station_name = name
        panel = self._panel(self.stations[name], user)
        station = panel.station
        now = self.clock()
        if station.trends:
            for value in await client.history([t.tag for t in station.trends], now - self.trend_s):
                panel.trend.add(value)
        values, alarms = await client.read(station.tags), await client.alarms()
        for value in values:  # the whole station at once: never values without their alarms on screen
            panel.apply(value)
        panel.show_alarms(alarms)
        panel.show_step(None)
        panel.set_link("")
        streams = [asyncio.create_task(follow(client, panel)) for follow in (self._values, self._alarms, self._lesson)]
        try:
            done, _ = await asyncio.wait(streams, return_when=asyncio.FIRST_EXCEPTION)
            for stream in done:
                stream.result()  # the first stream's error (the agent went away) ends the others too
        finally:
            for stream in streams:
                stream.cancel()
            await asyncio.gather(*streams, return_exceptions=True)

    def _panel(self, station: Station, user: dict) -> StationScreen:
        """The station's screen: the one shown when it is the same station and user, else a new one."""
        if self.panel is not None and self.panel.station == station and self.panel.user == user:
            return self.panel
        panel = StationScreen(station, user, self.lang, self.clock, self.trend_s)
        if self.panel is None and not isinstance(self.screen, LoginScreen):
            self.push_screen(panel)
        else:
            self.switch_screen(panel)
        self.panel = panel
        return panel

    async def _values(self, client: Client, panel: StationScreen) -> None:
        async for value in client.watch(panel.station.tags):
            panel.apply(value)

    async def _alarms(self, client: Client, panel: StationScreen) -> None:
        async for _event in client.alarm_events():
            panel.show_alarms(await client.alarms())

    async def _lesson(self, client: Client, panel: StationScreen) -> None:
        """The team's step: the signed-in trainee's team's, else the whole line's, else the first team's."""
        steps: dict[str | None, dict] = {}
        try:
            async for step in client.lesson_steps():
                steps[step.get("team")] = step
                team = (client.user or {}).get("team")
                panel.show_step(steps.get(team) or steps.get(None) or next(iter(steps.values())))
        except AgentUnavailable:
            raise
        except LessonNotOpen:
            panel.show_step(None)
        except AgentError as exc:
            panel.show_step(None, str(exc))

    # --- what the panel asks of the agent --------------------------------------------------------

    @on(Controls.Pressed)
    def _pressed(self, event: Controls.Pressed) -> None:
        button, client = event.button, self.client
        what = button.text(self.lang)
        if button.method is not None:
            self._ask(what, lambda: client.call(button.method, event.args))
        else:
            self._ask(what, lambda: client.write(button.tag, button.value))

    @on(Controls.Set)
    def _set(self, event: Controls.Set) -> None:
        client, setting = self.client, event.setting
        self._ask(f"{setting.text(self.lang).split(' (')[0]} = {event.value:g}",
                  lambda: client.write(setting.id, event.value))

    @on(Controls.Invalid)
    def _invalid(self, event: Controls.Invalid) -> None:
        if self.panel is not None:
            self.panel.say(f"{event.setting.text(self.lang).split(' (')[0]}: {event.problem}")

    @on(AlarmList.Ack)
    def _ack(self, event: AlarmList.Ack) -> None:
        client = self.client
        self._ask(say("ack_of", self.lang, alarm=event.alarm_id), lambda: client.ack(event.alarm_id))

    @on(LessonView.Answer)
    def _answer(self, event: LessonView.Answer) -> None:
        client, step = self.client, self.panel.step if self.panel is not None else None
        trainee = client is not None and (client.user or {}).get("role") == "trainee"
        team = None if trainee or step is None else step.get("team")  # an instructor answers for the step's team
        self._ask(say("answer_of", self.lang, value=event.value), lambda: client.answer(event.value, team))

    def _ask(self, what: str, request: Callable[[], Awaitable[object]]) -> None:
        if self.panel is None:
            return
        panel = self.panel
        if self.client is None:
            panel.say(say("not_connected", self.lang, what=what))
            return

        async def run() -> None:
            try:
                result = await request()
            except Forbidden as exc:
                panel.say(say("refused", self.lang, what=what, reason=exc.say(self.lang)))
            except LessonNotOpen as exc:
                panel.say(say("failed", self.lang, what=what, reason=exc.say(self.lang)))
            except (EdgeError, ValueError) as exc:
                panel.say(say("failed", self.lang, what=what, reason=exc))
            else:
                if isinstance(result, dict) and "right" in result:  # an answer: right, wrong or taken (None)
                    verdict = {True: "answer_right", False: "answer_wrong"}.get(result["right"], "done")
                    panel.say(say(verdict, self.lang, what=what))
                else:
                    panel.say(say("done", self.lang, what=what))

        self.run_worker(run(), group="requests")

    # --- keys ------------------------------------------------------------------------------------

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "ko" else "ko"
        self.title = say("panel_title", self.lang)
        for screen in self.screen_stack:
            if isinstance(screen, LoginScreen | StationScreen):
                screen.lang = self.lang
                screen.relabel()

    def action_next_station(self) -> None:
        """The line's next station (a trainee may look at every station; what they may press is the agent's call)."""
        if not self.stations or self.station_name is None or self.panel is None:
            return
        names = list(self.stations)
        self.station_name = names[(names.index(self.station_name) + 1) % len(names)]
        self.run_worker(self._session(), exclusive=True, group="session")
