"""FaultScreen (simulated line only): inject and clear every fault kind, reset the line, load the magazine
(of the console's line, or of one team's line in a classroom).

It lists the fault kinds the simulator describes (sim control's FaultKinds: each with a target it
accepts, what it does and when it shows) and the line's active faults (ActiveFaults), read again
after each action and every second.

Everything goes through sim control (lessons.sim_control), as any instructor tool would.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from .active_faults import ActiveFaults
from .bindings import translate
from .texts import t

MAGAZINE = 10


class FaultScreen(Screen):
    DEFAULT_CSS = """
    FaultScreen #kinds-title, FaultScreen #target-title, FaultScreen #active-title {
        height: 1; padding: 0 1; background: $boost;
    }
    FaultScreen #kinds { height: 1fr; }
    FaultScreen #said { height: auto; padding: 0 1; }
    """
    KEYS = (("escape", "back", "back", True), ("c", "clear", "clear", True), ("x", "reset", "reset", True),
            ("m", "magazine", "magazine", True), ("t", "target", "fault_target", True))

    def __init__(self, sim=None, team: str | None = None) -> None:
        """sim: the line's sim control (default the console's); team: whose line it is (in a classroom)."""
        super().__init__()
        self.given_sim = sim
        self.team = team

    @property
    def sim(self):
        return self.given_sim or self.app.sim

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="kinds-title")
        yield OptionList(id="kinds")
        yield Static(id="target-title")
        yield Input(id="target")
        yield Static(id="said", markup=False)
        yield Static(id="active-title")
        yield ActiveFaults(self.sim, id="active")
        yield Footer()

    def on_mount(self) -> None:
        self.said = ""
        self.examples: dict[str, str] = {}  # kind -> a target it accepts; the instructor may type another
        self.retranslate()
        self.query_one("#kinds", OptionList).focus()
        self._do(self._list_kinds())

    async def _list_kinds(self) -> str:
        catalogue = await self.sim.fault_kinds()
        self.examples = {k.kind: k.example for k in catalogue.kinds}
        active = self.query_one(ActiveFaults)
        active.catalogue = catalogue
        active.show()  # the faults read before, now by their names
        listed = self.query_one("#kinds", OptionList)
        listed.add_options([Option(k.name(self.app.lang), id=k.kind) for k in catalogue.kinds])
        listed.highlighted = 0
        return ""

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        title = t("fault_kinds", lang)
        self.query_one("#kinds-title", Static).update(title if self.team is None else f"{self.team}: {title}")
        self.query_one("#target-title", Static).update(t("fault_target", lang))
        self.query_one("#active-title", Static).update(t("active_faults", lang))
        active = self.query_one(ActiveFaults)
        active.lang = lang
        if active.catalogue is not None:  # the kinds are listed: by their names in this language
            for kind in active.catalogue.kinds:
                self.query_one("#kinds", OptionList).replace_option_prompt(kind.kind, kind.name(lang))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#target", Input).value = self.examples.get(event.option.id, "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.inject(event.option.id, self.query_one("#target", Input).value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        kinds = self.query_one("#kinds", OptionList)
        if kinds.highlighted is not None:
            self.inject(kinds.get_option_at_index(kinds.highlighted).id, event.value.strip())
        kinds.focus()

    def inject(self, kind: str, target: str) -> None:
        async def run() -> str:
            fault_id = await self.sim.inject_fault(target, kind)
            return t("injected", self.app.lang, target=target, kind=kind, id=fault_id)
        self._do(run())

    def _do(self, coroutine) -> None:
        async def guarded() -> None:
            try:
                self.say(await coroutine)
            except Exception as exc:
                self.say(f"⚠ {exc}")
            self.query_one(ActiveFaults).reload()
        self.run_worker(guarded(), group="sim")

    def say(self, text: str) -> None:
        self.said = text
        self.query_one("#said", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_target(self) -> None:
        self.query_one("#target", Input).focus()

    def action_clear(self) -> None:
        async def run() -> str:
            await self.sim.clear_faults()
            return t("cleared", self.app.lang)
        self._do(run())

    def action_reset(self) -> None:
        async def run() -> str:
            await self.sim.reset()
            return t("was_reset", self.app.lang)
        self._do(run())

    def action_magazine(self) -> None:
        async def run() -> str:
            await self.sim.load_magazine(MAGAZINE)
            return t("loaded", self.app.lang, count=MAGAZINE)
        self._do(run())
