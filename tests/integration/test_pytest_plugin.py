"""The pytest plugin as a user's project meets it: pytest's pytester runs projects in their own pytest processes.

The example project in examples/ci (its own pyproject and tests) runs here as CI would run it, with
one failing wait added to show what its message says; the plugin stays out of a project that does
not ask for it; two xdist workers get a line each, side by side.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ci"

pytestmark = pytest.mark.timeout(900)  # pytest processes starting simulated lines and agents on a loaded machine


def test_the_plugin_is_off_and_imports_nothing_until_a_project_turns_it_on(pytester):
    pytester.makepyfile(test_unrelated="""
        import sys

        def test_nothing_of_smarthall_is_imported_but_the_entry_point(request):
            assert request.config.pluginmanager.has_plugin("smarthall")  # the entry point: options only
            assert sorted(m for m in sys.modules if m.split(".")[0] == "smarthall") == ["smarthall",
                                                                                       "smarthall.pytest_plugin"]

        def test_no_fixture(smarthall_line):
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'smarthall_line' not found*"])


def test_the_example_project_passes_and_a_failing_wait_shows_the_last_values(pytester):
    shutil.copy(EXAMPLE / "pyproject.toml", pytester.path)
    shutil.copytree(EXAMPLE / "tests", pytester.path / "tests")
    with open(pytester.path / "tests" / "test_edge.py", "a", encoding="utf-8") as tests:
        tests.write("\n\ndef test_a_wait_that_cannot_be_met(smarthall_edge):\n"
                    "    smarthall_edge.wait_for('feeder.feed_interval_ms', lambda ms: ms < 1000, timeout=0.5)\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-ra")
    result.assert_outcomes(passed=9, failed=1)  # every test of examples/ci/tests, and the added one
    result.stdout.fnmatch_lines([
        ("*AssertionError: feeder.feed_interval_ms: quality good and lambda ms: ms < 1000 not met within 0.5 s;"
        " last values (oldest first):"),
        "*feeder.feed_interval_ms  2000  [[]good[]]",
    ])
    assert "portal.py" not in result.stdout.str()  # the failure points at the test, not into the plugin


def test_two_xdist_workers_run_a_line_each_side_by_side_with_the_command_lines_settings(pytester, tmp_path):
    seen = tmp_path / "seen"
    seen.mkdir()
    os.mkfifo(tmp_path / "meet")  # opening it blocks until the other worker opens it too: both lines are up
    pytester.makepyfile(test_side_by_side=f"""
        import json, os
        from pathlib import Path

        from pymodbus.client import ModbusTcpClient

        def meet(line, name, mode):
            Path({str(seen)!r}, name + ".json").write_text(json.dumps({{
                "worker": os.environ["PYTEST_XDIST_WORKER"], "folder": str(line.folder), "rtu": line.endpoints.rtu,
                "port": line.endpoints.modbus["feeder"][1], "line_file": str(line.line_file),
                "seed": line.simulated.plant.config.seed, "time_scale": line.simulated.pacer.time_scale}}))
            with open({str(tmp_path / "meet")!r}, mode):
                pass
            host, port = line.endpoints.modbus["feeder"]
            client = ModbusTcpClient(host, port=port)
            assert client.connect()
            try:
                assert client.read_input_registers(0, count=1, device_id=1).registers == [50]
            finally:
                client.close()

        def test_one(smarthall_line):
            meet(smarthall_line, "one", "w")

        def test_two(smarthall_line):
            meet(smarthall_line, "two", "r")
    """)
    result = pytester.runpytest_subprocess("-p", "smarthall", "-n", "2", "-p", "no:cacheprovider", "--timeout", "600",
                                           "--smarthall-seed", "4", "--smarthall-time-scale", "5")
    result.assert_outcomes(passed=2)
    one, two = (json.loads((seen / f"{name}.json").read_text()) for name in ("one", "two"))
    assert one["worker"] != two["worker"]
    assert (one["seed"], one["time_scale"]) == (two["seed"], two["time_scale"]) == (4, 5.0)  # the command line's
    for key in ("folder", "rtu", "port", "line_file"):
        assert one[key] != two[key], key
