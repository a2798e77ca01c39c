"""The check-type registry (one module per type) and the types that compute their answer: `computed` and `history`."""

from __future__ import annotations

import pkgutil

import pytest

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.edge.config import load_line
from smarthall.edge.tags import TagValue
from smarthall.lessons.checks import CHECK_TYPES, Queried, Verdict, evaluation, judge, types
from smarthall.lessons.checks.types.computed import ComputedAnswer, ExpressionError, compile_expression
from smarthall.lessons.checks.types.history import HistoryCondition, statistic
from smarthall.lessons.model import Step
from smarthall.lessons.runner import StepRun
from smarthall.lessons.schema import STEP_KINDS
from tests.unit.test_lesson_format import GOOD, problems_of


def tv(tag: str, value, t: float, quality: Quality = Quality.GOOD) -> TagValue:
    return TagValue(tag, value if quality is Quality.GOOD else None, quality, t)


def test_every_check_type_module_registers_one_type_of_its_name():
    modules = sorted(m.name for m in pkgutil.iter_modules(types.__path__))
    assert sorted(t.evaluation.__module__.rsplit(".", 1)[1] for t in CHECK_TYPES.values()) == modules
    for name, check_type in CHECK_TYPES.items():
        assert check_type.entry.keys[0].name == "type" and check_type.entry.keys[0].type == f'"{name}"'
        assert check_type.step_kinds and set(check_type.step_kinds) <= set(STEP_KINDS), name
        assert check_type.entry.proves, f"{name}: the reference says what check-all proves of it"


# --- computed ---------------------------------------------------------------------------------

WH_PER_PART = "(energy.conveyor.energy_kwh - start(energy.conveyor.energy_kwh)) * 1000 / (conveyor.parts_good - start(conveyor.parts_good))"


def test_a_computed_answer_is_judged_against_the_line_when_the_trainee_answers():
    ev = evaluation(ComputedAnswer(WH_PER_PART, tolerance=0.5, unit="Wh"), 0)
    assert ev.tags == ev.secret == {"energy.conveyor.energy_kwh", "conveyor.parts_good"}
    ev.observe(tv("energy.conveyor.energy_kwh", 1.000, 0))
    ev.observe(tv("conveyor.parts_good", 10, 0))
    assert ev.right_answer() is None  # no part made yet: nothing to divide by
    ev.observe(tv("energy.conveyor.energy_kwh", 1.012, 5))
    ev.observe(tv("conveyor.parts_good", 13, 5))
    assert ev.right_answer() == pytest.approx(4.0)
    assert ev.answer(12) is False  # the whole energy, not per part
    assert ev.answer(4.2) is True
    status = ev.status(6)
    assert status.verdict is Verdict.PASSED and status.detail.en == "answer 4.2 Wh: right"
    assert status.detail.ko == "답 4.2 Wh: 정답"


def test_an_answer_given_before_it_can_be_computed_is_judged_when_the_line_gives_values():
    ev = evaluation(ComputedAnswer("conveyor.parts_good - start(conveyor.parts_good)", tolerance=0), 0)
    ev.observe(tv("conveyor.parts_good", 10, 0))
    assert ev.answer(3) is False  # 0 made so far
    ev.observe(tv("conveyor.parts_good", 13, 4))
    assert ev.answer(3) is True
    assert judge(ev.check, 0, [tv("conveyor.parts_good", 10, 0)], 1).verdict is Verdict.WAITING


@pytest.mark.parametrize(("expr", "message"), [
    ("__import__('os').system('x')", "is not allowed"), ("conveyor.parts_good ** 2", "is not allowed"),
    ("open(conveyor.parts_good)", "unknown function 'open'"), ("1 +", "not an expression"),
])
def test_an_expression_runs_no_code(expr, message):
    with pytest.raises(ExpressionError, match=message):
        compile_expression(expr)


@pytest.mark.parametrize(("expr", "message"), [
    ("conveyor.parts_goood - start(conveyor.parts_good)", "steps[0].check.expr: unknown tag 'conveyor.parts_goood'"),
    ("2 * 3", "steps[0].check.expr: names no tag"),
    ("conveyor.parts_good ** 2", "steps[0].check.expr: 'conveyor.parts_good ** 2' is not allowed"),
])
def test_a_bad_expression_is_one_problem_naming_the_key(tmp_path, expr, message):
    lesson = GOOD.replace('type = "tag"\ntag = "conveyor.motor_running"\nop = "=="\nvalue = true',
                          f'type = "computed"\nexpr = "{expr}"\ntolerance = 0.5').replace(
        'action = "write"\ntag = "conveyor.motor_run"\nvalue = true', 'action = "answer-live"')
    assert problems_of(tmp_path, lesson.replace(expr, "conveyor.parts_good - start(conveyor.parts_good)"),
                       load_line()) == []
    problems = problems_of(tmp_path, lesson, load_line())
    assert len(problems) == 1 and message in problems[0], problems


# --- history ----------------------------------------------------------------------------------
class HistoryLine:
    """A line whose historian holds `values`, stored the moment it is asked (what StepRun asks a history step's line
    for)."""

    def __init__(self, values) -> None:
        self.values = values
        self.asked: list[tuple] = []

    async def history(self, tags, since, until):
        self.asked.append((tuple(tags), until - since))
        return tuple(tv(tags[0], v, until) for v in self.values)


async def test_a_step_run_asks_the_historian_for_a_history_check(tmp_path):
    # it asked only after an alarm had been read: a history step on its own stopped with UnboundLocalError
    check = HistoryCondition("a.t", "max", window_s=30, op=">", value=0.2)
    line = HistoryLine([0.03, 0.31])
    run = StepRun(Step("s", "read-and-do", Text("", ""), Text("", ""), check=check), line, None, tmp_path)
    await run.restart_check()
    status = await run.status()
    assert line.asked == [(("a.t",), 30)]
    assert status.verdict is Verdict.PASSED and status.detail.en == "a.t max over the last 30 s = 0.31 (want > 0.2)"



def rows(tag: str, values, every: float, start: float = 0.0) -> tuple[TagValue, ...]:
    return tuple(tv(tag, v, start + i * every) for i, v in enumerate(values))


def test_statistics_of_stored_history():
    stored = rows("a.t", [20.0, 22.0, 24.0], every=2.0) + (tv("a.t", None, 6.0, Quality.BAD),)
    assert statistic("count", stored, 7.0) == 4
    assert statistic("avg", stored, 7.0) == 22.0  # of the good values
    assert (statistic("min", stored, 7.0), statistic("max", stored, 7.0)) == (20.0, 24.0)
    assert statistic("gap", stored, 11.0) == 5.0  # nothing stored since 6 s
    assert statistic("gap", (), 11.0) is None and statistic("avg", (), 11.0) is None


def test_a_history_check_holds_while_each_answer_of_the_historian_meets_it():
    check = HistoryCondition("a.t", "count", window_s=10, op=">=", value=5, hold_s=2, timeout_s=30)
    ev = evaluation(check, 0)
    assert ev.query.tag == "a.t" and ev.query.window_s == 10
    assert ev.status(0).detail.en == "a.t: history not read yet"
    seen = [Queried(rows("a.t", range(3), 1.0), 3), Queried(rows("a.t", range(6), 1.0), 6),
            Queried(rows("a.t", range(7), 1.0), 7), Queried(rows("a.t", range(8), 1.0), 8)]
    for q in seen:
        ev.feed(q)
    status = ev.status(8)
    assert status.verdict is Verdict.PASSED and status.detail.en == "a.t count over the last 10 s = 8 (want >= 5)"
    assert status.detail.ko == "a.t 최근 10초 개수 = 8 (목표 >= 5)"
    assert judge(check, 0, seen[:2], 7).verdict is Verdict.WAITING  # held 6..7 only
    ev.feed(Queried("no historian", 9))
    assert ev.status(9).verdict is Verdict.WAITING and "no historian" in ev.status(9).detail.en


def test_a_history_window_never_reaches_back_before_the_step():
    # the line peaked at 3.0 before the step started (at 100): the window reached back and passed the step at once
    check = HistoryCondition("a.t", "max", window_s=30, op=">", value=2.2)
    before = rows("a.t", [3.0, 1.0], every=5.0, start=80)
    assert judge(check, 100, [Queried(before, 101)], 101).verdict is Verdict.WAITING
    assert judge(check, 100, [Queried(before + rows("a.t", [2.5], 1.0, start=102), 103)], 103).verdict \
        is Verdict.PASSED  # something that happened in the step counts at once
    assert judge(HistoryCondition("a.t", "max", 30, ">", 2.2, reach_back=True), 100, [Queried(before, 101)],
                 101).verdict is Verdict.PASSED  # unless the lesson says so


def test_a_history_condition_a_short_window_could_meet_waits_for_the_whole_window_in_the_step():
    # "at most 1 sample in the last 10 s": nothing stored yet in a step 1 s old met it, before the fault had shown
    check = HistoryCondition("a.t", "count", window_s=10, op="<=", value=1, timeout_s=40)
    ev = evaluation(check, 100)
    ev.feed(Queried((), 101))
    status = ev.status(101)
    assert status.verdict is Verdict.WAITING and not status.satisfied
    assert status.detail.en == "a.t count over the last 10 s = 0 (want <= 1); judged once the window is full (in 9 s)"
    assert status.detail.ko == "a.t 최근 10초 개수 = 0 (목표 <= 1); 창이 다 차면 판정 (9초 후)"
    ev.feed(Queried(rows("a.t", [1, 2, 3], 1.0, start=102), 110))
    assert not ev.status(110).satisfied  # the whole window, within the step: 3 samples
    ev.feed(Queried(rows("a.t", [1, 2, 3], 1.0, start=102) + rows("a.t", [4], 1.0, start=112), 115))
    assert ev.status(115).verdict is Verdict.PASSED  # 105..115 holds one


def test_history_inside_all_and_sequence_is_judged_from_its_own_start():
    from smarthall.lessons.checks.types.all_of import AllOf
    from smarthall.lessons.checks.types.sequence import InOrder
    from smarthall.lessons.checks.types.tag import TagCondition

    running = TagCondition("a.run", "==", True)
    peak = HistoryCondition("a.t", "max", window_s=30, op=">", value=2.2)
    both = evaluation(AllOf((running, peak)), 100)
    assert both.queries == (evaluation(peak, 0).query,)
    both.feed(tv("a.run", True, 100.5))
    both.feed(Queried(rows("a.t", [3.0], 1.0, start=90), 101, both.queries[0]))  # from before the step: not it
    assert both.status(101).verdict is Verdict.WAITING
    both.feed(Queried(rows("a.t", [3.0], 1.0, start=101.5), 102, both.queries[0]))
    assert both.status(102).verdict is Verdict.PASSED
    # after the belt ran, the peak: a peak while it stood still does not count
    then = evaluation(InOrder((running, peak)), 100)
    then.feed(Queried(rows("a.t", [3.0], 1.0, start=100.2), 100.5, then.queries[0]))
    then.feed(tv("a.run", True, 101))
    then.feed(Queried(rows("a.t", [3.0], 1.0, start=100.2), 102, then.queries[0]))
    assert then.status(102).verdict is Verdict.WAITING
    then.feed(Queried(rows("a.t", [3.0, 2.5], 2.0, start=100.2), 103, then.queries[0]))
    assert then.status(103).verdict is Verdict.PASSED
