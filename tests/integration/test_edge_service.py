"""One owner per line: `smarthall edge run` serves the line; other processes are its clients, as their users.

The simulated line runs in this test process on free ports; `edge run` and the commands run as
real subprocesses on a copy of lines/sim.toml pointed at it (history, lock and socket in tmp_path).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys

import pytest

from smarthall.edge.client import connect_line
from smarthall.edge.errors import AgentError, AuthenticationFailed, Forbidden
from smarthall.edge.historian.batches import compacted
from smarthall.simulators.line import SimulatedLine
from tests.commands import environment, free_options, sim_line_copy, smarthall
from tests.unit.test_startup_imports import HEAVY, LINE, heavy_imports
from tests.waiting import until

pytestmark = pytest.mark.timeout(180)  # a subprocess agent starting on a loaded machine, then several commands

@pytest.fixture
async def line_file(tmp_path):
    """lines/sim.toml pointed at a simulated line on free ports, without the camera and the OPC UA server."""
    options = free_options(tmp_path)
    async with SimulatedLine(options):
        yield sim_line_copy(tmp_path, options, light=True)


@pytest.fixture
async def vision_line(tmp_path):
    """lines/sim.toml on a simulated line on free ports, with its camera: (the line file, the camera's port)."""
    options = free_options(tmp_path)
    async with SimulatedLine(options):
        yield sim_line_copy(tmp_path, options), options.camera_port


@contextlib.asynccontextmanager
async def edge_running(tmp_path, line_file):
    """`smarthall edge run` on the line until the block ends; yields (process, its first lines)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "edge", "run", "--line",
                                                str(line_file), env=environment(tmp_path), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    shown = b""
    try:
        while b"Client API at" not in shown:
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            assert line, (shown + await proc.stderr.read()).decode()
            shown += line
        yield proc, shown.decode()
    finally:
        if proc.returncode is None:
            proc.send_signal(2)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@pytest.fixture
async def edge_run(tmp_path, line_file):
    async with edge_running(tmp_path, line_file) as running:
        yield running


def audit(tmp_path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "history.db") as db:
        return db.execute("SELECT user, tag, result FROM write_log ORDER BY ts").fetchall()


def rows_of(tmp_path, tag: str) -> int:
    """Values of the tag stored in the history file (the chunks of both tables, each counting its values)."""
    with sqlite3.connect(tmp_path / "history.db") as db:
        [tag_id] = db.execute("SELECT id FROM tags WHERE name = ?", (tag,)).fetchone() or [None]
        stored = db.execute("SELECT coalesce(sum(n), 0) FROM chunks WHERE tag_id = ?", (tag_id,)).fetchone()[0]
        recent = compacted(db.execute("SELECT block, tags, meta, ts, vals FROM recent ORDER BY id").fetchall())
    db.close()
    return stored + sum(row[2] for chunk_tag, row in recent if chunk_tag == tag_id)


async def test_a_second_process_reads_the_rs485_bus_through_the_agent(tmp_path, line_file, edge_run):
    code, out, err = await smarthall(tmp_path, "read", "ambient.temperature", "energy.process.voltage",
                                     "--line", str(line_file))
    assert code == 0, err
    assert "opens the line itself" not in err
    rows = {line.split()[1]: line.split() for line in out.splitlines()}
    assert rows["ambient.temperature"][-1] == "good" and rows["energy.process.voltage"][-1] == "good"


async def test_read_through_the_agent_imports_only_the_client(tmp_path, line_file, edge_run):
    command = ["read", "ambient.temperature", "--line", str(line_file)]
    unused = ("smarthall.devices.profiles.model", "tempfile",  # the tags' layouts and the log's fallback folder
              "asyncio", "smarthall.edge.client",  # a one-shot command asks with a plain socket (edge.blocking)
              "logging.handlers")  # the log file is opened at its first record
    assert await asyncio.to_thread(heavy_imports, command, tmp_path, environment(tmp_path), HEAVY + LINE + unused) == []


async def test_watch_is_a_client_and_adds_no_rows_to_the_history(tmp_path, line_file, edge_run):
    await until(lambda: (tmp_path / "history.db").exists() and rows_of(tmp_path, "feeder.magazine_count") == 1)
    code, out, err = await smarthall(tmp_path, "watch", "feeder.magazine_count", "ambient.temperature",
                                     "--count", "2", "--line", str(line_file))
    assert code == 0, err
    assert "opens the line itself" not in err and len(out.splitlines()) == 2
    code, _, err = await smarthall(tmp_path, "read", "feeder.magazine_count", "--line", str(line_file))
    assert code == 0, err
    assert rows_of(tmp_path, "feeder.magazine_count") == 1  # an unchanged tag: the one agent's first value only


async def test_a_second_edge_run_is_refused_naming_the_first(tmp_path, line_file, edge_run):
    proc, _ = edge_run
    code, out, err = await smarthall(tmp_path, "edge", "run", "--line", str(line_file))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"line 'sim' is already run by an edge agent (pid {proc.pid}, unix:" in err


async def test_roles_are_enforced_and_audited_through_the_client_api(tmp_path, line_file, edge_run):
    kim = await connect_line(line_file, user="kim", password="kim")  # trainee, team1: the conveyor
    async with kim:
        assert kim.user == {"name": "kim", "role": "trainee", "team": "team1", "stations": ["conveyor"]}
        await kim.write("conveyor.motor_run", False)  # an operating control of their own station
        with pytest.raises(Forbidden, match="feeder.feed: kim \\(team team1\\) operates conveyor, not feeder"):
            await kim.write("feeder.feed", True)
        with pytest.raises(Forbidden, match="conveyor.divert_pulse_ms: not an operating control"):
            await kim.write("conveyor.divert_pulse_ms", 300)
        with pytest.raises(Forbidden, match="sim ClearFaults: kim is a trainee"):
            await kim.sim("ClearFaults")
        with pytest.raises(Forbidden, match="kim is a trainee: alarms are handled by the instructor"):
            await kim.ack("conveyor.estop")
        [value] = await kim.read(["conveyor.speed_setpoint"])
        assert value.quality == "good"
    async with await connect_line(line_file, user="guest", password="guest") as guest:
        with pytest.raises(Forbidden, match="guest is an observer"):
            await guest.write("conveyor.motor_run", True)
    async with await connect_line(line_file, user="teacher", password="teacher") as teacher:
        await teacher.write("conveyor.speed_setpoint", 250)
        await teacher.ack("conveyor.estop", "checked")  # not active: acknowledged as it stands
        with pytest.raises(Forbidden, match="only an engineer may change it"):
            await teacher.write("process.kp", 2.0)
        with pytest.raises(AgentError, match="no simulator control here"):
            await teacher.sim("ClearFaults")
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        await connect_line(line_file, user="kim", password="lee")
    async with await connect_line(line_file) as me:  # this OS user: the users file's [local] role
        assert me.user["role"] == "instructor"
        [value] = await me.read(["conveyor.speed_setpoint"], fresh=True)
        assert value.value == 250
    log = audit(tmp_path)
    assert ("kim", "conveyor.motor_run", "ok") in log
    assert ("kim", "feeder.feed", "refused: kim (team team1) operates conveyor, not feeder") in log
    assert any(u == "kim" and t == "conveyor.divert_pulse_ms" and r.startswith("refused: not an operating")
               for u, t, r in log)
    assert ("kim", "sim ClearFaults", "refused: kim is a trainee: the simulator is handled by the instructor") in log
    assert ("guest", "conveyor.motor_run", "refused: guest is an observer: observers may only read") in log
    assert ("teacher", "conveyor.speed_setpoint", "ok") in log and ("teacher", "alarm conveyor.estop", "ok") in log
    assert any(u == "teacher" and t == "process.kp" and r.startswith("refused:") for u, t, r in log)


async def test_the_cli_signs_in_with_user_and_a_refusal_is_one_line(tmp_path, line_file, edge_run):
    code, _, err = await smarthall(tmp_path, "write", "feeder.feed", "1", "--user", "kim", "--line", str(line_file),
                                   SMARTHALL_PASSWORD="kim")
    assert code == 2 and err.strip() == "smarthall: feeder.feed: kim (team team1) operates conveyor, not feeder"
    code, _, err = await smarthall(tmp_path, "--lang", "ko", "write", "feeder.feed", "1", "--user", "kim", "--line",
                                   str(line_file), SMARTHALL_PASSWORD="kim")  # the refusal in the chosen language
    assert code == 2 and err.strip() == "smarthall: feeder.feed: kim님(team1 팀)은 conveyor 스테이션을 조작합니다. feeder은(는) 아닙니다"
    code, _, err = await smarthall(tmp_path, "write", "conveyor.speed_setpoint", "300", "--user", "kim",
                                   "--line", str(line_file), SMARTHALL_PASSWORD="nope")
    assert code == 2 and err.strip() == "smarthall: wrong user name or password"
    code, out, err = await smarthall(tmp_path, "write", "conveyor.speed_setpoint", "300", "--line", str(line_file))
    assert code == 0 and out.strip() == "wrote 300 to conveyor.speed_setpoint", err
    code, out, err = await smarthall(tmp_path, "alarms", "--line", str(line_file))
    assert code == 0, err
    code, _, err = await smarthall(tmp_path, "alarms", "ack", "conveyor.estop", "--user", "kim", "--line", str(line_file),
                                   SMARTHALL_PASSWORD="kim")
    assert code == 2 and err.strip() == "smarthall: alarm conveyor.estop: kim is a trainee: alarms are handled by the instructor"
    owner = json.loads((tmp_path / "history.db.lock").read_text(encoding="utf-8"))
    assert owner["pid"] == edge_run[0].pid and owner["socket"].endswith(".sock")


def agent_socket(tmp_path) -> str:
    """The running agent's client-API socket, from its lock file."""
    return json.loads((tmp_path / "history.db.lock").read_text(encoding="utf-8"))["socket"]


def connections_to(path: str) -> int:
    """Unix sockets bound to this path (/proc/net/unix): the listener, plus one for each connection it has taken in."""
    with open("/proc/net/unix", encoding="utf-8") as rows:
        return sum(row.split()[-1] == path for row in rows if len(row.split()) == 8)


async def test_a_command_says_in_one_line_when_the_agent_dies_with_its_request(tmp_path, line_file, edge_run):
    proc, _ = edge_run
    path = agent_socket(tmp_path)
    proc.send_signal(signal.SIGSTOP)  # the agent takes no more turns: the command's request waits in its socket
    command = asyncio.create_task(smarthall(tmp_path, "read", "conveyor.speed_actual", "--line", str(line_file)))
    await until(lambda: connections_to(path) == 2 or command.done(), timeout=60)
    proc.kill()
    code, out, err = await command
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"smarthall: the edge agent at unix:{path} went away"), err


@contextlib.asynccontextmanager
async def tampering(agent: str, tamper):
    """A TCP port between a command and the agent's socket; `tamper(line)` gives what the command gets instead of
    the agent's second line (its answer after the sign-in) and then the connection closes. Yields the port."""
    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_unix_connection(agent)

        async def ask() -> None:
            while line := await reader.readline():
                upstream.write(line)

        asking = asyncio.create_task(ask())
        writer.write(await upstream_reader.readline())  # the sign-in's answer, as it is
        writer.write(tamper(await upstream_reader.readline()))
        await writer.drain()
        for stream in (writer, upstream):
            stream.close()
        asking.cancel()

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@pytest.mark.parametrize(("tamper", "said"), [
    (lambda line: line[:len(line) // 2], "went away in the middle of its answer"),
    (lambda line: b"<html>502 Bad Gateway</html>\n", "sent a line that is not JSON (Expecting value"),
    (lambda line: b"[1, 2]\n", "sent a line that is not a JSON object: b'[1, 2]\\n'"),
])
async def test_a_broken_answer_is_one_line_naming_the_agent(tmp_path, line_file, edge_run, tamper, said):
    async with tampering(agent_socket(tmp_path), tamper) as port:
        code, out, err = await smarthall(tmp_path, "read", "conveyor.speed_actual", "--agent", f"127.0.0.1:{port}",
                                         "--user", "teacher", "--line", str(line_file), SMARTHALL_PASSWORD="teacher")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"smarthall: the edge agent at tcp://127.0.0.1:{port} {said}"), err


def camera_streams(port: int) -> int:
    """Established TCP connections to this local port (the server's ends), from /proc/net/tcp and tcp6."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            next(rows)  # the header
            for row in rows:
                fields = row.split()
                count += fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port  # 01: ESTABLISHED
    return count


async def seen_while(counting, *commands):
    """Every value counting() had while the commands ran (polled as `until` polls), and the commands' results."""
    seen: set = set()
    done = asyncio.Event()
    polling = asyncio.create_task(until(lambda: seen.add(counting()) or done.is_set(), timeout=300))
    try:
        results = await asyncio.gather(*commands)
    finally:
        done.set()
        await polling
    return seen, results


@pytest.mark.timeout(400)  # `edge run` with its camera and OPC UA server on a loaded machine
async def test_with_edge_run_only_its_vision_loop_runs_while_other_processes_read_and_watch(tmp_path, vision_line):
    path, camera = vision_line
    async with edge_running(tmp_path, path):
        await until(lambda: camera_streams(camera) == 1, timeout=120)  # the agent's reject loop streams the camera
        seen, results = await seen_while(
            lambda: camera_streams(camera),
            smarthall(tmp_path, "watch", "vision.camera_ok", "conveyor.part_at_camera", "--count", "2", "--line", str(path)),
            smarthall(tmp_path, "read", "vision.inspected", "ambient.temperature", "--line", str(path)))
    for code, _out, err in results:
        assert code == 0 and "opens the line itself" not in err, err
    assert max(seen) == 1  # never a second stream (a second vision loop); 0 while the one reconnects after a stall


@pytest.mark.timeout(400)  # lab's simulated line, agent and camera on a loaded machine
async def test_with_lab_running_other_processes_are_its_clients(tmp_path):
    from smarthall.edge.config import load_line
    from smarthall.lab_command import lab
    from smarthall.lessons.console.shelf import load_shelf
    from smarthall.lessons.loader import CATALOGUE

    options = free_options(tmp_path)
    path = sim_line_copy(tmp_path, options)  # the lab's line as a trainee's terminal names it
    history = tmp_path / "history.db"
    shelf = load_shelf(CATALOGUE, load_line())
    async with lab(shelf, None, tmp_path / "progress.db", "kim", options=options, history=history) as app, \
            app.run_test():  # the line starts once the console is drawn
        await until(lambda: camera_streams(options.camera_port) == 1, timeout=120)
        await until(lambda: history.exists() and rows_of(tmp_path, "feeder.magazine_count") == 1, timeout=60)
        seen, (read, watch, second) = await seen_while(
            lambda: camera_streams(options.camera_port),
            smarthall(tmp_path, "read", "ambient.temperature", "--line", str(path)),
            smarthall(tmp_path, "watch", "feeder.magazine_count", "vision.camera_ok", "--count", "2", "--line", str(path)),
            smarthall(tmp_path, "edge", "run", "--line", str(path)))
        assert rows_of(tmp_path, "feeder.magazine_count") == 1  # watch recorded nothing: the lab's one value only
    code, out, err = read
    assert code == 0 and "opens the line itself" not in err, err
    assert out.split()[1:] and out.split()[-1] == "good" and "ambient.temperature" in out  # RS-485, held by the lab
    code, out, err = watch
    assert code == 0 and len(out.splitlines()) == 2, err
    code, out, err = second
    assert code == 2 and f"line 'sim' is already run by an edge agent (pid {os.getpid()}, unix:" in err
    assert max(seen) == 1  # the lab's reject loop only (0 while it reconnects after a stall)
