"""The `smarthall` command's own behaviour (no simulators needed)."""

from __future__ import annotations

import pytest

from smarthall import logs
from smarthall.cli import main
from smarthall.docs import LESSON_FORMAT, STATION_INTERFACE, lesson_format_page, station_interface_page


def test_profile_show_prints_the_conveyor_map(capsys):
    assert main(["profile", "show", "conveyor"]) == 0
    out = capsys.readouterr().out
    assert "speed_setpoint" in out and "run_seconds" in out and "uint32 ABCD" in out


def test_profile_show_in_korean_before_or_after_the_command(capsys):
    assert main(["--lang", "ko", "profile", "show", "feeder"]) == 0
    before = capsys.readouterr().out
    assert main(["profile", "show", "feeder", "--lang", "ko"]) == 0
    assert capsys.readouterr().out == before
    assert "매거진에 남은 부품 수" in before


def test_unknown_profile_is_one_line_and_exit_2(capsys):
    assert main(["profile", "show", "oven"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown profile 'oven'" in err and "Traceback" not in err


def test_a_password_that_cannot_be_asked_is_one_line_in_the_chosen_language(monkeypatch, capsys):
    def stdin_closed(prompt: str) -> str:
        raise EOFError
    monkeypatch.delenv("SMARTHALL_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", stdin_closed)
    assert main(["--lang", "ko", "read", "conveyor.speed_actual", "--user", "kim"]) == 2
    assert capsys.readouterr().err == (
        "smarthall: --user kim: 비밀번호가 입력되지 않았습니다 (입력하거나 SMARTHALL_PASSWORD에 두세요)\n")


def test_bad_profile_file_is_one_line_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "broken.toml"
    bad.write_text("[profile]\nname = 1\n", encoding="utf-8")
    assert main(["profile", "show", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_station_interface_doc_is_generated_from_the_profiles():
    assert STATION_INTERFACE.read_text(encoding="utf-8") == station_interface_page(), (
        "docs/station-interface.md is stale: run `python -m smarthall.docs`")


def test_lesson_format_doc_is_generated_from_the_schema_and_the_fault_catalogue():
    assert LESSON_FORMAT.read_text(encoding="utf-8") == lesson_format_page(), (
        "docs/lesson-format.md is stale: run `python -m smarthall.docs`")


def test_lab_help_names_the_log_file(capsys):
    with pytest.raises(SystemExit):
        main(["lab", "--help"])
    assert str(logs.default_path()) in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(("arguments", "expected"), [
    (["--broker", "mqtt://127.0.0.1:1883", "--ca-file", "ca.crt"], "--ca-file: a CA file needs TLS"),
    (["--broker", "mqtts://127.0.0.1:8883", "--ca-file", "no-such-ca.crt"], "--ca-file: no such file"),
    (["--broker", "mqtt://127.0.0.1:1883", "--password-file", "no-such-file"], "--password-file: cannot read"),
])
def test_centre_credentials_it_cannot_use_are_one_line_and_exit_2(arguments, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", "en", "centre", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smarthall: {expected}") and err.count("\n") == 1
