"""Test-wide guards: no test may leak asyncio tasks, threads or sockets."""

from __future__ import annotations

import asyncio
import gc
import os
import threading

import pytest

LEAK_GRACE_S = 2.0


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
def no_leaks(monkeypatch):
    """Fail a test that leaves tasks running, threads alive or sockets open."""
    leaked_tasks: list[str] = []
    original_close = asyncio.Runner.close

    def close_and_check(runner: asyncio.Runner) -> None:
        loop = getattr(runner, "_loop", None)
        if loop is not None and not loop.is_closed():
            leaked_tasks.extend(repr(t.get_coro()) for t in asyncio.all_tasks(loop) if not t.done())
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
