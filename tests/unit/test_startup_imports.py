"""Commands import only what they use: `smarthall --help`, `tags`, `lesson list` and `profile show` start without
asyncua, pymodbus, OpenCV, numpy or Textual (together about 24x Python's own start-up; benchmarks/startup.py).
`read` through a running agent is checked beside the agent (tests/integration/test_edge_service.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smarthall import inspect_commands
from smarthall.simulators.camera.samples import CONDITIONS

HEAVY = ("asyncua", "pymodbus", "cv2", "numpy", "textual")
LINE = ("smarthall.edge.agent", "smarthall.edge.config", "smarthall.lessons", "sqlite3")  # what opens a line
PROBE = """
import contextlib, io, sys
from smarthall.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(code, *sorted(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("command", [["--help"], ["tags"], ["lesson", "list"], ["profile", "show", "conveyor"],
                                     ["lab", "--help"], ["sim", "--help"], ["inspect", "--help"]])
def test_a_light_command_imports_no_heavy_library(command, tmp_path):
    assert heavy_imports(command, tmp_path, {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}) == []


def heavy_imports(command: list[str], cwd, env: dict[str, str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of `heavy` `smarthall COMMAND` imported, run in a fresh process; it must succeed."""
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=heavy), *command], capture_output=True,
                            text=True, cwd=cwd, env=env)
    assert result.returncode == 0 and result.stdout.split()[:1] == ["0"], result.stderr
    return result.stdout.split()[1:]


def test_inspect_offers_the_camera_simulators_conditions():
    assert inspect_commands.CONDITIONS == tuple(CONDITIONS)


def test_opencv_quiet_settings_only_where_opencv_is_used(tmp_path):
    """The pytest11 entry point imports smarthall in every pytest run where it is installed: that sets no
    OPENCV_* variable; importing OpenCV through the package does (before cv2 loads)."""
    probe = ("import os, sys, importlib; importlib.import_module(sys.argv[1]); "
             "print(sorted(key for key in os.environ if key.startswith('OPENCV_')))")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def opencv_variables(module: str) -> str:
        result = subprocess.run([sys.executable, "-c", probe, module], capture_output=True, text=True, env=env,
                                cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert opencv_variables("smarthall.pytest_plugin") == "[]"
    assert opencv_variables("smarthall.edge.inspection.pipeline") == "['OPENCV_FFMPEG_LOGLEVEL', 'OPENCV_LOG_LEVEL']"


def test_the_lab_draws_its_console_before_loading_the_line_s_machinery(tmp_path):
    """What `smarthall lab` imports before its first draw (the command, the console): no protocol library, OpenCV
    nor the edge agent; they load behind the drawn console, as the line starts."""
    probe = ("import sys, smarthall.lab_command, smarthall.lessons.console.app; "
             "print(*sorted(name for name in sys.argv[1:] if name in sys.modules))")
    behind = ("asyncua", "pymodbus", "cv2", "smarthall.edge.agent", "smarthall.edge.scan")
    result = subprocess.run([sys.executable, "-c", probe, *behind], capture_output=True, text=True, cwd=tmp_path,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
