"""The user's data: one folder ($SMARTHALL_DATA, else platformdirs), each file movable by its flag, and two labs
on different ports sharing no history, progress or workspace."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

from smarthall import cli
from smarthall.edge.config import data_folder, default_history_path
from smarthall.edge_commands import _config
from smarthall.lab_command import progress_path, simulated_history
from smarthall.lessons.progress import default_progress_path, workspace_folder


def test_the_data_folder_is_smarthall_data_else_the_platforms(monkeypatch, tmp_path):
    monkeypatch.delenv("SMARTHALL_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_folder() == tmp_path / "xdg" / "smarthall"
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path / "mine"))
    assert default_history_path("sim") == tmp_path / "mine" / "sim.db"
    assert default_progress_path() == tmp_path / "mine" / "progress.db"


def test_db_moves_the_history_and_the_vision_images_with_it(tmp_path):
    config = _config(argparse.Namespace(line=None, db=tmp_path / "lab2" / "history.db"))
    assert config.historian.path == tmp_path / "lab2" / "history.db"
    assert config.vision.archive_path.parent == tmp_path / "lab2"


def simulated(feeder=5020, conveyor=5021, process=4840, control=4841, camera=8080) -> SimpleNamespace:
    """What simulated_history reads of a running SimulatedLine."""
    return SimpleNamespace(stations={"feeder": SimpleNamespace(port=feeder), "conveyor": SimpleNamespace(port=conveyor)},
                           process=SimpleNamespace(endpoint_url=f"opc.tcp://127.0.0.1:{process}"),
                           control=SimpleNamespace(endpoint_url=f"opc.tcp://127.0.0.1:{control}"),
                           camera=SimpleNamespace(url=f"http://127.0.0.1:{camera}"))


def test_two_simulated_port_sets_keep_two_histories(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path))
    assert simulated_history(simulated()) == tmp_path / "sim.db"  # the edge commands' default line: the same file
    other = simulated_history(simulated(feeder=5120, conveyor=5121, process=4940, control=4941, camera=8180))
    assert other == tmp_path / "sim-5120-5121-4940-4941-8180.db"
    assert simulated_history(simulated(feeder=5120)) != other
    assert Path(default_history_path("sim")) == simulated_history(simulated())


def lab_args(*argv: str):
    """`smarthall lab ARGV` as the command line parses it."""
    return cli._parser("lab").parse_args(["lab", *argv])


def test_two_labs_on_other_port_sets_keep_their_own_progress_and_workspace(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path))
    default = progress_path(lab_args())
    assert default == tmp_path / "progress.db" and workspace_folder(default) == tmp_path / "workspace"
    other = progress_path(lab_args("--feeder-port", "5120", "--conveyor-port", "5121", "--process-port", "4940",
                                   "--control-port", "4941", "--camera-port", "8180"))
    assert other == tmp_path / "sim-5120-5121-4940-4941-8180-progress.db"
    assert workspace_folder(other) == tmp_path / "sim-5120-5121-4940-4941-8180-progress-workspace"
    free = progress_path(lab_args("--feeder-port", "0"))  # free ports: another set on every start
    assert free not in (default, other) and free.parent == tmp_path
    assert progress_path(lab_args("--progress", str(tmp_path / "mine.db"))) == tmp_path / "mine.db"


def test_a_lab_report_reads_the_progress_of_the_lab_with_the_same_ports(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path))
    lab = progress_path(lab_args("--feeder-port", "5120"))
    assert progress_path(lab_args("--feeder-port", "5120", "report")) == lab
    assert progress_path(lab_args("report")) == tmp_path / "progress.db"
