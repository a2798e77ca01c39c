"""`smarthall centre` through a real Mosquitto: a line shows online once born, offline after its NDEATH (Pilot, 80x24)."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable

from smarthall.centre.app import CentreApp, mqtt_session
from smarthall.centre.model import HostModel
from smarthall.edge.sparkplug import payloads
from smarthall.edge.sparkplug.sparkplug_b_pb2 import DataType, Payload
from tests.broker import PASSWORDS
from tests.sparkplug_host import line_file, start_agent
from tests.waiting import until

pytestmark = pytest.mark.debian("mosquitto_passwd")


def rows(app: CentreApp) -> list[list[str]]:
    table = app.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_centre_sees_a_line_come_online_and_go_offline(tmp_path, broker, plant_ports):
    _, feeder_port, conveyor_port = plant_ports
    app = CentreApp(HostModel(), "en", broker.url, mqtt_session(broker.url, "centre", "centre", PASSWORDS["centre"]))
    async with app.run_test(size=(80, 24)) as pilot:
        agent = await start_agent(line_file(tmp_path, broker, feeder_port, conveyor_port, 'primary_host = "centre"'))
        try:
            await until(lambda: agent.sparkplug.live)  # the centre's STATE made the line go live
            await until(lambda: (app.redraw(), rows(app))[1][:1] and rows(app)[0][:2] == ["hall1/line1", "online"])
            await until(lambda: (app.redraw(), rows(app))[1][0][3] == "0")  # conveyor/parts_good, scanned
        finally:
            await agent.close()
        await until(lambda: (app.redraw(), rows(app))[1][0][1] == "offline")
        await pilot.press("l")
        assert rows(app)[0][1] == "정지" and "라인 0/1 가동" in str(app.query_one("#status").render())


def test_a_late_ndeath_of_an_older_session_leaves_the_line_online():
    model = HostModel()
    model.apply("spBv1.0/g/NBIRTH/n", payloads.node_birth(5, 0, 1, payloads.NodeMetrics(1, 2, 3), 0, 0), 1.0)
    model.apply("spBv1.0/g/NDEATH/n", payloads.death(4, 2), 2.0)
    assert model.lines["g", "n"].online
    model.apply("spBv1.0/g/NDEATH/n", payloads.death(5, 3), 3.0)
    assert not model.lines["g", "n"].online and model.lines["g", "n"].since == 3.0


def test_kwh_per_good_part_from_the_births_and_data_by_alias():
    model = HostModel()
    birth = Payload(timestamp=1, seq=1)
    for alias, name, value in ((1, "conveyor/parts_good", 40), (2, "energy/conveyor/energy_kwh", 1.5),
                               (3, "energy/feeder/energy_kwh", 0.5)):
        metric = birth.metrics.add(name=name, alias=alias, datatype=DataType.Double if alias > 1 else DataType.UInt16)
        payloads.set_value(metric, metric.datatype, value)
    model.apply("spBv1.0/g/NBIRTH/n", payloads.node_birth(0, 0, 1, payloads.NodeMetrics(7, 8, 9), 0, 0), time.time())
    model.apply("spBv1.0/g/DBIRTH/n/conveyor", birth.SerializeToString(), time.time())
    data = Payload(timestamp=2, seq=2)
    data.metrics.add(alias=1, datatype=DataType.UInt16, int_value=50)
    model.apply("spBv1.0/g/DDATA/n/conveyor", data.SerializeToString(), time.time())
    line = model.lines["g", "n"]
    assert (line.parts_good, line.kwh, line.kwh_per_good_part) == (50, 2.0, 0.04)


async def test_a_redraw_while_the_centre_closes_goes_by_quietly():
    """The once-a-second redraw may tick while the closing app has removed its widgets: it looked them up and
    raised NoMatches, which failed the app (test_classroom_centre, about 1 run in 2 under load)."""
    app = CentreApp(HostModel(), "en")
    async with app.run_test(size=(80, 24)):
        await app.screen.remove_children()  # as the closing app does before its timers stop
        app.redraw()
