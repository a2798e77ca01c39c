#!/usr/bin/env python3
"""Set up and run Smart Hall with nothing but Python 3.11+.

    python3 dev.py lab     # create .venv, install, run the lab on the simulated line
    python3 dev.py test    # create .venv, install with test extras and mbpoll, run the tests
    python3 dev.py bench   # run the benchmarks

Extra arguments after the command go to the program (pytest, smarthall).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
DEBIAN_PACKAGES = {"mbpoll": "mbpoll"}  # command -> Debian package, for the interop tests


def ensure_venv(extras: str = "") -> None:
    """Create .venv and install the project (again only when pyproject.toml changed)."""
    if sys.version_info < (3, 11):
        sys.exit(f"Smart Hall needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed{extras}"
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}{extras}"])
        stamp.touch()


def ensure_debian_packages() -> None:
    """Install the third-party peers the interop tests talk to (needs root and apt)."""
    missing = [pkg for cmd, pkg in DEBIAN_PACKAGES.items() if shutil.which(cmd) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"note: the interop tests need {', '.join(missing)}; install them (apt-get install {' '.join(missing)})"
              " or run this as root on Debian/Ubuntu", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env)


def run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    os.chdir(ROOT)
    if command == "lab":
        ensure_venv()
        os.execv(str(VENV / "bin" / "smarthall"), ["smarthall", "lab", *rest])
    if command == "test":
        ensure_venv("[test]")
        ensure_debian_packages()
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest])
    if command == "bench":
        ensure_venv("[test]")
        for bench in sorted((ROOT / "benchmarks").glob("*.py")):
            run([str(PYTHON), str(bench), *rest])
        return 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
