"""`smarthall lab`: a busy port is one clear line; `smarthall lab report` prints CSV or Markdown."""

from __future__ import annotations

import contextlib
import socket

from lessons.progress import Progress
from smarthall.cli import main


def test_lab_report_csv_and_markdown(tmp_path, capsys):
    db = tmp_path / "progress.db"
    with Progress(db) as progress:
        progress.complete("team-1", "modbus-tcp", "addressing", by="kim", at=1_700_000_000)
        progress.complete("team-1", "modbus-tcp", "addressing", by="lee", at=1_800_000_000)  # the first one counts
        progress.complete("park", "meet-the-line", "ack-estop", by="instructor", at=1_700_000_100)
    assert main(["lab", "report", "--csv", "--progress", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "trainee,lesson,step,completed,by"
    assert [line.split(",")[:3] + line.split(",")[4:] for line in lines[1:]] == [
        ["park", "meet-the-line", "ack-estop", "instructor"], ["team-1", "modbus-tcp", "addressing", "kim"]]
    assert main(["lab", "report", "--md", "--trainee", "park", "--progress", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| trainee | lesson | step | completed | by |" and len(out) == 3
    assert out[2].startswith("| park | meet-the-line | ack-estop | ")


def test_lab_on_a_busy_port_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with contextlib.ExitStack() as stack:
        busy = stack.enter_context(socket.socket())
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # already taken by someone else: just as busy
            busy.bind(("127.0.0.1", 5020))
            busy.listen()
        assert main(["lab", "--progress", str(tmp_path / "p.db")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["smarthall: feeder (Modbus TCP): port 5020 on 127.0.0.1 is already in use"
                   " (is another `smarthall sim` running?); choose another with --feeder-port"]


def test_lab_with_an_unknown_lesson(tmp_path, capsys):
    assert main(["lab", "--lesson", "nope", "--progress", str(tmp_path / "p.db")]) == 2
    assert "no lesson 'nope'" in capsys.readouterr().err
