"""`smarthall centre` over three lines through a real Mosquitto (Pilot, 80x24): a line killed with SIGKILL goes
offline through its MQTT will while the others stay online; an alarm acknowledged in the centre reaches its line's
agent (as the line's command user, in its write log) and comes back acknowledged; a line opens to its tags and OEE."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import pytest
from textual.widgets import DataTable

from smarthall.centre.app import CentreApp, LineScreen, mqtt_session
from smarthall.centre.model import HostModel
from smarthall.edge.alarms.machine import State
from smarthall.edge.users import hash_password
from tests.broker import PASSWORDS
from tests.sparkplug_host import line_file, running_plant, start_agent
from tests.waiting import until

pytestmark = [pytest.mark.debian("mosquitto_passwd"), pytest.mark.timeout(240)]

COMMANDS = """primary_host = "centre"
command_user = "centre"

[users]
file = "users.toml"

[[alarms]]
id = "conveyor.speed_high"
tag = "conveyor.speed_setpoint"
kind = "hi"
limit = 400
priority = "high"
ko = "벨트 속도 설정 높음"
en = "belt speed setpoint high"
"""


def rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def line2_alarms(app: CentreApp) -> list[list[str]]:
    """The centre's alarm rows of line2 (its first five columns); the other lines may have their own (comm.*)."""
    app.redraw()
    return [row[:5] for row in rows(app.query_one("#alarms", DataTable)) if row[0] == "hall1/line2"]


def online(app: CentreApp) -> set[str]:
    return {line.node for line in app.model.lines.values() if line.online}


async def test_three_lines_one_killed_goes_offline_and_an_alarm_acked_in_the_centre_reaches_its_line(tmp_path, broker):
    (tmp_path / "users.toml").write_text(f"""
[[users]]
name = "centre"
role = "instructor"
password = "{hash_password('centre-secret')}"
""", encoding="utf-8")
    app = CentreApp(HostModel(), "en", broker.url, mqtt_session(broker.url, "centre", "centre", PASSWORDS["centre"]))
    async with contextlib.AsyncExitStack() as stack:
        plants = [await stack.enter_async_context(running_plant(seed)) for seed in (1, 2, 3)]
        paths = [line_file(tmp_path, broker, feeder, conveyor, COMMANDS, name=f"line{i}", keepalive_s=2 if i == 3 else 30)
                 for i, (_, feeder, conveyor) in enumerate(plants, start=1)]  # only line3's loss is to be seen soon
        pilot = await stack.enter_async_context(app.run_test(size=(80, 24)))
        agents = [await start_agent(path) for path in paths[:2]]
        for agent in agents:
            stack.push_async_callback(agent.close)
        killed = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "edge", "run", "--line",
                                                      str(paths[2]), stdout=asyncio.subprocess.DEVNULL,
                                                      stderr=asyncio.subprocess.DEVNULL)
        stack.push_async_callback(killed.wait)
        stack.callback(lambda: killed.returncode is None and killed.kill())
        await until(lambda: online(app) == {"line1", "line2", "line3"}, timeout=90)

        plants[1][0].write("conveyor", "speed_setpoint", 450)  # line2's belt set too fast: its alarm
        alarms = app.query_one("#alarms", DataTable)
        await until(lambda: line2_alarms(app) == [["hall1/line2", "high", "conveyor.speed_high",
                                                   "belt speed setpoint high", "active, unacknowledged"]], timeout=30)
        alarms = app.query_one("#alarms", DataTable)
        alarms.focus()
        alarms.move_cursor(row=[row[0] for row in rows(alarms)].index("hall1/line2"))
        await pilot.press("a")
        await until(lambda: agents[1].alarms.state("conveyor.speed_high").state is State.ACKED)
        await until(lambda: line2_alarms(app)[0][4] == "active, acknowledged")
        ack, = [e for e in agents[1].write_log.entries() if e.tag == "alarm conveyor.speed_high"]
        assert (ack.user, ack.new["action"], ack.result) == ("centre", "ack", "ok")
        assert agents[0].alarms.state("conveyor.speed_high").state is State.NORMAL  # line1's is its own

        killed.kill()  # no NDEATH of its own: the broker sends its will once the keep-alive runs out
        await until(lambda: online(app) == {"line1", "line2"}, timeout=30)
        table = app.query_one("#lines", DataTable)
        app.redraw()
        assert [row[:2] for row in rows(table)] == [["hall1/line1", "online"], ["hall1/line2", "online"],
                                                     ["hall1/line3", "offline"]]

        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        screen = await until(lambda: isinstance(app.screen, LineScreen) and app.screen.is_mounted and app.screen)
        tags = screen.query_one("#tags", DataTable)
        await until(lambda: ["conveyor/speed_setpoint", "450", "mm/s", "good"] in rows(tags))
        assert str(screen.query_one("#line-title").render()).startswith("hall1/line2 · online · OEE ")
        await pilot.press("l")
        assert rows(tags)[0][3] in ("양호", "불량", "오래됨")
