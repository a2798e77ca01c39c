"""`smarthall commission` on a simulated line with mistakes planted: each one reported, with what fixes it.

The devices are twins of library profiles; the line file beside them keeps its own copies of the profiles
(found first on the search path) with a wrong word order and a mistyped OPC UA node, says the wrong baud rate
for the RS-485 bus, and names a PLC that is not there.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sys
from contextlib import AsyncExitStack

import pytest

from smarthall.devices.profiles import LIBRARY_DIR
from smarthall.edge.commission import commission, render
from smarthall.edge.config import load_line
from smarthall.simulators.device import DeviceTwin


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _entry(twin: DeviceTwin, name: str, profile: str, **changes: str) -> str:
    """The twin's connection entry naming the profile kept beside the line file, with settings changed."""
    text = re.sub(r'profile = ".*"', f'profile = "{profile}"', twin.connection_table(name))
    for key, value in changes.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text) if f"\n{key} = " in text else text + f"{key} = {value}\n"
    return text


@pytest.fixture
async def planted(tmp_path):
    """A line file and its twins: fx5u word order ABCD (the PLC sends CDAB), TK at 19200 (it runs at 9600), a
    mistyped S7 node, and an XGB nobody answers for."""
    fx5u = (LIBRARY_DIR / "mitsubishi_fx5u.toml").read_text(encoding="utf-8")
    (tmp_path / "mitsubishi_fx5u.toml").write_text(fx5u.replace(
        'address = 10, type = "float32", word_order = "CDAB"', 'address = 10, type = "float32", word_order = "ABCD"'),
        encoding="utf-8")
    s7 = (LIBRARY_DIR / "siemens_s7_1500.toml").read_text(encoding="utf-8")
    (tmp_path / "siemens_s7_1500.toml").write_text(s7.replace('"DB_Line"."Temperature"', '"DB_Line"."Temprature"'),
                                                   encoding="utf-8")
    async with AsyncExitStack() as stack:
        plc = await stack.enter_async_context(DeviceTwin("mitsubishi_fx5u"))
        tk = await stack.enter_async_context(DeviceTwin("autonics_tk"))
        s7_twin = await stack.enter_async_context(DeviceTwin("siemens_s7_1500"))
        plc.set("d10_temperature", 85.5)
        plc.set("d1_speed", 900)
        tk.set("pv", 123.4)
        line = tmp_path / "hall.toml"
        line.write_text('[line]\nname = "hall"\nko = "교육장"\nen = "hall"\n[historian]\npath = "hall.db"\n\n'
                        + _entry(plc, "plc", "mitsubishi_fx5u") + "\n"
                        + _entry(tk, "bus", "autonics_tk", baudrate="19200", timeouts="{ read = 0.2 }") + "\n"
                        + _entry(s7_twin, "s7", "siemens_s7_1500") + "\n"
                        + f'[[connections]]\nname = "xgb"\nprofile = "ls_xgb"\nhost = "127.0.0.1"\nport = {_closed_port()}\n\n'
                        '[[scan_groups]]\nname = "all"\nrate_ms = 500\ntags = ["*"]\n', encoding="utf-8")
        yield line


async def test_each_planted_mistake_is_reported_with_its_fix(planted):
    results = {r.name: r for r in await commission(load_line(planted))}
    plc = {p.tag: p for p in results["plc"].points}
    assert results["plc"].reachable and results["plc"].rtt_median_s is not None
    (word_order,) = plc["fx5u.d10_temperature"].findings
    assert word_order.key == "word_order" and word_order.values["other"] == "CDAB"
    assert word_order.values["other_value"] == pytest.approx(85.5)
    assert [f.key for f in plc["fx5u.d1_speed"].findings] == ["out_of_range"]
    assert not plc["fx5u.d0_count"].findings and plc["fx5u.d0_count"].reading.quality.value == "good"

    bus = results["bus"]
    assert not bus.reachable
    assert [(f.key, f.values.get("baud")) for f in bus.findings if f.problem] == [("bus_silent", 19200),
                                                                                ("answers_at", 9600)]
    assert [f.key for f in bus.findings if not f.problem] == ["note", "note"]  # a pty: no low latency, no RS-485 mode

    s7 = {p.tag: p for p in results["s7"].points}
    (missing,) = s7["s7.temperature"].findings[1:]
    assert missing.key == "similar_nodes" and '"DB_Line"."Temperature"' in missing.values["similar"]
    assert all(p.reading.quality.value == "good" for tag, p in s7.items() if tag != "s7.temperature")

    assert [f.key for f in results["xgb"].findings] == ["unreachable"]
    assert "refused" in results["xgb"].findings[0].values["reason"].en.lower()

    english = render("hall", list(results.values()), "en")
    assert "likely word_order = \"CDAB\"" in english and "autonics" not in english.lower()
    assert "tk answers at 9600 baud: set baudrate = 9600" in english
    korean = render("hall", list(results.values()), "ko", markdown=True)
    assert korean.startswith("# 시운전 점검 보고서: hall") and "baudrate = 9600로 설정하세요" in korean
    assert "- 참고: 저지연 모드를 지원하지 않습니다" in korean and "연결이 거부되었습니다" in korean
    assert "not offered" not in korean and "refused" not in korean
    assert "| fx5u.d10_temperature | good |" in korean


async def test_smarthall_commission_prints_writes_markdown_and_exits_non_zero_on_problems(planted, tmp_path):
    report = tmp_path / "out" / "report.md"
    report.parent.mkdir()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "commission", "--line", str(planted),
                                                "--report", str(report), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 1, err.decode()
    assert b"Traceback" not in err
    printed = out.decode()
    assert printed.startswith("Commissioning report: hall") and f"Report written to {report}." in printed
    assert report.read_text(encoding="utf-8").startswith("# Commissioning report: hall")


async def test_a_missing_serial_port_is_reported_in_korean_and_english(tmp_path):
    line = tmp_path / "bus.toml"
    line.write_text('[line]\nname = "bus"\nko = "버스"\nen = "bus"\n[historian]\npath = "bus.db"\n\n'
                    f'[[connections]]\nname = "tk"\nprofile = "autonics_tk"\nserial = "{tmp_path / "ttyUSB7"}"\n\n'
                    '[[scan_groups]]\nname = "all"\nrate_ms = 500\ntags = ["*"]\n', encoding="utf-8")
    (result,) = await commission(load_line(line))
    assert [f.key for f in result.findings] == ["unreachable"] and not result.reachable
    assert f"serial port {tmp_path / 'ttyUSB7'} is missing: is the adapter plugged in?" in render("bus", [result], "en")
    assert f"시리얼 포트 {tmp_path / 'ttyUSB7'}가 없습니다: 어댑터가 꽂혀 있나요?" in render("bus", [result], "ko")
