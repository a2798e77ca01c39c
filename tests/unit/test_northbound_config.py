"""The line file's [northbound] table and the status codes the server gives tag values (no sockets)."""

from __future__ import annotations

import pytest
from asyncua import ua

from smarthall.devices.quality import Quality
from smarthall.edge.config import DEFAULT_LINE, LineConfigError, load_line
from smarthall.edge.northbound.status import status_code
from smarthall.edge.northbound.units import eu_information, unit_id

SIM = DEFAULT_LINE.read_text(encoding="utf-8")
_TABLE = SIM.index("[northbound]")
SIM = SIM[:_TABLE] + SIM[SIM.index("\n\n", _TABLE) + 2:]  # the line without its [northbound] table


def test_defaults_listen_on_loopback_4850_with_every_security_mode(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(SIM, encoding="utf-8")
    settings = load_line(path, {"historian": {"path": str(tmp_path / "h.db")}}).northbound
    assert (settings.enabled, settings.host, settings.port, settings.anonymous) == (True, "127.0.0.1", 4850, True)
    assert settings.security == ("None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt")
    assert settings.pki == tmp_path / "sim-opcua"  # the line's data folder, beside the history


def test_a_table_sets_port_host_security_and_a_pki_relative_to_the_line_file(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(SIM + '\n[northbound]\nport = 0\nhost = "0.0.0.0"\nanonymous = false\n'
                    'security = ["Basic256Sha256_SignAndEncrypt"]\npki = "certs"\n', encoding="utf-8")
    settings = load_line(path).northbound
    assert (settings.port, settings.host, settings.anonymous) == (0, "0.0.0.0", False)
    assert settings.security == ("Basic256Sha256_SignAndEncrypt",) and settings.pki == tmp_path / "certs"


BAD_TABLES = {
    "unknown key": ('prot = 4850', r"\[northbound\]: unknown key 'prot': expected one of anonymous, enabled, host"),
    "port out of range": ("port = 70000", r"\[northbound\]: key 'port': expected 0\.\.65535, got 70000"),
    "port not whole": ("port = 4850.5", r"\[northbound\]: key 'port': expected a whole number"),
    "anonymous not a bool": ('anonymous = "no"', r"\[northbound\]: key 'anonymous': expected bool, got 'no'"),
    "unknown security mode": ('security = ["Basic128"]', (r"\[northbound\]: key 'security': expected a list of None, "
                              r"Basic256Sha256_Sign, Basic256Sha256_SignAndEncrypt, got \['Basic128'\]")),
    "no security mode": ("security = []", r"\[northbound\]: key 'security': expected a list of"),
    "None off loopback": ('host = "0.0.0.0"', (r"\[northbound\]: key 'security': \"None\" on 0.0.0.0 would send "
                          r"passwords in clear off this machine; remove it, or set insecure_remote = true")),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_northbound_table_is_one_clear_message(tmp_path, case):
    line, expected = BAD_TABLES[case]
    path = tmp_path / "line.toml"
    path.write_text(f"{SIM}\n[northbound]\n{line}\n", encoding="utf-8")
    with pytest.raises(LineConfigError, match=expected) as caught:
        load_line(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_none_off_loopback_only_when_asked_for(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(f'{SIM}\n[northbound]\nhost = "0.0.0.0"\ninsecure_remote = true\n', encoding="utf-8")
    assert "None" in load_line(path).northbound.security


STATUS = {
    (Quality.GOOD, ""): "Good",
    (Quality.STALE, "UncertainSubNormal"): "UncertainSubNormal",
    (Quality.STALE, "stalled"): "UncertainLastUsableValue",
    (Quality.BAD, "BadSensorFailure"): "BadSensorFailure",  # an OPC UA device's own status
    (Quality.BAD, "not connected"): "BadNotConnected",
    (Quality.BAD, "timeout"): "BadTimeout",
    (Quality.BAD, "exception 02 illegal data address"): "BadDeviceFailure",
    (Quality.BAD, "exception 0B gateway target device failed to respond"): "BadNoCommunication",
    (Quality.BAD, "bad settings"): "BadConfigurationError",
    (Quality.BAD, "no value yet: the edge agent computes it while it runs"): "BadWaitingForInitialData",
    (Quality.BAD, "camera closed the stream"): "BadCommunicationError",
    (Quality.BAD, "Bad"): "Bad",
}


@pytest.mark.parametrize(("quality", "reason"), sorted(STATUS))
def test_quality_and_reason_map_to_a_status_code(quality, reason):
    assert ua.StatusCode(status_code(quality, reason)).name == STATUS[quality, reason]


def test_units_carry_their_unece_code():
    assert unit_id("CEL") == 0x43454C
    assert eu_information("kWh").UnitId == unit_id("KWH")
    assert eu_information("furlongs").UnitId == -1 and eu_information("furlongs").DisplayName.Text == "furlongs"
