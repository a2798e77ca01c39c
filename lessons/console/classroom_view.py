"""ClassroomScreen: every team's lesson step at once, who is stuck, and the instructor's actions on one team.

One row a team: its step (number and title), status, time on this step, hints taken, wrong
answers, trainees. A team without progress for the classroom's stuck_min is marked and
highlighted. On the highlighted team: reveal a hint, open the solution, sign off a step, open the
fault panel of its line (inject, clear), clear its faults, reset its line.
"""

from __future__ import annotations

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from smarthall.lessons.classroom import Classroom, Seat

from .bindings import translate
from .fault_panel import FaultScreen
from .texts import t

REFRESH_S = 1.0
COLUMNS = ("team", "step", "state", "on_step", "hints", "wrong", "trainees")
WIDTHS = {"team": 7, "state": 14, "on_step": 5, "hints": 5, "wrong": 5, "trainees": 10}  # the step takes the rest
_PADDING = 2 * len(COLUMNS) + 2  # each cell's padding, the scroll bar
_STATE_STYLE = {"passed": "green", "passed_late": "green", "signed": "green", "overdue": "yellow", "error": "red"}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{secs:02d}"


class ClassroomScreen(Screen):
    DEFAULT_CSS = """
    ClassroomScreen #lesson { height: 1; padding: 0 1; background: $boost; }
    ClassroomScreen DataTable { height: 1fr; }
    ClassroomScreen #said { height: auto; max-height: 3; padding: 0 1; }
    """
    KEYS = (("h", "hint", "hint", True), ("s", "solution", "solution", True), ("o", "sign_off", "sign_off", True),
            ("f", "team_faults", "faults", True), ("c", "clear", "clear", True), ("x", "reset", "reset", True))

    def __init__(self, classroom: Classroom) -> None:
        super().__init__()
        self.classroom = classroom
        self.said = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="lesson", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=False)
        yield Static(id="said", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.retranslate()
        self.set_interval(REFRESH_S, self.refill)

    def retranslate(self) -> None:
        lang = self.app.lang
        translate(self, self.KEYS, lang)
        lesson = self.classroom.lesson
        self.query_one("#lesson", Static).update(t("classroom_lesson", lang, title=lesson.title(lang),
                                                   stuck=f"{self.classroom.spec.stuck_min:g}"))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        rest = max(12, self.app.size.width - sum(WIDTHS.values()) - _PADDING)
        for column in COLUMNS:
            table.add_column(t("col." + column, lang), width=WIDTHS.get(column, rest), key=column)
        self.refill()

    def on_resize(self) -> None:
        self.retranslate()

    def row(self, seat: Seat, now: float) -> tuple:
        lang, run = self.app.lang, seat.run
        stuck = self.classroom.stuck(seat, now)
        style = "bold reverse red" if stuck else ""
        if run.lesson is None:
            cells = (seat.name, "—", t("status.starting", lang), "", "", "", ", ".join(run.trainees))
        else:
            step = run.step
            state = t("status." + run.state, lang, error=run.error(lang)) if run.state == "error" else t(
                "state." + run.state, lang)
            if stuck:  # said first: the rest of the state may be cut
                state = f"{t('stuck', lang)} {state}"
            cells = (seat.name, f"{run.index + 1}/{len(run.lesson.steps)} {step.title(lang)}", state,
                     _clock(now - run.since), f"{run.hints_shown}/{len(step.hints)}", str(run.wrong_answers),
                     ", ".join(run.trainees))
        return tuple(RichText(str(c), style=style or (_STATE_STYLE.get(run.state, "") if i == 2 else ""),
                              no_wrap=True, overflow="ellipsis") for i, c in enumerate(cells))

    def refill(self) -> None:
        table = self.query_one(DataTable)
        now = self.app.clock()
        row = table.cursor_row
        table.clear()
        for seat in self.classroom.seats:
            table.add_row(*self.row(seat, now), key=seat.name)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def highlighted(self) -> Seat | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.classroom.seat(str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value))

    def say(self, text: str) -> None:
        self.said = text
        self.query_one("#said", Static).update(text)

    def _on_team(self, act, said: str) -> None:
        seat = self.highlighted()
        if seat is None:
            return
        if act(seat) is False:
            self.say(t("nothing_to_do", self.app.lang, team=seat.name))
        else:
            self.say(t(said, self.app.lang, team=seat.name))
        self.refill()

    def _sim_action(self, act, said: str) -> None:
        seat = self.highlighted()
        if seat is None:
            return

        async def run() -> None:
            try:
                await act(seat)
            except Exception as exc:
                self.say(f"⚠ {seat.name}: {exc}")
            else:
                self.say(t(said, self.app.lang, team=seat.name))
        self.run_worker(run(), group="sim")

    def action_hint(self) -> None:
        self._on_team(lambda seat: seat.run.reveal_hint(), "hint_revealed")

    def action_solution(self) -> None:
        self._on_team(lambda seat: seat.run.open_solution(not seat.run.solution_shown), "solution_toggled")

    def action_sign_off(self) -> None:
        self._on_team(lambda seat: seat.run.sign_off(), "team_signed")

    def action_clear(self) -> None:
        self._sim_action(self.classroom.clear_faults, "team_cleared")

    def action_reset(self) -> None:
        self._sim_action(self.classroom.reset_line, "team_reset")

    def action_team_faults(self) -> None:
        seat = self.highlighted()
        if seat is not None and seat.sim is not None:
            self.app.push_screen(FaultScreen(seat.sim, team=seat.name))
