"""The wheel is the product: built from a copy of the sources, installed into a fresh venv outside the checkout,
it owns one import name and runs `smarthall tags`, `lesson list`, `sim` and `lab` with nothing from the repository.

The wheel is installed for real (no editable finder); its dependencies come from this test environment
(the lock) through a .pth file, so the test needs no network.
"""

from __future__ import annotations

import shutil
import signal
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from smarthall.edge.config import load_line
from smarthall.lessons.loader import CATALOGUE, load_catalogue
from tests.conftest import TEST_CACHE
from tests.waiting import until

pytestmark = pytest.mark.timeout(300)  # building and installing a wheel, then a lab, on a loaded machine
ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "node_modules", "__pycache__",
                              ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache")
FREE_PORTS = ["--feeder-port", "0", "--conveyor-port", "0", "--process-port", "0", "--control-port", "0",
              "--camera-port", "0"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(the built wheel, the fresh venv's bin folder, an environment whose data folders are the test's own)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp / "dist"), str(source)], check=True, capture_output=True, cwd=tmp)
    wheel = next((tmp / "dist").glob("smarthall-*.whl"))
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, capture_output=True, cwd=tmp)
    purelib = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    home = tmp / "home"
    home.mkdir()
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "SMARTHALL_CACHE": str(TEST_CACHE)}  # the tests' asyncua shelf (its first build: test_opcua_standard_space)
    return wheel, env_dir / "bin", env


def smarthall(installed, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    _, bin_dir, env = installed
    return subprocess.run([str(bin_dir / "smarthall"), *args], capture_output=True, text=True, env=env,
                          cwd=env["HOME"], timeout=timeout)


def test_the_wheel_owns_one_import_name(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"smarthall"}
    assert {"smarthall/lines/sim.toml", "smarthall/lines/sim-users.toml", "smarthall/recipes/default.toml",
            "smarthall/lessons/catalogue/info.toml", "smarthall/lessons/glossary.toml",
            "smarthall/devices/profiles/conveyor.toml", "smarthall/edge/sparkplug/sparkplug_b.proto",
            "smarthall/brokers/mosquitto/acl", "smarthall/brokers/mosquitto/smarthall.conf"} <= set(names)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    _, bin_dir, env = installed
    where = subprocess.run([str(bin_dir / "python"), "-c", "import smarthall.edge; print(smarthall.edge.__file__)"],
                           capture_output=True, text=True, env=env, cwd=env["HOME"], check=True).stdout
    assert where.startswith(str(bin_dir.parent)), where


def test_tags_and_lesson_list_from_the_wheel(installed):
    tags = smarthall(installed, "tags")
    assert tags.returncode == 0, tags.stderr
    assert "conveyor.speed_actual" in tags.stdout and "vision.inspected" in tags.stdout
    lessons = smarthall(installed, "lesson", "list")
    assert lessons.returncode == 0, lessons.stderr
    listed = len(load_catalogue(CATALOGUE, load_line()).lessons)  # as many as the source tree's catalogue holds
    assert len(lessons.stdout.splitlines()) == listed and "data-collection" in lessons.stdout, lessons.stdout
    assert smarthall(installed, "lesson", "validate").returncode == 0


def test_the_docs_the_program_prints_come_from_the_wheel(installed):
    """The station interface the lessons point to (`smarthall profile show`), as docs/station-interface.md has it."""
    shown = smarthall(installed, "profile", "show", "conveyor", "--markdown")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() and shown.stdout in (ROOT / "docs" / "station-interface.md").read_text(encoding="utf-8")
    listed = smarthall(installed, "profile", "list")
    assert listed.returncode == 0 and str(ROOT) not in listed.stdout, listed.stdout + listed.stderr


async def test_sim_from_the_wheel_runs_until_interrupted(installed, tmp_path):
    _, bin_dir, env = installed
    out = tmp_path / "sim.out"
    with out.open("w") as stdout:
        sim = subprocess.Popen([str(bin_dir / "smarthall"), "sim", *FREE_PORTS, "--fieldbus-link", str(tmp_path / "bus")],
                               stdout=stdout, stderr=subprocess.STDOUT, env=env, cwd=env["HOME"])
        try:
            await until(lambda: "camera" in out.read_text() or sim.poll() is not None, timeout=60)
            assert sim.poll() is None, out.read_text()
            sim.send_signal(signal.SIGINT)
            assert sim.wait(30) == 0, out.read_text()
        finally:
            if sim.poll() is None:
                sim.kill()
                sim.wait()
    assert "/camera/stream.mjpg" in out.read_text()


def test_lab_from_the_wheel_starts_and_draws_the_lesson_list(installed, tmp_path):
    lab = smarthall(installed, "lab", "--exit-when-live", *FREE_PORTS, "--fieldbus-link", str(tmp_path / "bus"),
                     "--progress", str(tmp_path / "progress.db"))
    assert lab.returncode == 0, lab.stderr
    assert "Traceback" not in lab.stderr, lab.stderr


def test_two_labs_from_the_wheel_side_by_side_keep_their_own_history_and_progress(installed, tmp_path):
    """Two labs on other port sets at once, one user: each its own history file (and image folder, named after it:
    tests/unit/test_line_config.py) and progress file; both start their lines and quit cleanly."""
    _, bin_dir, env = installed
    env = {**env, "SMARTHALL_DATA": str(tmp_path / "data")}  # this test's data folder: only these two labs' files
    labs = [subprocess.Popen([str(bin_dir / "smarthall"), "lab", "--exit-when-live", *FREE_PORTS,
                              "--fieldbus-link", str(tmp_path / f"bus{i}")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=env["HOME"])
            for i in (1, 2)]
    try:
        for lab in labs:
            assert lab.wait(240) == 0, lab.stderr.read()
    finally:
        for lab in labs:
            if lab.poll() is None:
                lab.kill()
                lab.wait()
    files = sorted(path.name for path in (tmp_path / "data").iterdir())
    assert len([name for name in files if name.startswith("sim-") and not name.endswith("-progress.db")
                and name.endswith(".db")]) == 2, files
    assert len([name for name in files if name.endswith("-progress.db")]) == 2, files  # and their own progress
