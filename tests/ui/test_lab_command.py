"""`smarthall lab`: a busy port is one clear line naming lab's option; `--line` runs the console on a real line
(a simulated line started on its own stands in for it); `smarthall lab report` prints CSV or Markdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import sqlite3

import pytest

from smarthall import lab_command
from smarthall.cli import main
from smarthall.edge.config import load_line
from smarthall.lab_command import catalogues, lab
from smarthall.lessons.console.health_table import HealthTable
from smarthall.lessons.console.lesson_list import LessonListScreen
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.console.step_view import StepScreen
from smarthall.lessons.console.tag_table import TagTable
from smarthall.lessons.errors import LessonError, LessonFormatError
from smarthall.lessons.loader import CATALOGUE
from smarthall.lessons.progress import Progress
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.unit.test_lesson_format import GOOD
from tests.waiting import until

from .line_file import line_file


def test_lab_report_csv_and_markdown(tmp_path, capsys):
    db = tmp_path / "progress.db"
    with Progress(db) as progress:
        progress.opened("team-1", "modbus-tcp", "addressing", at=1_700_000_000 - 95)
        progress.count("team-1", "modbus-tcp", "addressing", "attempts")
        progress.count("team-1", "modbus-tcp", "addressing", "wrong_answers")
        progress.count("team-1", "modbus-tcp", "addressing", "hints_taken")
        progress.complete("team-1", "modbus-tcp", "addressing", by="kim", at=1_700_000_000, late=True)
        progress.complete("team-1", "modbus-tcp", "addressing", by="lee", at=1_800_000_000)  # the first one counts
        progress.complete("park", "meet-the-line", "ack-estop", by="instructor", at=1_700_000_100, team="team2")
    assert main(["lab", "report", "--csv", "--progress", str(db)]) == 0
    steps, scores = capsys.readouterr().out.split("\n\n")
    lines = steps.splitlines()
    assert lines[0] == "team,trainee,lesson,step,completed,by,late,attempts,wrong answers,hints,time"
    assert [line.split(",")[:4] + line.split(",")[5:] for line in lines[1:]] == [
        ["", "team-1", "modbus-tcp", "addressing", "kim", "late", "1", "1", "1", "1:35"],
        ["team2", "park", "meet-the-line", "ack-estop", "instructor", "", "0", "0", "0", ""]]
    scores = scores.splitlines()
    assert scores[0] == "team,trainee,lesson,steps,passed,late,attempts,wrong answers,hints,time,score"
    steps_of = {lesson.id: len(lesson.steps) for lesson in load_shelf(CATALOGUE).catalogue.lessons}
    late_with_help = round(100 * (0.5 - 0.1 - 0.05) / steps_of["modbus-tcp"])  # late, one hint, one wrong answer
    assert scores[1] == f",team-1,modbus-tcp,{steps_of['modbus-tcp']},1,1,1,1,1,1:35,{late_with_help}"
    assert scores[2] == f"team2,park,meet-the-line,{steps_of['meet-the-line']},1,0,0,0,0,,{100 // steps_of['meet-the-line']}"
    assert main(["lab", "report", "--md", "--lang", "ko", "--team", "team2", "--progress", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "## 수업별 점수" and out[2].startswith("| 팀 | 교육생 | 수업 | 단계 | 통과 |")
    assert out[4].startswith("| team2 | park | meet-the-line |") and len(out) == 11
    assert out[6] == "## 단계별 기록" and out[10].startswith("| team2 | park | meet-the-line | ack-estop | ")


def test_an_older_progress_store_is_moved_into_the_new_one(tmp_path):
    db = tmp_path / "progress.db"
    with sqlite3.connect(db) as old:  # the first store: passes only, no late column yet
        old.execute("CREATE TABLE completions (trainee TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL,"
                    " completed_at REAL NOT NULL, by TEXT NOT NULL, PRIMARY KEY (trainee, lesson, step))")
        old.execute("INSERT INTO completions VALUES ('kim', 'modbus-tcp', 'addressing', 1700000000, 'kim')")
    old.close()
    with Progress(db) as progress:
        [record] = progress.records()
        assert (record.trainee, record.step, record.completed_at, record.late, record.seconds) == (
            "kim", "addressing", 1_700_000_000, False, None)  # no opening time was kept: no time per step
        assert progress.done("kim", "modbus-tcp") == {"addressing"}
    with Progress(db) as progress:  # opened again: moved once
        assert len(progress.records()) == 1


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ("smarthall: feeder (Modbus TCP): port {port} on 127.0.0.1 is already in use (is another `smarthall lab` or"
           " `smarthall sim` running?); choose another with `smarthall lab --feeder-port PORT` (0 picks a free port)")),
    ("ko", ("smarthall: feeder (Modbus TCP): 127.0.0.1의 포트 {port}을(를) 이미 사용 중입니다 (다른 `smarthall lab`이나"
           " `smarthall sim`이 실행 중인가요?); `smarthall lab --feeder-port PORT`로 다른 포트를 고르세요 (0이면 빈 포트)")),
])
def test_lab_on_a_busy_port_names_the_lab_option_in_one_line(tmp_path, capsys, monkeypatch, lang, expected):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with socket.socket() as busy:  # a free port made busy: never the simulator's default ones
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--lang", lang, "lab", "--exit-when-live", "--progress", str(tmp_path / "p.db"),
                     "--feeder-port", str(port), "--fieldbus-link", str(tmp_path / "bus"),
                     *(f"--{name}-port=0" for name in ("conveyor", "process", "control", "camera"))]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [expected.format(port=port)]


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--feeder-port", "x", "--feeder-port: expected a port 0..65535, got 'x'"),
    ("--time-scale", "500", "--time-scale: expected 0.1..100, got 500"),  # the README's `dev.py lab --time-scale 5`
])
def test_lab_has_the_simulated_line_options(tmp_path, capsys, option, value, said):
    with pytest.raises(SystemExit):
        main(["lab", option, value, "--progress", str(tmp_path / "p.db")])
    assert said in capsys.readouterr().err


def test_lab_with_an_unknown_lesson(tmp_path, capsys):
    assert main(["lab", "--lesson", "nope", "--progress", str(tmp_path / "p.db")]) == 2
    assert "no lesson 'nope'" in capsys.readouterr().err


@pytest.mark.timeout(300)  # the agent starts behind the console on a loaded machine
async def test_lab_on_a_real_line_shows_live_tags_and_gives_fault_drills_to_the_instructor(tmp_path):
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp_path / "bus"))
    async with SimulatedLine(options) as real:  # stands in for the hall's PLCs; its sim control is not used
        path = line_file(real, tmp_path)
        shelf = load_shelf(CATALOGUE, load_line(path))
        async with lab(shelf, path, tmp_path / "progress.db", "kim") as app, app.run_test(size=(80, 24)) as pilot:
            assert app.sim is None and app.line.config.name == "hall"
            await pilot.press("f")  # no fault panel on a real line
            assert isinstance(app.screen, LessonListScreen) and app.check_action("faults", ()) is False
            await pilot.press("v")
            health = app.screen.query_one(HealthTable)
            await until(lambda: all(row.connected and not row.error for row in health.rows), timeout=120)
            feeder = app.screen.query_one("#station-feeder", TagTable)
            await until(lambda: {n: v for n, v, _q in feeder.snapshot()}.get("feeder.magazine_count") == 50, timeout=60)
            await pilot.press("escape")
            app.open_lesson("alarms-troubleshooting")  # its first step: the feeder PLC goes offline
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StepScreen) and screen.step.kind == "fault-drill"
            await until(lambda: screen.state in ("waiting", "holding", "passed"))
            assert str(screen.query_one("#notes").render()) == (
                "Instructor: Bring the line to the lesson's start: clear every fault and release the E-stop; load 50"
                " parts into the magazine.\n"
                "Instructor: Unplug the feeder PLC's Ethernet cable; plug it back when the trainees have found it.")
            assert real.plant.active_faults == ()  # nothing was injected: the instructor does it by hand


@pytest.mark.timeout(300)
async def test_lab_serves_its_simulated_line_over_opc_ua_with_health_and_says_where(tmp_path):
    from asyncua import Client, ua

    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp_path / "bus"))  # not the default port set: a free northbound port
    shelf = load_shelf(CATALOGUE, load_line())
    async with lab(shelf, None, tmp_path / "progress.db", "kim", options=options, history=tmp_path / "h.db") as app, \
            app.run_test():
        async with asyncio.timeout(120):
            note = (await app.starting.started()).note  # the line starts behind the drawn console
        [url] = re.findall(r"opc\.tcp://127\.0\.0\.1:(\d+)", note)
        assert int(url) != 4850 and "sign in with a user name and password of the users file" in note
        async with Client(f"opc.tcp://127.0.0.1:{url}") as client:
            idx = await client.get_namespace_index("urn:smarthall:edge:sim")
            speed = client.get_node(ua.NodeId("conveyor.speed_setpoint", idx))
            await until(lambda: _good(speed))
            cycles = client.get_node(ua.NodeId("health:conveyor.Cycles", idx))
            assert await until(lambda: _value(cycles)) > 0


async def _value(node):
    return (await node.read_data_value(raise_on_bad_status=False)).Value.Value


async def _good(node) -> bool:
    return (await node.read_data_value(raise_on_bad_status=False)).StatusCode.is_good()


async def test_lab_shows_log_records_as_one_line_and_names_the_log_file(tmp_path):
    from textual.app import App

    class Console(App):
        lang = "en"
        starting = None  # no line behind this console
        shown: list[str] = []

        def notify(self, message, **kwargs):
            self.shown.append(message)

        def on_mount(self) -> None:
            logging.getLogger("asyncua.client").warning("station went away\nTraceback (most recent call last): ...")
            self.call_later(self.exit)

    @contextlib.asynccontextmanager
    async def console():
        yield Console()

    await lab_command._run(console(), exit_when="drawn", log_path=tmp_path / "smarthall.log")
    assert sorted(Console.shown) == ["Library messages go to " + f"{tmp_path / 'smarthall.log'}.",
                                     "asyncua.client: station went away"]


OWN_LESSON = GOOD.replace('id = "tiny"\n', 'id = "my-first"\nprerequisites = ["meet-the-line"]\n')


def own_catalogue(folder):
    (folder / "my-first").mkdir(parents=True)
    (folder / "my-first" / "lesson.toml").write_text(OWN_LESSON, encoding="utf-8")
    (folder / "info.toml").write_text('[[lessons]]\nid = "my-first"\npath = "my-first"\n', encoding="utf-8")
    return folder


def test_lab_opens_the_per_user_lessons_folder_and_each_catalogue_given(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path / "data"))  # the user's data folder (it wins over XDG_DATA_HOME)
    assert catalogues([]) == [CATALOGUE]
    own = own_catalogue(tmp_path / "data" / "lessons")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "info.toml").write_text("lessons = []\n", encoding="utf-8")
    assert catalogues([extra]) == [CATALOGUE, own / "info.toml", extra / "info.toml"]
    with pytest.raises(LessonError, match=r"--catalogue .*nowhere: no info.toml there"):
        catalogues([tmp_path / "nowhere"])


def test_an_own_lesson_id_may_not_take_a_built_in_one(tmp_path):
    folder = own_catalogue(tmp_path / "own")
    (folder / "info.toml").write_text('[[lessons]]\nid = "modbus-tcp"\npath = "my-first"\n', encoding="utf-8")
    with pytest.raises(LessonFormatError) as caught:
        load_shelf([CATALOGUE, folder / "info.toml"], load_line())
    assert "lesson id 'modbus-tcp' is already taken by a catalogue opened before" in str(caught.value.problems[0])


@pytest.mark.timeout(300)  # a simulated line and its agent start on a loaded machine
async def test_lab_opens_a_lesson_from_an_own_catalogue(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shelf = load_shelf(catalogues([own_catalogue(tmp_path / "own")]), load_line())
    assert shelf.broken == ()  # its prerequisite is a built-in lesson
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp_path / "bus"))
    async with (lab(shelf, None, tmp_path / "progress.db", "kim", lesson="my-first", options=options) as app,
                app.run_test(size=(80, 24))):
        screen = app.screen
        assert isinstance(screen, StepScreen) and screen.lesson.id == "my-first"
        await until(lambda: screen.state == "waiting", timeout=120)  # the line starts behind the console
        await screen.run.apply(screen.step.solution)
        await until(lambda: screen.state == "passed", timeout=20)
        assert app.progress.done("kim", "my-first") == {"run"}


@pytest.mark.timeout(300)
async def test_lab_draws_the_console_before_its_line_starts_and_tags_say_starting(tmp_path, monkeypatch):
    go = asyncio.Event()
    start_line = lab_command._start_line

    async def held(*args):  # the line's start waits until the test has looked at the console
        await go.wait()
        return await start_line(*args)

    monkeypatch.setattr(lab_command, "_start_line", held)
    options = SimOptions(**FREE_PORTS,
                         fieldbus_link=str(tmp_path / "bus"))
    shelf = load_shelf(CATALOGUE, load_line())
    async with (lab(shelf, None, tmp_path / "progress.db", "kim", options=options, history=tmp_path / "h.db") as app,
                app.run_test(size=(100, 40)) as pilot):
        assert isinstance(app.screen, LessonListScreen)
        await pilot.press("v")
        feeder = app.screen.query_one("#station-feeder", TagTable)
        await pilot.pause()
        line = "".join(segment.text for segment in feeder.render_line(2))
        assert "feeder.auto_feed" in line and "starting…" in line  # not "no value", not in the warning colour
        assert not {segment.style.color.name for segment in feeder.render_line(2)} & {"yellow", "red"}
        go.set()
        await until(lambda: "starting…" not in "".join(segment.text for segment in feeder.render_line(2)), timeout=60)
        assert {n: v for n, v, _q in feeder.snapshot()}.get("feeder.magazine_count") == 50
