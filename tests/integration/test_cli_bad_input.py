"""Bad input to the `smarthall` command: one line on stderr naming what is wrong, exit 2, never a traceback.

Every case fails before a port is opened or a connection made; the line file
points at closed free ports and a link in the test's own folder, so even a
regression cannot reach a running lab or the default ports.
"""

from __future__ import annotations

import math
import socket
import tomllib
from pathlib import Path

import pytest
import tomli_w

from smarthall import cli
from smarthall.devices.profiles import loader
from smarthall.simulators.options import SimOptions, line_overrides
from smarthall.testing.line import write_sim_line

FREE_PORTS = ("--feeder-port", "0", "--conveyor-port", "0", "--process-port", "0", "--control-port", "0",
              "--camera-port", "0")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """The test's own HOME and working folder, with a line file on closed ports and a few bad files."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    port = _closed_port()
    options = SimOptions(feeder_port=port, conveyor_port=port, process_port=port, camera_port=port,
                         fieldbus_link=str(tmp_path / "fieldbus"))
    at = {**line_overrides(options), "historian": {"path": str(tmp_path / "history.db")}, "northbound": {"port": 0}}
    bad = {"line": {}, "db-under-file": {"historian": {"path": str(tmp_path / "a-file" / "h.db")}},
           "nan-flush": {"historian": {**at["historian"], "flush_s": math.nan}},
           "inf-port": {"feeder": {**at["feeder"], "port": math.inf}}}
    for name, changes in bad.items():
        write_sim_line(tmp_path / f"{name}.toml", {**at, **changes})
    rates = tomllib.loads((tmp_path / "line.toml").read_text(encoding="utf-8"))
    rates["scan_groups"][0]["rate_ms"] = -math.inf
    (tmp_path / "neg-inf-rate.toml").write_text(tomli_w.dumps(rates), encoding="utf-8")
    conveyor = (Path(loader.__file__).parent / "conveyor.toml").read_text(encoding="utf-8")
    (tmp_path / "inf-scale.toml").write_text(conveyor.replace("scale = 0.01", "scale = inf"), encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    return tmp_path


CASES = [
    # nan and inf in TOML numbers, by key
    (("tags", "--line", "nan-flush.toml"), "key 'historian.flush_s': expected a finite number, got nan"),
    (("tags", "--line", "inf-port.toml"), "key 'connections[0].port': expected a finite number, got inf"),
    (("tags", "--line", "neg-inf-rate.toml"), "key 'scan_groups[0].rate_ms': expected a finite number, got -inf"),
    (("profile", "show", "inf-scale.toml"), "scale': expected a finite number, got inf"),
    # nan and inf as values and method arguments
    (("write", "--line", "line.toml", "conveyor.speed_setpoint", "nan"), "value 'nan': expected a finite number"),
    (("write", "--line", "line.toml", "conveyor.speed_setpoint", "inf"), "value 'inf': expected a finite number"),
    (("write", "--line", "line.toml", "conveyor.speed_setpoint", "--", "-Infinity"), "expected a finite number"),
    (("call", "--line", "line.toml", "process.StartBatch", "nan", "600"), "value 'nan': expected a finite number"),
    (("call", "--line", "line.toml", "process.StartBatch", "120", "inf"), "value 'inf': expected a finite number"),
    (("call", "--line", "line.toml", "process.StartBatch", "300", "600"),
     "process.StartBatch: argument setpoint must be in 20..250, got 300"),
    (("call", "--line", "line.toml", "process.StartBatch", "120", "-1"),
     "process.StartBatch: argument soak_s must be in 0..86400, got -1"),
    (("call", "--line", "line.toml", "process.StartBatch", "120", "1.5"), "argument soak_s is a uint32, got 1.5"),
    # ports
    (("sim", "--feeder-port", "70000"), "--feeder-port: expected a port 0..65535, got 70000"),
    (("sim", "--feeder-port", "-5"), "--feeder-port: expected a port 0..65535, got -5"),
    (("sim", "--camera-port", "http"), "--camera-port: expected a port 0..65535, got 'http'"),
    (("lab", "--feeder-port", "0", "--conveyor-port", "0", "--fieldbus-link", "fieldbus", "--process-port", "65536"),
     "--process-port: expected a port 0..65535, got 65536"),
    # paths
    (("read", "--line", "line.toml", "--db", "a-file/history.db", "conveyor.speed_actual"),
     "--db: a-file/history.db: a-file is a file, not a folder"),
    (("history", "--line", "line.toml", "--db", "a-file/x/history.db", "conveyor.speed_actual"),
     "a-file is a file, not a folder"),
    (("edge", "run", "--line", "line.toml", "--db", "."), "--db: .: is a folder; expected a file"),
    (("read", "--line", "db-under-file.toml", "conveyor.speed_actual"), "historian.path"),
    (("lab", "report", "--progress", "a-file/progress.db"), "--progress: a-file/progress.db: a-file is a file"),
    (("history", "--line", "line.toml", "conveyor.speed_actual", "--since", "0m"), "duration '0m': expected more than 0"),
    (("sim", *FREE_PORTS, "--fieldbus-link", "a-file"), "a-file exists and is not a symlink"),
    (("tags", "--line", "no-such.toml"), "no-such.toml: no such file"),
    (("tags", "--line", "."), "cannot read"),
    # other numbers
    (("sim", "--time-scale", "nan"), "--time-scale: expected 0.1..100, got nan"),
    (("sim", "--defect-rate", "inf"), "--defect-rate: expected 0..1, got inf"),
    (("sim", "--seed", "1.5"), "--seed: invalid int value: '1.5'"),
    (("inspect", "evaluate", "--diameter", "nan"), "--diameter: expected 1..1000, got nan"),
    (("inspect", "evaluate", "--defect-rate", "inf"), "--defect-rate: expected 0..1, got inf"),
    (("history", "--line", "line.toml", "conveyor.speed_actual", "--since", "nan"), "duration 'nan'"),
    (("watch", "--line", "line.toml", "conveyor.speed_actual", "--count", "-1"), "--count: expected a whole number 1..1000000000, got -1"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(argv) for argv, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(folder, capsys, argv, message):
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in out + err
