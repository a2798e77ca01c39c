#!/usr/bin/env python3
"""Set up and run Smart Hall with nothing but Python 3.11+.

    python3 dev.py lab     # create .venv, install, run the lab on the simulated line
    python3 dev.py test    # also the Debian and npm peers the tests use, then the tests
    python3 dev.py check   # ruff and mypy (what .ci/run runs before the tests)
    python3 dev.py bench   # run the benchmarks
    python3 dev.py lock    # refresh requirements.lock after changing pyproject.toml's dependencies (--upgrade: all)

Extra arguments after the command go to the program (pytest, smarthall). .venv gets the exact
versions in requirements.lock (with hashes); pyproject.toml keeps the ranges the wheel allows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
PEERS = ROOT / "tests" / "peers"
DEBIAN = tomllib.loads((PEERS / "debian.toml").read_text(encoding="utf-8"))  # command -> Debian package
MAPPED_FOLDERS = ("devices", "edge", "lessons", "simulators", "lines", "recipes")  # as setup.py maps them
VENV_PACKAGE = f"python3.{sys.version_info[1]}-venv"
LOCK_COMMAND = ["uv", "pip", "compile", "pyproject.toml", "--extra", "test", "--universal", "--generate-hashes",
                "--python-version", "3.11", "--no-header", "--quiet", "--output-file", LOCK.name]


def say(text: str) -> None:
    print(f"dev.py: {text}", flush=True)


def ensure_venv() -> None:
    """.venv with the locked dependencies and this project (editable); rebuilt when broken, reinstalled when the lock moved."""
    ensure_bare_venv()
    stamp = VENV / ".installed"
    wanted = _digest(LOCK, ROOT / "pyproject.toml", ROOT / "setup.py")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say("installing dependencies, about 1-3 min, first time only")
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes",
         "--no-deps", "-r", str(LOCK)])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "-e", str(ROOT)])
    say("preparing the OPC UA servers' standard address space, about 5-20 s, first time only")
    run([str(PYTHON), "-m", "smarthall.devices.opcua.standard_space"])
    stamp.write_text(wanted)


def ensure_bare_venv() -> None:
    """.venv with a working python and pip, made again when broken (e.g. half-made without ensurepip)."""
    if sys.version_info < (3, 11):
        sys.exit(f"Smart Hall needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if VENV.exists() and not _works(PYTHON, "-m", "pip", "--version"):
        say(f"{VENV} is broken (no working python or pip in it): making it again")
        shutil.rmtree(VENV)
    if not VENV.exists():
        _ensure_ensurepip()
        say(f"creating {VENV}")
        _venv_create()


def _venv_create() -> None:
    """python -m venv in a child, so a failure (no ensurepip) leaves a message, not a half-made .venv."""
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
    if result.returncode or not _works(PYTHON, "-m", "pip", "--version"):
        shutil.rmtree(VENV, ignore_errors=True)
        sys.exit(f"dev.py: cannot create {VENV}: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")


def _ensure_ensurepip() -> None:
    """Debian splits venv's pip bootstrap into pythonX.Y-venv: install it as root, else say how."""
    if _works(Path(sys.executable), "-c", "import ensurepip"):
        return
    if not _can_apt():
        sys.exit(f"dev.py: Python's venv needs the Debian package {VENV_PACKAGE}: "
                 f"sudo apt-get install -y {VENV_PACKAGE}, then run this again")
    apt_install([VENV_PACKAGE])


def ensure_debian_packages() -> None:
    """The third-party peers the tests talk to, from Debian (as root); without root their tests are skipped."""
    missing = sorted({package for command, package in DEBIAN.items() if shutil.which(command) is None})
    if not missing:
        return
    if not _can_apt():
        say(f"not root: tests needing {', '.join(missing)} are skipped (sudo apt-get install -y {' '.join(missing)})")
        return
    apt_install(missing)


def apt_install(packages: list[str]) -> None:
    say(f"installing Debian packages {', '.join(packages)}, about 30-90 s, first time only")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], env=env, stdout=subprocess.DEVNULL)


def ensure_npm_peers() -> None:
    """tests/peers/node_modules from package-lock.json (`npm ci`), again only when the lock changed."""
    if shutil.which("npm") is None:
        return
    stamp = PEERS / "node_modules" / ".installed"
    wanted = _digest(PEERS / "package-lock.json")
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say("installing the npm test peers (npm ci in tests/peers)")
    run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=PEERS)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(wanted)


def lock(rest: list[str]) -> int:
    """Refresh requirements.lock from pyproject.toml's ranges, keeping the pins that still fit (--upgrade: newest of all).

    uv, because it resolves once for every platform and Python >= 3.11 (--universal); pip-compile locks for
    the Python and platform it runs on only.
    """
    ensure_bare_venv()
    uv = VENV / "bin" / "uv"
    if not uv.exists():
        run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv"])
    run([str(uv), *LOCK_COMMAND[1:], *rest], cwd=ROOT)
    say(f"wrote {LOCK.name}; commit it with pyproject.toml")
    return 0


def typecheck_tree() -> None:
    """build/typecheck/smarthall: the folders under their import names, as setup.py maps them, for mypy
    (which cannot follow setuptools' editable finder): smarthall/*.py, devices/ as smarthall/devices, ..."""
    tree = ROOT / "build" / "typecheck" / "smarthall"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    for source in [*(ROOT / "smarthall").glob("*.py"), *(ROOT / name for name in MAPPED_FOLDERS)]:
        (tree / source.name).symlink_to(source)


def _can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _works(python: Path, *args: str) -> bool:
    try:
        return subprocess.run([str(python), *args], capture_output=True).returncode == 0
    except OSError:
        return False


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()


def run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    os.chdir(ROOT)
    if command == "lab":
        ensure_venv()
        say("in another terminal, `source .venv/bin/activate` makes `smarthall` a command (or type .venv/bin/smarthall)")
        os.execv(str(VENV / "bin" / "smarthall"), ["smarthall", "lab", *rest])
    if command == "test":
        ensure_debian_packages()
        ensure_venv()
        ensure_npm_peers()
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest])
    if command == "check":
        ensure_venv()
        typecheck_tree()
        return subprocess.call([str(PYTHON), "-m", "ruff", "check", *rest]) or subprocess.call(
            [str(PYTHON), "-m", "mypy"])
    if command == "bench":
        ensure_venv()
        for bench in sorted((ROOT / "benchmarks").glob("*.py")):
            run([str(PYTHON), str(bench), *rest])
        return 0
    if command == "lock":
        return lock(rest)
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
