"""One meaning for a check: a status depends on what was observed and when, never on when it was asked.

The live console feeds an evaluation value by value and asks for its status
between them; check-all judges a replay of everything observed (`judge`). The
property test drives random observation sequences through both and finds no
disagreement; the regression tests are the false greens instructors met in class.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.edge.config import load_line
from smarthall.edge.tags import TagValue
from smarthall.lessons.checks import AlarmSeen, Queried, Verdict, evaluation, judge
from smarthall.lessons.checks.types.alarm import AlarmIs
from smarthall.lessons.checks.types.all_of import AllOf
from smarthall.lessons.checks.types.changed import TagChanged
from smarthall.lessons.checks.types.choice import ChoiceAnswer
from smarthall.lessons.checks.types.history import STATS, HistoryCondition
from smarthall.lessons.checks.types.increased import CounterIncreased
from smarthall.lessons.checks.types.quality import QualityCondition
from smarthall.lessons.checks.types.sequence import InOrder
from smarthall.lessons.checks.types.tag import TagCondition
from smarthall.lessons.loader import CATALOGUE, load_catalogue


def tv(tag: str, value, t: float, quality: Quality = Quality.GOOD) -> TagValue:
    return TagValue(tag, value if quality is Quality.GOOD else None, quality, t)


def polled(ev, observations, every: float = 0.05):
    """Feed tag values as the live runner does, asking for the status every `every` s in between."""
    statuses = []
    now = ev.started
    for value in observations:
        while now + every < value.timestamp:
            now += every
            statuses.append(ev.status(now))
        ev.observe(value)
    return statuses


# --- the false greens met in class -------------------------------------------------------------

def test_all_needs_its_parts_to_hold_at_the_same_moment():
    check = AllOf((TagCondition("t.a", "==", 1, hold_s=1), TagCondition("t.b", "==", 1, hold_s=1)))
    ev = evaluation(check, 0)
    seen = [tv("t.a", 1, 0), tv("t.b", 0, 0), tv("t.a", 0, 2), tv("t.b", 1, 2)]  # a held 0..2, then b held 2..
    polled(ev, seen)
    assert ev.status(5).verdict is Verdict.WAITING  # each part passed once, never both together
    ev.observe(tv("t.a", 1, 5))
    assert ev.status(5.5).verdict is Verdict.WAITING
    assert ev.status(6).verdict is Verdict.PASSED


def test_park_a_part_under_the_camera_is_not_green_while_the_belt_runs():
    step = load_catalogue(CATALOGUE, load_line()).lesson("vision-inspection").step("park-part")
    ev = evaluation(step.check, 0)
    seen = [tv("conveyor.motor_running", False, 0), tv("conveyor.part_at_camera", 0, 0),
            tv("conveyor.motor_running", True, 2),  # the belt started after the motor_running part held 1 s
            tv("conveyor.part_at_camera", 4, 5), tv("conveyor.part_at_camera", 0, 8)]  # a part passed by
    polled(ev, seen)
    status = ev.status(8)
    assert status.verdict is Verdict.WAITING
    assert "conveyor.motor_running = True" in status.detail.en  # the status line shows what the table shows


def test_a_recovery_step_is_not_green_while_the_line_is_still_jammed():
    check = AllOf((TagCondition("c.fault", "==", False, hold_s=1), TagCondition("c.motor_running", "==", True, hold_s=1)))
    ev = evaluation(check, 0)
    seen = [tv("c.fault", False, 0), tv("c.motor_running", False, 0), tv("c.fault", True, 1.5),  # jams again
            tv("c.motor_running", True, 2)]
    polled(ev, seen)
    assert ev.status(10).verdict is Verdict.WAITING


def test_a_timed_out_step_turns_green_when_the_line_is_right_and_says_it_was_late():
    ev = evaluation(TagCondition("t.x", ">=", 290, hold_s=1, timeout_s=5), 0)
    polled(ev, [tv("t.x", 0, 0), tv("t.x", 300, 9)])
    assert ev.status(9.5).verdict is Verdict.OVERDUE
    status = ev.status(10)
    assert status.verdict is Verdict.PASSED and status.late


def test_a_choice_is_echoed_with_the_number_the_trainee_typed():
    ev = evaluation(ChoiceAnswer((Text("a", "a"), Text("b", "b"), Text("c", "c")), 1), 0)
    ev.answer(1)  # the console passes choice 2 as index 1
    assert ev.status(1).detail.en == "choice 2: right"
    ev = evaluation(ChoiceAnswer((Text("a", "a"), Text("b", "b"), Text("c", "c")), 1), 0)
    ev.answer(2)
    assert ev.status(1).detail.en == "choice 3: wrong (1 wrong so far)"


# --- order --------------------------------------------------------------------------------------

def test_a_sequence_counts_the_next_hold_from_when_the_part_before_passed():
    check = InOrder((TagCondition("t.a", "==", 1), TagCondition("t.b", "==", 1, hold_s=2)))
    ev = evaluation(check, 0)
    polled(ev, [tv("t.b", 1, 0), tv("t.a", 0, 0), tv("t.a", 1, 3)])  # b held long before a
    assert ev.status(4).verdict is Verdict.WAITING and ev.status(4).detail.en.startswith("2/2: t.b = 1")
    assert ev.status(5).verdict is Verdict.PASSED


def test_a_sequence_judges_a_change_from_the_moment_it_begins():
    check = InOrder((TagCondition("t.a", "==", 1), TagChanged("t.b")))
    ev = evaluation(check, 0)
    polled(ev, [tv("t.a", 0, 0), tv("t.b", 1, 0), tv("t.b", 2, 1), tv("t.a", 1, 2)])  # b changed before a
    assert ev.status(3).verdict is Verdict.WAITING
    ev.observe(tv("t.b", 3, 4))
    assert ev.status(4).verdict is Verdict.PASSED


# --- the property: the live runner and check-all never disagree -------------------------------

TAGS = ("t.a", "t.b")


def conditions():
    tag = st.sampled_from(TAGS)
    hold = st.sampled_from((0.0, 0.5, 1.0, 2.0))
    timeout = st.sampled_from((1.0, 3.0, 30.0))
    return st.one_of(
        st.builds(TagCondition, tag, st.sampled_from(("==", "!=", ">", "<=")), st.integers(0, 3), hold, timeout),
        st.builds(QualityCondition, tag, st.sampled_from(("good", "bad")), hold, timeout),
        st.builds(TagChanged, tag, timeout),
        st.builds(CounterIncreased, tag, st.integers(1, 3).map(float), timeout),
        st.builds(AlarmIs, st.just("a"), st.sampled_from(("active", "acknowledged", "normal")), timeout),
        st.builds(HistoryCondition, tag, st.sampled_from(tuple(STATS)), st.sampled_from((1.0, 2.0)),
                  st.sampled_from(("<=", ">")), st.integers(0, 3).map(float), hold, timeout),
    )


def checks():
    return st.recursive(conditions(), lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: InOrder(tuple(c)))), max_leaves=5)


@st.composite
def observations(draw):
    seen, t = [], 0.0
    for _ in range(draw(st.integers(0, 25))):
        t += draw(st.sampled_from((0.0, 0.1, 0.3, 0.7, 1.5)))
        if draw(st.integers(0, 5)) == 0:  # the historian's rows so far, as the runner asks for them each second
            seen.append(Queried(tuple(v for v in seen if isinstance(v, TagValue)), t))
        elif draw(st.integers(0, 4)) == 0:
            seen.append(AlarmSeen("a", draw(st.sampled_from(("normal", "active-unacknowledged", "active-acknowledged",
                                                              "returned-unacknowledged"))), t))
        elif draw(st.booleans()):
            seen.append(tv(draw(st.sampled_from(TAGS)), draw(st.integers(0, 3)), t))
        else:
            seen.append(tv(draw(st.sampled_from(TAGS)), None, t, Quality.BAD))
    return seen


def at(seen) -> float:
    return seen.timestamp if isinstance(seen, TagValue) else seen.at  # an alarm state or the historian's answer


@settings(max_examples=200, deadline=None)
@given(checks(), observations(), st.sampled_from((0.05, 0.2, 1.0)))
def test_the_live_runner_and_check_all_agree_on_every_observation_sequence(check, seen, every):
    live = evaluation(check, 0.0)  # fed as the runner feeds it, asked between observations
    seen = [s for s in seen if not isinstance(s, Queried) or live.queries]  # the historian only for who asks it
    fed, end = 0, (at(seen[-1]) if seen else 0.0) + 3.0
    for tick in range(int(end / every) + 1):
        now = tick * every
        while fed < len(seen) and at(seen[fed]) <= now:
            live.feed(seen[fed])
            fed += 1
        assert live.status(now) == judge(check, 0.0, seen[:fed], now)
