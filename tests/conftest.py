"""Test-wide guards: no test may leak asyncio tasks, threads or sockets; Debian peers that are missing skip their tests.

A test that runs a Debian program is marked `@pytest.mark.debian("command")`; tests/peers/debian.toml says
which package has it (`python3 dev.py test` installs it as root). Without it the test is skipped with the
install command as the reason, and the run ends by saying how many were skipped and why: the only skip.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import tempfile
import threading
import tomllib
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("smarthall", deadline=None)  # no test asserts on wall-clock speed, a loaded CI machine
settings.load_profile("smarthall")                      # included (hypothesis' 200 ms deadline did)

pytest_plugins = ("tests.sparkplug_host", "pytester")  # Mosquitto and Sparkplug fixtures; pytest's own pytester
LEAK_GRACE_S = 2.0
LEAK_CANCELS = 5  # times a task left running is cancelled before the test's loop closes
TEST_CACHE = Path(tempfile.gettempdir()) / f"smarthall-test-cache-{os.getuid()}"
DEBIAN = tomllib.loads((Path(__file__).parent / "peers" / "debian.toml").read_text(encoding="utf-8"))
MISSING_PEER = "needs a Debian package: "


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "debian(command): runs this Debian program (tests/peers/debian.toml)")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        missing = sorted({DEBIAN[m.args[0]] for m in item.iter_markers("debian") if shutil.which(m.args[0]) is None})
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"{MISSING_PEER}sudo apt-get install -y {' '.join(missing)}"
                                                    " (or run `python3 dev.py test` as root)"))


def pytest_terminal_summary(terminalreporter) -> None:
    """How many tests were skipped for a missing Debian package, and the one command that installs them all."""
    skipped, packages = 0, set()
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        if MISSING_PEER in reason:
            skipped += 1
            packages.update(reason.split(MISSING_PEER, 1)[1].split(" (or run")[0].split()[4:])
    if packages:
        terminalreporter.write_line(f"{skipped} test(s) skipped, Debian package(s) missing:"
                                    f" sudo apt-get install -y {' '.join(sorted(packages))}", yellow=True)


def _open_sockets() -> set[str]:
    """Inodes of this process's open sockets, from /proc."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@pytest.fixture(autouse=True)
def own_log_file(tmp_path_factory, monkeypatch):
    """`smarthall` logs into the test's own state folder, and its handlers leave with the test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "smarthall", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture(autouse=True)
def own_environment(monkeypatch, tmp_path):
    """No test touches the user's data folder (nor needs a writable HOME): each has its own. The cache (asyncua's
    standard address space, read only once built) is the test runs' own, shared by them. The language is English
    unless a test asks for Korean (--lang ko, or LANG set by the test), whatever the caller's LANG."""
    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path / "smarthall-data"))
    monkeypatch.setenv("SMARTHALL_CACHE", str(TEST_CACHE))
    monkeypatch.setenv("LANG", "C.UTF-8")
    for variable in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def no_leaks(monkeypatch):
    """Fail a test that leaves tasks running, threads alive or sockets open."""
    leaked_tasks: list[str] = []
    original_close = asyncio.Runner.close

    def close_and_check(runner: asyncio.Runner) -> None:
        loop = getattr(runner, "_loop", None)
        if loop is not None and not loop.is_closed():
            left = [t for t in asyncio.all_tasks(loop) if not t.done()]
            leaked_tasks.extend(repr(t.get_coro()) for t in left)
            for _ in range(LEAK_CANCELS):  # asyncio cancels once and waits for ever: a task that swallowed that
                if not left:               # one cancellation hung the whole run instead of failing this test
                    break
                for task in left:
                    task.cancel()
                _, pending = loop.run_until_complete(asyncio.wait(left, timeout=LEAK_GRACE_S))
                left = list(pending)
        original_close(runner)

    monkeypatch.setattr(asyncio.Runner, "close", close_and_check)
    threads_before = set(threading.enumerate())
    sockets_before = _open_sockets()
    yield
    new_threads = [t for t in threading.enumerate() if t not in threads_before]
    for thread in new_threads:
        thread.join(LEAK_GRACE_S)
    gc.collect()
    leaked_threads = [t.name for t in new_threads if t.is_alive()]
    leaked_sockets = _open_sockets() - sockets_before
    assert not leaked_tasks, f"test left asyncio tasks running: {leaked_tasks}"
    assert not leaked_threads, f"test left threads alive: {leaked_threads}"
    assert not leaked_sockets, f"test left {len(leaked_sockets)} socket(s) open"
