"""The station panel on the real simulated line: each button pressed reaches the plant, refusals say why.

A simulated line on free ports, its edge agent and client API run in this test (tests/panel/live.py); the
panel signs in as a trainee of the station's team and is driven with Textual's Pilot. Effects are read from
the simulator's plant itself, not from the panel.
"""

from __future__ import annotations

import sqlite3

import pytest

from smarthall.edge.service import Service
from smarthall.panel.app import PanelApp
from smarthall.panel.controls import Controls
from smarthall.simulators.plant.conveyor import FaultCode
from tests.waiting import until

from .live import connector, live_line

pytestmark = pytest.mark.timeout(180)  # a whole simulated line and agent on a loaded machine


def said(app: PanelApp) -> str:
    return str(app.panel.query_one("#said").content)


async def shown(app: PanelApp, pilot) -> None:
    await until(lambda: app.panel is not None and app.panel.is_mounted and app.client is not None
                and all(v.quality == "good" for v in app.panel.values.values()) and len(app.panel.values), timeout=60)
    await pilot.pause()


async def click_into(app: PanelApp, pilot, box: str) -> None:
    """Click a setpoint box until it has the focus (a click while the screen redraws can miss it, and the digits
    then go to the screen's tab keys)."""
    async def focused() -> bool:
        if not app.panel.query_one(box).has_focus:
            await pilot.click(box)
            await pilot.pause()
        return app.panel.query_one(box).has_focus

    await until(focused, timeout=30)


async def press(app: PanelApp, pilot, button: str) -> None:
    before = said(app)
    app.panel.query_one(f"#press-{button}").press()
    await until(lambda: said(app) != before, timeout=30)


def audit(folder) -> list[tuple[str, str, str]]:
    with sqlite3.connect(folder / "history.db") as db:
        return db.execute("SELECT user, tag, result FROM write_log ORDER BY ts").fetchall()


async def test_each_conveyor_button_reaches_the_plant(tmp_path):
    async with live_line(tmp_path) as (line, _agent, service):
        plant = line.plant
        app = PanelApp(connector(service), "test", "conveyor", "kim", "kim", "en")
        async with app.run_test(size=(120, 40)) as pilot:
            await shown(app, pilot)
            for button, point, value in [("start", "motor_run", True), ("manual", "auto_mode", False),
                                         ("divert", "divert_reject", True), ("straight", "divert_reject", False),
                                         ("auto", "auto_mode", True), ("stop", "motor_run", False)]:
                await press(app, pilot, button)
                assert said(app).endswith(": done"), said(app)
                await until(lambda point=point, value=value: plant.read("conveyor", point) is value, timeout=30)
            plant._conveyor.parts_in = 7  # the test arranges a count and a latched jam on the simulated PLC
            await press(app, pilot, "reset")
            await until(lambda: plant.read("conveyor", "parts_in") == 0, timeout=30)
            plant._conveyor._latched = FaultCode.JAM
            await until(lambda: app.panel.values["conveyor.fault"].value is True, timeout=30)
            await press(app, pilot, "fault_reset")
            assert said(app) == "Fault reset: done"
            await until(lambda: plant.read("conveyor", "fault") is False, timeout=30)
            await click_into(app, pilot, "#s0")  # the belt speed setpoint
            await pilot.press("ctrl+a", "backspace", *"350", "enter")
            await until(lambda: plant.read("conveyor", "speed_setpoint") == 350, timeout=30)
    assert ("kim", "conveyor.speed_setpoint", "ok") in audit(tmp_path)


async def test_feeder_buttons_and_a_refused_setting(tmp_path):
    async with live_line(tmp_path) as (line, _agent, service):
        plant = line.plant
        app = PanelApp(connector(service), "test", "feeder", "park", "park", "ko")
        async with app.run_test(size=(80, 24)) as pilot:
            await shown(app, pilot)
            await press(app, pilot, "feed")
            await until(lambda: plant.read("feeder", "parts_dispensed") == 1, timeout=30)
            await press(app, pilot, "auto_on")
            await until(lambda: plant.read("feeder", "auto_feed") is True, timeout=30)
            await press(app, pilot, "auto_off")
            await until(lambda: plant.read("feeder", "auto_feed") is False, timeout=30)
            interval = app.panel.query_one("#s0")  # feed_interval_ms: a configuration setting
            assert interval.has_class("refused") and "엔지니어" in str(interval.tooltip)
            await click_into(app, pilot, "#s0")
            await pilot.press("ctrl+a", "backspace", *"900", "enter")
            await until(lambda: "거부됨" in said(app), timeout=30)
            assert "운전 조작 항목이 아닙니다" in said(app)
            assert plant.read("feeder", "feed_interval_ms") == 2000
    refused = "refused: not an operating control: trainees may not change it, ask an engineer"
    assert ("park", "feeder.feed_interval_ms", refused) in audit(tmp_path)


async def test_process_buttons_setpoint_and_batch(tmp_path):
    async with live_line(tmp_path) as (line, _agent, service):
        plant = line.plant
        app = PanelApp(connector(service), "test", "process", "jung", "jung", "en")
        async with app.run_test(size=(120, 40)) as pilot:
            await shown(app, pilot)
            await press(app, pilot, "manual")
            await until(lambda: plant.read("process", "mode") == 0, timeout=30)
            await press(app, pilot, "auto")
            await until(lambda: plant.read("process", "mode") == 1, timeout=30)
            await click_into(app, pilot, "#s0")  # the temperature setpoint
            await pilot.press("ctrl+a", "backspace", *"150", "enter")
            await until(lambda: plant.read("process", "setpoint") == 150, timeout=30)
            await press(app, pilot, "start_batch")  # StartBatch(120, 60): the arguments' boxes
            await until(lambda: plant.read("process", "batch_state") == 1, timeout=30)  # heating
            assert plant.read("process", "setpoint") == 120
            await press(app, pilot, "abort_batch")
            await until(lambda: plant.read("process", "batch_state") == 5, timeout=30)  # aborted
            await click_into(app, pilot, "#s1")  # heater output, outside its range: said on the panel, nothing sent
            await pilot.press("ctrl+a", "backspace", *"150", "enter")
            await until(lambda: "outside 0..100 %" in said(app), timeout=30)


async def test_a_trainee_pressing_another_teams_button_is_refused_with_the_reason(tmp_path):
    async with live_line(tmp_path) as (line, _agent, service):
        app = PanelApp(connector(service), "test", "feeder", "kim", "kim", "en")
        async with app.run_test(size=(80, 24)) as pilot:
            await shown(app, pilot)
            feed = app.panel.query_one(Controls).query_one("#press-feed")
            assert feed.has_class("refused")
            assert feed.tooltip == "kim (team team1) operates conveyor, not feeder"
            await press(app, pilot, "feed")
            assert said(app) == "Feed: refused - feeder.feed: kim (team team1) operates conveyor, not feeder"
            assert line.plant.read("feeder", "parts_dispensed") == 0
    assert ("kim", "feeder.feed", "refused: kim (team team1) operates conveyor, not feeder") in audit(tmp_path)


async def test_the_agent_going_away_is_one_line_and_the_panel_comes_back(tmp_path):
    async with live_line(tmp_path) as (_line, agent, service):
        app = PanelApp(connector(service), "test", "conveyor", "kim", "kim", "en")
        async with app.run_test(size=(80, 24)) as pilot:
            await shown(app, pilot)
            status = app.panel.query_one("#status")
            await service.close()
            await until(lambda: "cannot be reached" in str(status.content), timeout=30)
            assert status.has_class("gone") and "\n" not in str(status.content)
            async with Service(agent, agent.config.users):  # the agent serves again, on the same socket
                await until(lambda: not status.has_class("gone") and "kim (trainee, team1)" in str(status.content),
                            timeout=30)
