"""lines/sim.toml and the station profiles' transports are held to the one definition of where the simulated line
listens (simulators/options.py SimOptions): change a port there and this fails until the files say the same."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from smarthall.devices.profiles import load_profile
from smarthall.edge.config import DEFAULT_LINE, line_table, load_line
from smarthall.sim_options import line_sim_options
from smarthall.simulators.options import FREE_PORTS, SimOptions, line_overrides
from smarthall.testing.line import write_sim_line


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


def test_the_line_file_of_the_default_options_is_the_shipped_one():
    assert line_table(DEFAULT_LINE, line_overrides(SimOptions())) == line_table(DEFAULT_LINE)


def test_a_line_file_written_for_other_ports_reaches_them_and_a_light_one_has_no_camera_nor_server(tmp_path):
    options = SimOptions(feeder_port=41001, conveyor_port=41002, process_port=41003, camera_port=41004,
                         fieldbus_link=str(tmp_path / "bus"))
    at = {**line_overrides(options), "historian": {"path": str(tmp_path / "h.db")}}
    full = load_line(write_sim_line(tmp_path / "full.toml", at))
    assert line_sim_options(full) == replace(options, control_port=0)  # sim control free beside other ports
    assert full.vision is not None and full.northbound is not None and full.northbound.enabled
    assert full.users is not None and (tmp_path / "sim-users.toml").is_file()
    light = load_line(write_sim_line(tmp_path / "light.toml", at, light=True))
    assert light.vision is None and not light.northbound.enabled
    assert not [tag for tag in light.tags if tag.startswith("vision.")]
    assert [alarm.id for alarm in light.alarms] == [a.id for a in full.alarms if not a.tag.startswith("vision.")]
