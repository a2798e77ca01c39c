"""The step view's live tag table never gives away what the trainee is asked to find."""

from __future__ import annotations

import dataclasses

from smarthall.edge.config import load_line
from smarthall.lessons.console.step_view import shown_tags
from smarthall.lessons.loader import CATALOGUE, load_catalogue

CATALOG = load_catalogue(CATALOGUE, load_line())


def test_a_reading_step_does_not_show_the_value_it_asks_for():
    step = CATALOG.lesson("meet-the-line").step("read-magazine")
    assert step.check.tag == "feeder.magazine_count"
    assert "feeder.magazine_count" not in shown_tags(step)


def test_hidden_tags_are_left_out_of_the_table():
    step = CATALOG.lesson("vision-inspection").step("park-part")
    assert shown_tags(step) == ["conveyor.motor_running", "conveyor.part_at_camera"]
    hidden = dataclasses.replace(step, hide_tags=("conveyor.part_at_camera",))
    assert shown_tags(hidden) == ["conveyor.motor_running"]
