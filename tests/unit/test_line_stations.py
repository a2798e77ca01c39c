"""The simulated line's stations (smarthall.lines.STATIONS, what a lesson may be about) are the line's own."""

from __future__ import annotations

from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.lines import STATIONS


def test_every_station_is_a_connection_or_names_tags_of_the_simulated_line():
    line = load_line(DEFAULT_LINE)
    connections = {connection.name for connection in line.connections}
    prefixes = {tag.split(".", 1)[0] for tag in line.tags}
    assert connections <= set(STATIONS), connections - set(STATIONS)
    assert [s for s in STATIONS if s not in connections | prefixes] == []
    assert {"vision", "energy"} <= prefixes

