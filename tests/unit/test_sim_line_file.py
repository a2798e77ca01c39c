"""lines/sim.toml and the station profiles' transports are held to the one definition of where the simulated line
listens (simulators/options.py SimOptions): change a port there and this fails until the files say the same."""

from __future__ import annotations

from urllib.parse import urlsplit

from smarthall.devices.profiles import load_profile
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.sim_options import line_sim_options
from smarthall.simulators.options import FREE_PORTS, SimOptions


def test_lines_sim_toml_reaches_each_station_where_the_simulated_line_serves_it():
    config = load_line(DEFAULT_LINE)
    assert line_sim_options(config) == SimOptions()  # ports, camera, sim control and the RS-485 link
    assert {config.connection(name).settings["host"] for name in ("feeder", "conveyor")} == {SimOptions.host}
    assert urlsplit(config.connection("process").settings["endpoint"]).hostname == SimOptions.host


def test_the_station_profiles_name_the_simulated_line_s_default_transports():
    assert load_profile("feeder").transport["port"] == SimOptions.feeder_port
    assert load_profile("conveyor").transport["port"] == SimOptions.conveyor_port
    assert urlsplit(load_profile("process").transport["endpoint"]).port == SimOptions.process_port
    assert load_profile("fieldbus").transport["link"] == SimOptions.fieldbus_link


def test_free_ports_free_every_endpoint():
    options = SimOptions(**FREE_PORTS)
    assert [getattr(options, name) for name in FREE_PORTS] == [0] * 5
    assert set(FREE_PORTS) == {"feeder_port", "conveyor_port", "process_port", "control_port", "camera_port"}
