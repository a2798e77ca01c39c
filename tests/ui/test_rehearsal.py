"""Every lesson of the catalogue rehearsed live at 1x in the console `smarthall lab` runs, on a simulated line of
its own (free ports, own folders): each step's solution done through the console turns it green, and none turns
green before."""

from __future__ import annotations

import time

import pytest

from smarthall.edge.config import load_line
from smarthall.lab_command import lab
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.loader import CATALOGUE
from smarthall.simulators.line import SimOptions
from smarthall.simulators.options import FREE_PORTS

from .rehearsal import rehearse

SHELF = load_shelf(CATALOGUE, load_line())
LESSONS = [pytest.param(lesson, id=lesson.id) for lesson in SHELF.catalogue.lessons]


@pytest.mark.timeout(900)  # a whole lesson in real time, after its line starts on a loaded machine
@pytest.mark.parametrize("lesson", LESSONS)
async def test_each_lesson_rehearsed_live_at_1x_turns_every_step_green_after_its_solution(tmp_path, lesson):
    options = SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "bus"), time_scale=1)
    started = time.monotonic()
    async with (lab(SHELF, None, tmp_path / "progress.db", "kim", lesson=lesson.id, options=options,
                    history=tmp_path / "history.db") as app,
                app.run_test(size=(100, 40)) as pilot):
        steps = await rehearse(app, pilot, lesson)
    print(f"\n{lesson.id}: rehearsed at 1x in {time.monotonic() - started:.0f} s", *steps, sep="\n  ")
