"""The team's lesson step on the panel: answers typed there count for the signed-in trainee's team."""

from __future__ import annotations

import asyncio

from textual.widgets import TabbedContent

from smarthall.edge.client import Client
from smarthall.panel.app import PanelApp
from tests.waiting import until

from .frozen import NOW, frozen_service


async def settled() -> None:
    """The panel's session ends a few turns of the loop after the app: wait for it before the agent stops."""
    await until(lambda: len(asyncio.all_tasks()) == 1)


def panel(socket, user: str) -> PanelApp:
    async def connect(name: str, password: str) -> Client:
        return await Client.connect_unix(socket, name, password)
    return PanelApp(connect, "frozen", None, user, user, "en", clock=lambda: NOW)


async def test_answers_typed_on_the_panel_count_for_the_trainees_team(tmp_path):
    with frozen_service(tmp_path) as (socket, lessons):
        app = panel(socket, "kim")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.panel is not None and app.panel.step is not None, timeout=30)
            await pilot.press("4")
            await until(lambda: app.panel.query_one(TabbedContent).active == "lesson")  # with Start focused, too
            await pilot.click("#answer")
            await pilot.press("1", "enter")
            await until(lambda: "answer 1: not right, try again" in str(app.panel.query_one("#said").content))
            await until(lambda: app.panel.step["wrong_answers"] == 2)
            await pilot.press("2", "enter")
            await until(lambda: app.panel.step["status"] == "passed")
            assert "answer 2: right" in str(app.panel.query_one("#said").content)
        await settled()
        assert lessons.answers == [("team1", 1, "kim"), ("team1", 2, "kim")]


async def test_a_trainee_sees_only_their_own_teams_step(tmp_path):
    with frozen_service(tmp_path) as (socket, _lessons):
        app = panel(socket, "park")  # team2: the only step is team1's
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.panel is not None and app.panel.values, timeout=30)
            await pilot.press("4")
            await pilot.pause()
            assert app.panel.step is None
            assert "no lesson is running" in str(app.panel.query_one("#lesson-head").content)
        await settled()
