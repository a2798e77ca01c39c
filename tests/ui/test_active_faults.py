"""The fault panel's list of active faults: what sim control says, and its error when it cannot say."""

from __future__ import annotations

from smarthall.lessons.console.active_faults import ActiveFaults
from smarthall.lessons.console.app import LabApp
from smarthall.lessons.console.fault_panel import FaultScreen
from smarthall.lessons.errors import LessonRunError
from smarthall.lessons.progress import Progress
from tests.waiting import until

from .frozen import FrozenSim, frozen_line, frozen_shelf


class SilentSim(FrozenSim):
    async def active_faults(self):
        raise LessonRunError("sim control ActiveFaults: connection lost")


async def _panel(tmp_path, sim, lang="en") -> str:
    shelf = frozen_shelf()
    with Progress(tmp_path / "progress.db") as progress:
        app = LabApp(shelf.catalogue, frozen_line(), sim, progress, "kim", tmp_path / "work", lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f")
            assert isinstance(app.screen, FaultScreen)
            active = app.screen.query_one(ActiveFaults)
            await until(lambda: active.faults is not None and active.catalogue is not None or active.error)
            return str(active.render())


async def test_the_active_faults_are_listed_with_their_params(tmp_path):
    assert await _panel(tmp_path, FrozenSim()) == (
        "#1 estop on conveyor\n#2 drift on process.temperature (rate=0.5)")
    assert await _panel(tmp_path, FrozenSim(), "ko") == (
        "#1 conveyor: 비상정지\n#2 process.temperature: 센서 값 표류 (rate=0.5)")  # the kinds by their Korean names


async def test_sim_control_that_cannot_answer_is_said_not_raised(tmp_path):
    assert await _panel(tmp_path, SilentSim()) == "⚠ sim control ActiveFaults: connection lost"
