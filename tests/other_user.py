"""Run a check as a user without root's right to open any file: as root, in a forked child that became nobody."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
NOBODY = 65534


def as_nobody(check: Callable[[], T]) -> T:
    """check() as nobody when the tests run as root (the child's result comes back pickled), else as is."""
    if os.geteuid() != 0:
        return check()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, send the result, exit without running the parent's cleanups
        status = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with os.fdopen(write, "wb") as out:
                pickle.dump(check(), out)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as result:
        data = result.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, "the check failed as nobody"
    return pickle.loads(data)
