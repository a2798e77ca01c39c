"""The pytest plugin's tag conditions: when a wait is met, and what a failed wait tells the test's author."""

from __future__ import annotations

from smarthall.devices.quality import Quality
from smarthall.edge.tags import TagValue
from smarthall.testing.conditions import TagCondition, describe


def good(tag: str, value, ts: float = 0.0) -> TagValue:
    return TagValue(tag, value, Quality.GOOD, ts)


def test_a_callable_gets_the_values_in_the_order_of_the_tags():
    wait = TagCondition(["conveyor.parts_in", "conveyor.parts_good"], lambda seen, good: seen == good + 1)
    assert not wait.offer({"conveyor.parts_in": good("conveyor.parts_in", 3),
                           "conveyor.parts_good": good("conveyor.parts_good", 3)})
    assert wait.offer({"conveyor.parts_in": good("conveyor.parts_in", 4),
                       "conveyor.parts_good": good("conveyor.parts_good", 3)})


def test_a_value_is_compared_and_a_bad_value_never_meets_it():
    wait = TagCondition(["conveyor.estop_ok"], True)
    assert not wait.offer({})
    assert not wait.offer({"conveyor.estop_ok": TagValue("conveyor.estop_ok", None, Quality.BAD, 0, "timeout")})
    assert wait.offer({"conveyor.estop_ok": good("conveyor.estop_ok", True)})


def test_waiting_for_a_quality_takes_any_value():
    wait = TagCondition(["ambient.temperature"], None, Quality.BAD)
    assert not wait.offer({"ambient.temperature": good("ambient.temperature", 21.5)})
    assert wait.offer({"ambient.temperature": TagValue("ambient.temperature", None, Quality.BAD, 1, "timeout")})


def test_a_failed_wait_shows_each_tags_changes_oldest_first_with_quality_and_reason():
    wait = TagCondition(["conveyor.parts_good", "feeder.magazine_count"], lambda good, left: good >= 3)
    for n in (0, 1, 1, 2):
        wait.offer({"conveyor.parts_good": good("conveyor.parts_good", n)})
    wait.offer({"conveyor.parts_good": TagValue("conveyor.parts_good", None, Quality.BAD, 5, "timeout")})
    message = wait.failure(2.5)
    assert message.splitlines()[0] == ("conveyor.parts_good, feeder.magazine_count: quality good and "
                                       "lambda good, left: good >= 3 not met within 2.5 s; last values (oldest first):")
    assert "conveyor.parts_good    0, 1, 2, BAD  [bad (timeout)]" in message
    assert "feeder.magazine_count  no value yet" in message


def test_a_condition_is_described_as_the_test_wrote_it():
    def at_least_three(n):
        return n >= 3

    assert describe(lambda n: n in (1, 2)) == "lambda n: n in (1, 2)"
    assert describe(at_least_three).endswith("at_least_three")
    assert describe(7) == "== 7"
