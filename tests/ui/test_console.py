"""The instructor console on a simulated line (free ports), driven with Textual's Pilot."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from rich.console import Console

from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.service import Service
from smarthall.lessons.console.active_faults import ActiveFaults
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.fault_panel import FaultScreen
from smarthall.lessons.console.health_table import HealthTable
from smarthall.lessons.console.lesson_end import LessonEndScreen
from smarthall.lessons.console.lesson_list import LessonListScreen
from smarthall.lessons.console.line_overview import LineScreen
from smarthall.lessons.console.live import LiveLine
from smarthall.lessons.console.step_view import StepScreen
from smarthall.lessons.console.tag_table import TagTable
from smarthall.lessons.loader import CATALOGUE, load_catalogue
from smarthall.lessons.progress import Progress
from smarthall.lessons.sim_control import SimControl
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.waiting import until

from .frozen import frozen_line
from .line_file import line_file

CATALOG = load_catalogue(CATALOGUE, load_line())
SIZES = [(80, 24), (120, 40)]


@contextlib.asynccontextmanager
async def console(tmp: Path, lesson: str | None = None, size=(80, 24), sim_control: bool = True):
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp / "bus"), time_scale=5)
    async with SimulatedLine(options) as line, SimControl(line.control.endpoint_url) as sim:
        config = load_line(line_file(line, tmp))
        async with EdgeAgent(config, history_path=tmp / "history.db") as agent, Service(agent, config.users) as service:
            with Progress(tmp / "progress.db") as progress:
                app = LabApp(CATALOG, LiveLine(config, service.session), sim if sim_control else None, progress, "kim",
                             tmp / "work", lesson=lesson)
                async with app.run_test(size=size) as pilot:
                    yield app, pilot


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def printed(renderable, width: int = 120) -> str:
    """A Rich renderable as plain text."""
    console = Console(width=width, file=io.StringIO())
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


@pytest.mark.timeout(180)  # a whole lesson on a simulated line, its setup first
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_lesson_2_runs_to_the_end_and_each_check_turns_green(tmp_path, size):
    async with console(tmp_path, size=size) as (app, pilot):
        assert isinstance(app.screen, LessonListScreen)
        await pilot.press("down", "enter")  # lesson 2: modbus-tcp
        screen = app.screen
        assert isinstance(screen, StepScreen) and screen.lesson.id == "modbus-tcp"
        for index, step in enumerate(screen.lesson.steps):
            assert screen.step.id == step.id
            await until(lambda: screen.state in ("waiting", "holding"))
            assert "passed" not in screen.status_text()
            await screen.run.apply(step.solution)  # the trainee does the step through the edge API
            await until(lambda: screen.state == "passed")
            assert "✅ passed" in text_of(app, "#status")
            assert screen.query_one("#status").has_class("passed")
            await pilot.press("n")
        assert app.progress.done("kim", "modbus-tcp") == {s.id for s in screen.lesson.steps}
        assert isinstance(app.screen, LessonEndScreen)  # after the last step: the team's results
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, LessonListScreen)
        table = app.screen.query_one("DataTable")
        assert table.get_row("modbus-tcp")[1] == f"{len(screen.lesson.steps)}/{len(screen.lesson.steps)}"


async def test_step_view_hints_live_tags_answer_box_and_language(tmp_path):
    async with console(tmp_path, lesson="modbus-tcp") as (app, pilot):
        screen = app.screen
        await until(lambda: screen.state == "waiting")
        await pilot.press("a", "3", "enter")  # the quiz's third choice, 40001, typed in the answer box
        await until(lambda: screen.state == "passed")
        assert "Right" in text_of(app, "#feedback")
        await pilot.press("n", "n")  # speed-setpoint
        await until(lambda: screen.state == "waiting")
        assert "Press [h] for a hint" in text_of(app, "#hints")
        await pilot.press("h")
        assert text_of(app, "#hints").startswith("Hint 1: This write goes to holding register 0")
        table = screen.query_one(TagTable)
        assert table.tags == ["conveyor.speed_setpoint"]
        await until(lambda: table.snapshot() and table.snapshot()[0][2] == "good")
        await pilot.press("l")
        assert app.lang == "ko"
        assert "확인 대기 중" in text_of(app, "#status")
        assert "속도 설정값 쓰기" in text_of(app, "#where")
        assert text_of(app, "#hints").startswith("힌트 1: 이 쓰기는 기능 코드 06으로")
        assert any(b.description == "다음" for b in screen._bindings.key_to_bindings["n"])
        await pilot.press("escape")
        table = app.screen.query_one("DataTable")
        assert table.get_row("modbus-tcp")[2] == "기초"
        assert table.get_row("modbus-tcp")[1] == "1/5"
        await pilot.press("l")
        assert table.get_row("modbus-tcp")[2] == "basic"


def value_of(app, tag: str):
    """What the console shows: the value its LiveLine got through the client API."""
    return getattr(app.line.latest.get(tag), "value", None)


async def test_opening_a_lesson_brings_the_line_to_its_start_whatever_the_last_one_left(tmp_path):
    async with console(tmp_path) as (app, _pilot):
        await app.sim.inject_fault("conveyor", "estop")  # left by lesson 1
        await (await app.line.client()).write("feeder.auto_feed", True)  # left by lesson 7
        await until(lambda: value_of(app, "conveyor.estop_ok") is False and value_of(app, "feeder.auto_feed") is True)
        app.open_lesson("modbus-tcp")
        await until(lambda: value_of(app, "conveyor.estop_ok") is True and value_of(app, "feeder.auto_feed") is False)
        assert await app.sim.active_faults() == []
        assert value_of(app, "conveyor.motor_run") is False


async def test_inject_and_clear_a_fault_from_the_fault_panel(tmp_path):
    async with console(tmp_path) as (app, pilot):
        await pilot.press("f")
        screen = app.screen
        assert isinstance(screen, FaultScreen)
        kinds = screen.query_one("#kinds")
        await until(lambda: kinds.option_count)  # the kinds sim control describes (FaultKinds)
        kinds.highlighted = [o.id for o in kinds.options].index("estop")
        await pilot.pause()
        assert screen.query_one("#target").value == "conveyor"
        await pilot.press("enter")
        await until(lambda: "injected estop on conveyor" in screen.said)
        await until(lambda: value_of(app, "conveyor.estop_ok") is False)
        active = screen.query_one(ActiveFaults)
        await until(lambda: [(f.kind, f.target) for f in active.faults or []] == [("estop", "conveyor")])
        assert "estop on conveyor" in text_of(app, "#active")
        await pilot.press("c")
        await until(lambda: screen.said == "all faults cleared")
        await until(lambda: active.faults == [])
        assert text_of(app, "#active") == "No active faults."
        await until(lambda: value_of(app, "conveyor.estop_ok") is True)
        await pilot.press("t", "ctrl+a", *"nowhere", "enter")  # a refused fault is a message, not a crash
        await until(lambda: screen.said.startswith("⚠"))
        assert isinstance(app.screen, FaultScreen)


async def test_line_overview_shows_stations_and_acks_an_alarm(tmp_path):
    async with console(tmp_path, size=(120, 40)) as (app, pilot):
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, LineScreen)
        assert {t.id for t in screen.query(TagTable)} >= {"station-feeder", "station-conveyor", "station-process"}
        health = screen.query_one(HealthTable)
        await until(lambda: [row.name for row in health.rows] == ["feeder", "conveyor", "fieldbus", "process"])
        await until(lambda: all(row.connected and row.cycles and not row.error for row in health.rows))
        await app.sim.inject_fault("feeder", "offline")
        await until(lambda: not health.rows[0].connected and health.rows[0].error)
        assert "feeder last error:" in printed(health.render()) and health.rows[1].connected
        await until(lambda: any(a.alarm_id == "comm.feeder" for a in app.line.alarms))
        await app.sim.clear_faults()
        await until(lambda: health.rows[0].connected and not health.rows[0].error)
        await (await app.line.client()).ack("comm.feeder")  # returned and acknowledged: off the list
        await app.sim.inject_fault("conveyor", "estop")
        await until(lambda: any(a.alarm_id.startswith("conveyor") for a in app.line.alarms))
        alarms = screen.query_one("#alarms")
        await until(lambda: alarms.option_count and str(alarms.get_option_at_index(0).id).startswith("conveyor"))
        alarm_id = alarms.get_option_at_index(0).id
        await pilot.press("k")
        await until(lambda: f"alarm {alarm_id} acknowledged" in text_of(app, "#said"))
        [state] = [a for a in await (await app.line.client()).alarms() if a.alarm_id == alarm_id]
        assert state.state.value == "active-acknowledged"
        await app.sim.clear_faults()


async def test_no_fault_panel_on_a_real_line(tmp_path):
    with Progress(tmp_path / "progress.db") as progress:
        app = LabApp(CATALOG, frozen_line(), None, progress, "kim", tmp_path / "work")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f")
            assert isinstance(app.screen, LessonListScreen)
            assert app.check_action("faults", ()) is False
            assert "Faults" not in str(app.screen.query_one("Footer").children)


async def test_the_line_screen_says_where_library_messages_go(tmp_path):
    """`smarthall lab` gives the console its log file; the line screen names it, in the console's language."""
    with Progress(tmp_path / "progress.db") as progress:
        app = LabApp(CATALOG, frozen_line(), None, progress, "kim", tmp_path / "work")
        app.log_path = tmp_path / "state" / "smarthall.log"
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("v")
            assert text_of(app, "#log-file") == f"Library messages go to {app.log_path}."
            await pilot.press("l")
            assert text_of(app, "#log-file") == f"라이브러리 메시지는 {app.log_path}에 기록됩니다."
