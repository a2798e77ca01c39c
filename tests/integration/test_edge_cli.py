"""The edge commands as a user types them, on the simulated line started in-process.

Each test has its own copy of lines/sim.toml on free ports (`--line`), its RS-485 link, history and
northbound port in tmp_path: a command with nothing answering starts the simulated line where that
file expects it, as it does on the default ports without --line.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import re
import signal
import sys

import pytest

from tests.commands import environment, free_options, sim_line_copy
from tests.commands import smarthall as run
from tests.waiting import until

START_S = 120  # a command or `edge run` starting the simulated line and its agent on a loaded machine
pytestmark = pytest.mark.timeout(2 * START_S + 60)


@pytest.fixture(autouse=True)
def line(tmp_path):
    """tmp_path/line.toml: lines/sim.toml with every station, the camera and the northbound server on free ports."""
    return sim_line_copy(tmp_path, free_options(tmp_path))


def smarthall(tmp_path, *args: str, timeout: float = START_S):
    """The command with this test's line file, unless it names its own."""
    line = [] if "--line" in args else ["--line", str(tmp_path / "line.toml")]
    return run(tmp_path, *args, *line, timeout=timeout)


async def test_read_starts_the_simulated_line_when_nothing_answers(tmp_path):
    code, out, err = await smarthall(tmp_path, "read", "feeder.magazine_count", "process.temperature",
                                     "energy.process.voltage")
    assert code == 0, err
    assert "starting the simulated line in this process" in err
    rows = {line.split()[1]: line.split() for line in out.splitlines()}
    assert rows["feeder.magazine_count"][2:] == ["50", "pcs", "good"]
    assert rows["process.temperature"][-1] == "good"
    assert 200 < float(rows["energy.process.voltage"][2]) < 240


async def test_write_out_of_range_is_one_line_and_exit_2(tmp_path):
    code, _, err = await smarthall(tmp_path, "write", "conveyor.speed_setpoint", "900")
    assert code == 2
    assert err.splitlines()[-1] == "smarthall: conveyor.speed_setpoint: 900 is outside 0..500 mm/s"


@pytest.mark.parametrize(("args", "message"), [
    (("read", "conveyor.speed"), "unknown tag 'conveyor.speed'"),
    (("history", "conveyor.speed_actual", "--since", "ten minutes"), "duration 'ten minutes'"),
    (("tags", "--line", "/nonexistent/hall.toml"), "/nonexistent/hall.toml: no such file"),
    (("write", "conveyor.motor_run", "maybe"), "value 'maybe': expected a number, true/false or on/off"),
    (("call", "process.Start"), "unknown method 'process.Start': expected one of process.StartBatch, process.AbortBatch"),
    (("call", "process.StartBatch", "120"), "process.StartBatch takes 2 arguments"),
])
async def test_user_mistakes_are_one_clear_line(tmp_path, args, message):
    code, _, err = await smarthall(tmp_path, *args)
    assert code == 2 and message in err and "Traceback" not in err


async def test_alarm_ack_without_a_running_agent_says_so(tmp_path):
    code, _, err = await smarthall(tmp_path, "alarms", "ack", "conveyor.estop")
    assert code == 2 and "no history for this line yet" in err
    code, _, err = await smarthall(tmp_path, "read", "conveyor.estop_ok")  # leaves a history file behind
    assert code == 0, err
    code, _, err = await smarthall(tmp_path, "alarms", "ack", "conveyor.estop", timeout=30)
    assert code == 2 and "no edge agent is running" in err


async def test_call_starts_a_batch(tmp_path):
    code, out, err = await smarthall(tmp_path, "call", "process.StartBatch", "120", "600")
    assert code == 0, err
    assert out.strip() == "called process.StartBatch(120, 600), result: -"


async def test_write_then_history_as_csv(tmp_path):
    code, _, err = await smarthall(tmp_path, "write", "conveyor.speed_setpoint", "275")
    assert code == 0, err
    code, _, err = await smarthall(tmp_path, "read", "conveyor.speed_setpoint")
    assert code == 0, err
    code, out, err = await smarthall(tmp_path, "history", "conveyor.speed_setpoint", "--since", "1h", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and rows[-1]["tag"] == "conveyor.speed_setpoint" and rows[-1]["quality"] == "good"


@contextlib.asynccontextmanager
async def edge_run(tmp_path, shown: bytes):
    """`smarthall edge run` until it has printed a line with `shown` (yielded); then Ctrl-C, and it must stop cleanly."""
    agent = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "edge", "run", "--line",
                                                 str(tmp_path / "line.toml"), env=environment(tmp_path),
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(START_S):  # a bound, not a pace: it goes on once `shown` is printed
            while shown not in (line := await agent.stdout.readline()):
                assert line, (await agent.stderr.read()).decode()
        yield line
        agent.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(agent.communicate(), START_S)
    finally:
        if agent.returncode is None:
            agent.kill()
            await agent.wait()
    assert agent.returncode == 0, err.decode()
    assert b"Edge agent stopped." in out


async def test_alarm_ack_reaches_a_running_agent(tmp_path):
    async with edge_run(tmp_path, b"Edge agent running"):
        code, out, err = await smarthall(tmp_path, "alarms", "ack", "conveyor.estop", "--comment", "checked")
        assert code == 0, err
        assert out.strip() == "alarm conveyor.estop: ack done"
        code, out, err = await smarthall(tmp_path, "alarms", "ack", "no.such.alarm")
        assert code == 2 and "no.such.alarm" in err


async def test_edge_run_says_vision_runs_and_vision_tags_are_listed_read_and_not_written(tmp_path):
    code, out, err = await smarthall(tmp_path, "tags")
    assert code == 0, err
    assert [line.split()[:4] for line in out.splitlines() if line.startswith("vision.camera_ok")] == [
        ["vision.camera_ok", "bool", "r", "derived"]]
    async with edge_run(tmp_path, b"Vision inspection running") as line:
        assert re.search(rb"camera http://127\.0\.0\.1:\d+/camera/stream\.mjpg, recipe disc-40", line)
        assert b":8080/" not in line

        async def camera_ok() -> list[str] | None:  # the running agent records it; read finds it in the history
            code, out, err = await smarthall(tmp_path, "read", "vision.camera_ok")
            assert code == 0, err
            row = out.split()[1:]
            return row if row[1] == "True" else None
        assert await until(camera_ok, timeout=30, every=0.5) == ["vision.camera_ok", "True", "good"]
        code, out, err = await smarthall(tmp_path, "write", "vision.inspected", "0")
        assert code == 2 and err.splitlines()[-1] == (
            "smarthall: vision.inspected is computed by the edge (a derived tag), not written to a device")
