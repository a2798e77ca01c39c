"""The sans-IO check engine against sequences of tag values, alarm states, answers, configurations and recipe grades."""

from __future__ import annotations

import pytest

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.edge.config import load_line
from smarthall.edge.inspection import DEFAULT_RECIPE, load_recipe
from smarthall.edge.tags import TagValue
from smarthall.inspect_commands import evaluate
from smarthall.lesson_commands import simulated_ground_truth
from smarthall.lessons.checks import Verdict, compare, evaluation
from smarthall.lessons.checks.types.alarm import AlarmIs
from smarthall.lessons.checks.types.all_of import AllOf
from smarthall.lessons.checks.types.changed import TagChanged
from smarthall.lessons.checks.types.choice import ChoiceAnswer
from smarthall.lessons.checks.types.config import ConfigCheck, ConfigExpect, config_missing
from smarthall.lessons.checks.types.increased import CounterIncreased
from smarthall.lessons.checks.types.number import NumberAnswer
from smarthall.lessons.checks.types.quality import QualityCondition
from smarthall.lessons.checks.types.reading import ReadingMatches
from smarthall.lessons.checks.types.recipe import RecipeCheck
from smarthall.lessons.checks.types.tag import TagCondition
from smarthall.lessons.recipe_check import Grade, grade


def tv(tag: str, value, t: float, quality: Quality = Quality.GOOD) -> TagValue:
    return TagValue(tag, value if quality is Quality.GOOD else None, quality, t)


def test_tag_condition_passes_once_it_holds_for_hold_s():
    ev = evaluation(TagCondition("conveyor.speed_actual", ">=", 290, hold_s=1.0, timeout_s=10), started=100)
    ev.observe(tv("conveyor.speed_actual", 0, 100))
    assert ev.status(100.5).verdict is Verdict.WAITING and not ev.status(100.5).satisfied
    ev.observe(tv("conveyor.speed_actual", 295, 101))
    assert ev.status(101.5).satisfied and ev.status(101.5).verdict is Verdict.WAITING
    assert ev.status(102.0).verdict is Verdict.PASSED


def test_a_dip_restarts_the_hold_time():
    ev = evaluation(TagCondition("t.x", ">", 5, hold_s=2, timeout_s=60), started=0)
    ev.observe(tv("t.x", 6, 1))
    ev.observe(tv("t.x", 4, 2))
    ev.observe(tv("t.x", 7, 3))
    assert ev.status(4.5).verdict is Verdict.WAITING
    assert ev.status(5).verdict is Verdict.PASSED


def test_a_timed_out_check_keeps_checking_and_passes_late():
    ev = evaluation(TagCondition("t.x", "==", True, timeout_s=5), started=0)
    ev.observe(tv("t.x", False, 0))
    assert ev.status(4.9).verdict is Verdict.WAITING
    assert ev.status(5).verdict is Verdict.OVERDUE
    ev.observe(tv("t.x", True, 6))
    status = ev.status(6)
    assert status.verdict is Verdict.PASSED and status.late


def test_a_check_passed_in_time_is_not_late():
    ev = evaluation(TagCondition("t.x", "==", True, hold_s=2, timeout_s=5), started=0)
    ev.observe(tv("t.x", True, 2.5))
    assert ev.status(4).verdict is Verdict.WAITING
    status = ev.status(7)  # asked after the timeout, but it held from 2.5 to 4.5
    assert status.verdict is Verdict.PASSED and not status.late


def test_a_condition_check_does_not_latch():
    ev = evaluation(TagCondition("t.x", "==", 1, timeout_s=5), started=0)
    ev.observe(tv("t.x", 1, 1))
    assert ev.status(1).verdict is Verdict.PASSED
    ev.observe(tv("t.x", 0, 2))
    assert ev.status(3).verdict is Verdict.WAITING


def test_bad_quality_never_satisfies_a_value_condition():
    ev = evaluation(TagCondition("t.x", "!=", 3), started=0)
    ev.observe(tv("t.x", None, 1, Quality.BAD))
    assert not ev.status(1).satisfied


def test_older_values_are_ignored():
    ev = evaluation(TagCondition("t.x", "==", 1), started=0)
    ev.observe(tv("t.x", 0, 5))
    ev.observe(tv("t.x", 1, 4))  # a late delivery of an older value
    assert not ev.status(5).satisfied


def test_values_of_other_tags_are_ignored():
    ev = evaluation(TagCondition("t.x", "==", 1), started=0)
    ev.observe(tv("t.y", 1, 1))
    assert ev.status(1).verdict is Verdict.WAITING


@pytest.mark.parametrize(("op", "seen", "wanted", "result"), [
    ("==", 0.1 + 0.2, 0.3, True), ("!=", 220.50001, 220.5, False), ("<", 1, 2, True), ("<=", 2, 2, True),
    (">", 2, 2, False), (">=", 3, 2, True), ("==", True, True, True), ("!=", False, True, True),
])
def test_operators(op, seen, wanted, result):
    assert compare(op, seen, wanted) is result


def test_quality_condition_waits_for_good():
    ev = evaluation(QualityCondition("p.t", "good", hold_s=1, timeout_s=30), started=0)
    ev.observe(tv("p.t", None, 0.1, Quality.BAD))
    assert not ev.status(1).satisfied
    ev.observe(tv("p.t", 40.0, 2))
    assert ev.status(3).verdict is Verdict.PASSED


def test_changed_compares_with_the_first_good_value():
    ev = evaluation(TagChanged("t.x"), started=0)
    ev.observe(tv("t.x", 5, 0))
    ev.observe(tv("t.x", 5, 1))
    assert not ev.status(1).satisfied
    ev.observe(tv("t.x", 6, 2))
    assert ev.status(2).verdict is Verdict.PASSED


def test_counter_increase_counts_from_the_lowest_value_so_a_reset_restarts_it():
    ev = evaluation(CounterIncreased("c.n", by=3), started=0)
    for t, n in enumerate((10, 11, 0, 1, 2)):
        ev.observe(tv("c.n", n, t))
    assert ev.status(5).verdict is Verdict.WAITING
    ev.observe(tv("c.n", 3, 6))
    assert ev.status(6).verdict is Verdict.PASSED


def test_alarm_states():
    active = evaluation(AlarmIs("a", "active"), 0)
    acked = evaluation(AlarmIs("a", "acknowledged"), 0)
    for ev in (active, acked):
        ev.observe_alarm("a", "active-unacknowledged")
    assert active.status(1).verdict is Verdict.PASSED
    assert acked.status(1).verdict is Verdict.WAITING
    acked.observe_alarm("a", "active-acknowledged")
    assert acked.status(2).verdict is Verdict.PASSED
    normal = evaluation(AlarmIs("a", "normal"), 0)
    normal.observe_alarm("a", "returned-unacknowledged")
    assert not normal.status(1).satisfied


@pytest.mark.parametrize(("states", "passed"), [
    (("active-unacknowledged", "active-acknowledged", "normal"), True),  # acknowledged, then the condition cleared
    (("active-unacknowledged", "returned-unacknowledged", "normal"), True),  # cleared first, acknowledged after
    (("active-unacknowledged", "shelved"), False),  # shelving is not acknowledging
    (("normal",), False),
])
def test_acknowledged_holds_after_the_condition_clears(states, passed):
    acked = evaluation(AlarmIs("a", "acknowledged"), 0)
    for state in states:
        acked.observe_alarm("a", state)
    assert (acked.status(1).verdict is Verdict.PASSED) is passed


def test_choice_and_number_answers():
    choice = evaluation(ChoiceAnswer((Text("a", "a"), Text("b", "b")), 1), 0)
    assert choice.status(0).detail.en == "no answer yet"
    assert choice.answer(0) is False and choice.status(1).verdict is Verdict.WAITING
    assert choice.answer(1) is True and choice.status(2).verdict is Verdict.PASSED
    choice.answer(0)
    assert choice.status(3).verdict is Verdict.PASSED  # a right answer is kept
    number = evaluation(NumberAnswer(68.4, 0.05), 0)
    assert number.answer(68.5) is False
    assert number.answer(68.43) is True


def test_reading_matches_the_live_value_within_tolerance():
    ev = evaluation(ReadingMatches("ambient.temperature", 0.5), 0)
    assert ev.answer(21.0) is None  # nothing read yet
    ev.observe(tv("ambient.temperature", 22.0, 1))
    assert ev.status(1).verdict is Verdict.WAITING  # the early answer was judged when the value came: wrong
    assert ev.answer(21.7) is True


def test_all_of_needs_every_part():
    ev = evaluation(AllOf((TagCondition("t.a", "==", 1), TagCondition("t.b", "==", 2, hold_s=1))), 0)
    assert ev.tags == {"t.a", "t.b"}
    ev.observe(tv("t.a", 1, 0))
    assert ev.status(0).verdict is Verdict.WAITING
    ev.observe(tv("t.b", 2, 1))
    assert ev.status(2).verdict is Verdict.PASSED


def test_config_check_reports_what_is_missing():
    line = load_line()
    expects = (ConfigExpect(group="slow", rate_ms=5000), ConfigExpect(tag="ambient.humidity", deadband=0.5),
               ConfigExpect(alarm="conveyor.fault", kind="discrete"), ConfigExpect(tag="ambient.*", group="field"))
    assert [m.en for m in config_missing(line, expects)] == ["no scan group 'slow'"]
    ev = evaluation(ConfigCheck("line.toml", expects[1:]), 0)
    assert ev.status(0).detail.en == "not loaded yet"
    ev.loaded(line)
    assert ev.status(1).verdict is Verdict.PASSED
    broken = evaluation(ConfigCheck("line.toml", expects), 0)
    broken.loaded("line.toml: not valid TOML")
    assert broken.status(1).detail.en == "line.toml: not valid TOML"


def test_a_grade_counts_rejects_and_agreement():
    g = Grade(parts=200, defective=40, false_pass=3, false_fail=7)
    assert (g.rejected, g.agreement) == (44, 0.95)
    assert str(g) == "200 parts: rejected 44, defective 40, agreement 95.0%, false pass 3, false fail 7"


def test_recipe_check_wants_agreement_and_the_limits_it_sets():
    ev = evaluation(RecipeCheck("recipe.toml", 0.99, max_false_pass=0), 0)
    assert ev.takes_file and ev.status(0).detail.en == "not loaded yet"
    ev.loaded(Grade(200, 40, false_pass=1, false_fail=0))  # 99.5% agree, but a bad part passed
    status = ev.status(1)
    assert status.verdict is Verdict.WAITING and not status.satisfied
    assert status.detail.en == ("200 parts: rejected 39, defective 40, agreement 99.5%, false pass 1, false fail 0"
                             " (want agreement >= 99.0%, false pass <= 0)")
    ev.loaded(Grade(200, 40, false_pass=0, false_fail=3))  # 98.5%
    assert not ev.status(2).satisfied
    ev.loaded(Grade(200, 40, false_pass=0, false_fail=2))  # exactly 99%
    assert ev.status(3).verdict is Verdict.PASSED


def test_recipe_check_shows_why_a_recipe_does_not_load():
    ev = evaluation(RecipeCheck("recipe.toml", 0.99, max_false_fail=0), 0)
    ev.loaded("recipe.toml: [part]: key 'colors': expected only red, black, silver, got 'blue'")
    assert ev.status(1).detail.en == "recipe.toml: [part]: key 'colors': expected only red, black, silver, got 'blue'"
    assert not ev.status(1).satisfied


def test_grade_is_what_inspect_evaluate_shows_the_trainee(tmp_path):
    check = RecipeCheck("recipe.toml", 0.99, parts=30, seed=7, defect_rate=0.5)
    path = tmp_path / "recipe.toml"
    path.write_text(DEFAULT_RECIPE.read_text(encoding="utf-8").replace('"black", "silver"]', '"black"]'),
                    encoding="utf-8")
    graded = grade(path, check, simulated_ground_truth)
    report = evaluate(30, "normal", load_recipe(path), seed=7, defect_rate=0.5)
    assert (graded.parts, graded.false_pass, graded.false_fail) == (30, report.false_pass, report.false_fail)
    assert graded.agreement == report.verdict_ok / 30
    assert graded.false_fail > 0 and graded.false_pass == 0  # every good silver part is failed
    assert 0 < graded.defective < 30
    assert grade(DEFAULT_RECIPE, check, simulated_ground_truth) == Grade(30, graded.defective, 0, 0)  # the same parts, decided right


def test_grade_of_a_recipe_that_does_not_load_names_file_and_key(tmp_path):
    path = tmp_path / "recipe.toml"
    path.write_text('[recipe]\nname = "x"\n[part]\ndiameter_tol_mm = "two"\n', encoding="utf-8")
    check = RecipeCheck("recipe.toml", 0.99)
    assert grade(path, check, simulated_ground_truth) == f"{path}: [part]: key 'diameter_tol_mm': expected int or float, got 'two'"
    assert grade(tmp_path / "gone.toml", check, simulated_ground_truth) == f"{tmp_path / 'gone.toml'}: no such file"
