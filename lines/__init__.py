"""The line configurations shipped with Smart Hall (package data, read through importlib.resources), and the
simulated line's stations: what a lesson may say it is about (lessons.loader), checked against lines/sim.toml
by tests/unit/test_line_stations.py. Plain data: importing it starts nothing."""

STATIONS = ("feeder", "conveyor", "fieldbus", "process", "vision", "energy")
"""The simulated line's stations: its connections (feeder, conveyor, fieldbus, process), its camera inspection
station and its energy meters (the `vision.` and `energy.` tags)."""
