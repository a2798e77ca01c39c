"""Alarms loaded into a running agent (`load_alarms`, `smarthall alarms load FILE`): raised on the line from then on,
loaded by instructors and engineers only, audited, a malformed table refused in one line naming the file and key.

The agent runs in this process on a conveyor over a memory driver (the layer under test is above the drivers), with
a users file of its own; the CLI runs as a real process, a client of it.
"""

from __future__ import annotations

import asyncio

import pytest

from smarthall.devices.memory import MemoryDriver
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.errors import AlarmsRefused, Forbidden
from smarthall.edge.service import Service
from smarthall.edge.users import hash_password
from smarthall.lessons.loader import load_lesson
from smarthall.lessons.progress import Progress
from smarthall.lessons.runner import StepRun
from smarthall.lessons.team_run import TeamRun
from tests.commands import smarthall
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

LINE = """
[line]
name = "belt"
ko = "벨트 라인"
en = "belt line"

[historian]
path = "history.db"

[northbound]
enabled = false

[users]
file = "users.toml"

[[connections]]
name = "conveyor"
profile = "conveyor"
host = "127.0.0.1"
port = 1

[[scan_groups]]
name = "fast"
rate_ms = 50
tags = ["*"]

[[alarms]]
id = "conveyor.fault"
tag = "conveyor.fault"
kind = "discrete"
value = true
ko = "컨베이어 고장"
en = "conveyor fault"
"""
USERS = """
[anonymous]
role = "none"
[local]
role = "instructor"
[teams.team1]
stations = ["conveyor"]
[[users]]
name = "eng"
role = "engineer"
password = "{eng}"
[[users]]
name = "kim"
role = "trainee"
team = "team1"
password = "{kim}"
"""
SPEED_HI = """
[[alarms]]
id = "conveyor.speed.hi"
tag = "conveyor.speed_actual"
kind = "hi"
limit = 400
deadband = 10
priority = "high"
ko = "벨트 속도 높음"
en = "belt speed high"
"""


@pytest.fixture
async def belt(tmp_path):
    """(the agent, its service, the memory driver) on the belt line, its history and users in tmp_path."""
    (tmp_path / "line.toml").write_text(LINE, encoding="utf-8")
    (tmp_path / "users.toml").write_text(USERS.format(eng=hash_password("eng"), kim=hash_password("kim")),
                                         encoding="utf-8")
    config = load_line(tmp_path / "line.toml")
    driver = MemoryDriver({"conveyor.speed_actual": 200, "conveyor.fault": False})
    async with EdgeAgent(config, tmp_path / "history.db", drivers=lambda c: driver) as agent, \
            Service(agent, config.users) as service:
        yield agent, service, driver


def audited(agent: EdgeAgent) -> list[tuple[str, str, str]]:
    return [(e.user, e.tag, e.result) for e in agent.write_log.entries()]


async def state(client, alarm_id: str) -> str | None:
    return next((str(a.state) for a in await client.alarms() if a.alarm_id == alarm_id), None)


async def test_an_engineer_loads_an_alarm_the_line_then_raises_and_a_trainee_is_refused_in_ko_and_en(belt):
    agent, service, driver = belt
    async with service.session("kim", "kim") as kim:
        with pytest.raises(Forbidden) as refused:
            await kim.load_alarms(SPEED_HI, "line.toml")
    assert refused.value.en == "alarms line.toml: kim is a trainee: the line's configuration is handled by the instructor"
    assert refused.value.ko == "alarms line.toml: kim님은 교육생입니다: 라인 설정은 강사가 다룹니다"
    async with service.session("eng", "eng") as eng:
        assert await state(eng, "conveyor.speed.hi") is None
        assert await eng.load_alarms(LINE + SPEED_HI, "line.toml") == ["conveyor.speed.hi"]  # the line's own: kept
        assert await state(eng, "conveyor.speed.hi") == "normal"
        driver.values["conveyor.speed_actual"] = 450
        assert await until(lambda: _is(eng, "conveyor.speed.hi", "active-unacknowledged"), timeout=30)
        assert await eng.load_alarms(SPEED_HI, "line.toml") == []  # already running as it is
    assert audited(agent) == [
        ("kim", "alarms line.toml", "refused: kim is a trainee: the line's configuration is handled by the instructor"),
        ("eng", "alarms line.toml", "ok"), ("eng", "alarms line.toml", "ok")]
    assert [e.new for e in agent.write_log.entries()][1:] == [["conveyor.speed.hi"], []]


async def _is(client, alarm_id: str, wanted: str) -> bool:
    return await state(client, alarm_id) == wanted


GOOD = SPEED_HI.replace("conveyor.speed.hi", "conveyor.speed.hihi")  # a good table before the bad one: not loaded


@pytest.mark.parametrize(("text", "en", "ko"), [
    (GOOD + SPEED_HI.replace("limit = 400", 'limit = "fast"'),
     "line.toml: alarms[1] 'conveyor.speed.hi': key 'limit': expected int or float, got 'fast'",
     "line.toml: alarms[1] 'conveyor.speed.hi': 키 'limit': 정수 또는 실수 값이어야 합니다, 받은 값 'fast'"),
    (GOOD + SPEED_HI.replace("conveyor.speed_actual", "conveyor.speed"),
     "line.toml: alarms[1] 'conveyor.speed.hi': key 'tag': unknown tag 'conveyor.speed'",
     "line.toml: alarms[1] 'conveyor.speed.hi': 키 'tag': 알 수 없는 태그 'conveyor.speed'"),
    (SPEED_HI + SPEED_HI.replace("speed_actual", "motor_current"),
     "line.toml: [[alarms]]: duplicate alarm id 'conveyor.speed.hi'",
     "line.toml: [[alarms]]: 알람 id 'conveyor.speed.hi'이(가) 두 번 나옵니다"),
    (GOOD + LINE.replace('ko = "컨베이어 고장"', 'ko = "벨트 고장"'),
     "alarm 'conveyor.fault' already runs with other settings: restart the edge agent to change it",
     "알람 'conveyor.fault'은(는) 이미 다른 설정으로 동작 중입니다"),
    ("[line]\nname = 'belt'\n", "line.toml: top level: expected [[alarms]] tables, found none",
     "line.toml: top level: [[alarms]] 표가 없습니다"),
    ("[[alarms]\n", "line.toml: not valid TOML", "line.toml: TOML 문법 오류"),
], ids=["wrong-type", "unknown-tag", "duplicate-id", "changed-running-alarm", "no-alarms", "not-toml"])
async def test_a_malformed_alarm_table_is_refused_naming_the_file_and_key_and_nothing_is_loaded(belt, text, en, ko):
    agent, service, _ = belt
    async with service.session("eng", "eng") as eng:
        with pytest.raises(AlarmsRefused) as refused:
            await eng.load_alarms(text, "line.toml")
        assert [a.alarm_id for a in await eng.alarms()] == ["conveyor.fault", "comm.conveyor"]
    assert en in refused.value.en and ko in refused.value.ko and "\n" not in refused.value.en + refused.value.ko
    [(user, target, result)] = audited(agent)
    assert (user, target) == ("eng", "alarms line.toml") and result == f"rejected: {refused.value.en}"


async def test_alarms_load_loads_a_file_through_the_running_agent_and_a_refusal_is_one_line(belt, tmp_path):
    agent, _, _ = belt
    work, bad = tmp_path / "work.toml", tmp_path / "bad.toml"
    work.write_text(LINE + SPEED_HI, encoding="utf-8")
    bad.write_text(SPEED_HI.replace('kind = "hi"', 'kind = "high"'), encoding="utf-8")
    where = ("--line", str(tmp_path / "line.toml"), "--db", str(tmp_path / "history.db"))
    code, out, err = await smarthall(tmp_path, "alarms", "load", str(work), *where, "--user", "kim", "--lang", "ko",
                                     SMARTHALL_PASSWORD="kim")
    assert (code, out) == (2, "") and err == f"smarthall: alarms {work}: kim님은 교육생입니다: 라인 설정은 강사가 다룹니다\n"
    code, out, err = await smarthall(tmp_path, "alarms", "load", str(work), *where)
    assert (code, err) == (0, "") and out == "loaded 1 alarm(s) into the running line: conveyor.speed.hi\n"
    code, out, err = await smarthall(tmp_path, "alarms", "load", str(work), *where, "--lang", "ko")
    assert (code, err) == (0, "") and out == f"{work}의 알람은 모두 이미 동작 중입니다: 추가한 것이 없습니다\n"
    code, out, err = await smarthall(tmp_path, "alarms", "load", str(bad), *where)
    assert (code, out) == (2, "") and err == (f"smarthall: {bad}: alarms[0] 'conveyor.speed.hi': key 'kind': expected"
                                              " one of hi, hihi, lo, lolo, discrete, got 'high'\n")
    code, out, err = await smarthall(tmp_path, "alarms", "load", str(tmp_path / "nope.toml"), *where)
    assert (code, out) == (2, "") and err.startswith(f"smarthall: {tmp_path / 'nope.toml'}: cannot read it (No such")
    assert err.count("\n") == 1
    assert [s.alarm_id for s in agent.alarms.states()] == ["conveyor.fault", "comm.conveyor", "conveyor.speed.hi"]


LESSON = """
id = "belt-alarm"
level = "basic"
duration_min = 10
stations = ["conveyor"]
title = { ko = "벨트 알람", en = "Belt alarm" }
objectives = [{ ko = "알람을 울린다", en = "Raise an alarm" }]

[[steps]]
id = "add"
kind = "config-task"
title = { ko = "알람 추가", en = "Add an alarm" }
instruction = { ko = "알람을 추가하세요.", en = "Add an alarm." }
files = { "line.toml" = "line.toml" }
check = { type = "config", file = "line.toml", expect = [{ alarm = "conveyor.speed.hi" }] }
[[steps.solution]]
action = "append"
file = "line.toml"
text = "[[alarms]]"

[[steps]]
id = "raise"
kind = "read-and-do"
title = { ko = "알람 울리기", en = "Raise it" }
instruction = { ko = "벨트를 빠르게 돌리세요.", en = "Run the belt fast." }
setup = [{ action = "load-alarms", step = "add", file = "line.toml", alarms = ["conveyor.speed.hi"] }]
check = { type = "alarm", alarm = "conveyor.speed.hi", state = "active" }
solution = [{ action = "write", tag = "conveyor.speed_setpoint", value = 450 }]
"""


async def test_a_step_whose_alarm_load_is_refused_shows_the_refusal_in_korean_and_english(belt, tmp_path):
    agent, service, _ = belt
    (tmp_path / "lesson").mkdir()
    (tmp_path / "lesson" / "lesson.toml").write_text(LESSON, encoding="utf-8")
    (tmp_path / "lesson" / "line.toml").write_text(LINE, encoding="utf-8")
    lesson = load_lesson(tmp_path / "lesson", agent.config)
    added = tmp_path / "work" / lesson.id / "add" / "line.toml"  # the trainee's edit: the line's own alarm changed
    added.parent.mkdir(parents=True)
    added.write_text(LINE.replace('en = "conveyor fault"', 'en = "belt fault"') + SPEED_HI, encoding="utf-8")
    async with service.session() as client:
        line = asyncio.get_running_loop().create_future()
        line.set_result(client)
        with Progress(tmp_path / "progress.db") as progress:
            run = TeamRun(lambda: line, None, progress, tmp_path / "work")
            run.open(lesson, 1)
            await run.run_step()
    assert run.state == "error"
    assert run.error.en == "alarm 'conveyor.fault' already runs with other settings: restart the edge agent to change it"
    assert run.error.ko == "알람 'conveyor.fault'은(는) 이미 다른 설정으로 동작 중입니다: 바꾸려면 엣지 에이전트를 다시 시작하세요"
    assert "conveyor.speed.hi" not in {state.alarm_id for state in agent.alarms.states()}


async def test_a_check_on_an_alarm_the_line_does_not_run_yet_says_unknown(belt, tmp_path):
    _, service, _ = belt
    (tmp_path / "lesson").mkdir()
    (tmp_path / "lesson" / "lesson.toml").write_text(LESSON, encoding="utf-8")
    (tmp_path / "lesson" / "line.toml").write_text(LINE, encoding="utf-8")
    raise_it = load_lesson(tmp_path / "lesson").step("raise")
    async with service.session() as client:
        run = StepRun(raise_it, client, None, tmp_path / "work" / "raise")
        await run.restart_check()  # its setup, which loads the alarm, not run
        status = await run.status()
    assert not status.satisfied and status.detail.en == "alarm conveyor.speed.hi: unknown (want active)"
