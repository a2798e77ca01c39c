"""Log records go to the log file, never to the console (unless --debug); the lab gets one line per logger a minute."""

from __future__ import annotations

import logging

from smarthall import cli, logs, profile_commands


def test_library_warnings_go_to_the_log_file_not_the_console(tmp_path, capfd):
    path = logs.setup(path=tmp_path / "state" / "smarthall.log")
    logging.getLogger("asyncua.server.binary_server_asyncio").warning("peer %s sent garbage", "10.0.0.9")
    logging.getLogger("pymodbus.logging").info("a connection per line")  # below WARNING for libraries
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert capfd.readouterr().err == ""
    text = path.read_text(encoding="utf-8")
    assert "asyncua.server.binary_server_asyncio: peer 10.0.0.9 sent garbage" in text
    assert "a connection per line" not in text


def test_debug_also_shows_records_on_stderr(tmp_path, capfd):
    logs.setup(debug=True, path=tmp_path / "smarthall.log")
    logging.getLogger("pymodbus.logging").debug("every byte")
    assert "every byte" in capfd.readouterr().err


def test_a_state_path_under_a_file_falls_back_to_the_temp_folder(tmp_path):
    (tmp_path / "a-file").write_text("x")
    path = logs.setup(path=tmp_path / "a-file" / "smarthall.log")
    assert path.name.startswith("smarthall-") and path.parent.is_dir()


def test_the_status_line_shows_one_line_per_logger_a_minute():
    shown, now = [], [0.0]
    handler = logs.StatusLine(shown.append, clock=lambda: now[0])
    logger = logging.getLogger("test.status")
    logger.addHandler(handler)
    try:
        logger.warning("first\nsecond line of it")
        logger.warning("held back")
        logger.info("not a warning")
        now[0] = 61
        logger.error("again")
    finally:
        logger.removeHandler(handler)
    assert shown == ["test.status: first", "test.status: again"]


def test_an_unexpected_error_is_one_line_naming_the_log_file(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(profile_commands, "_show", broken)
    assert cli.main(["profile", "show", "feeder"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error: RuntimeError: a bug" in err[0] and "smarthall.log" in err[0]
    assert "Traceback" not in err[0]
