"""Checks as a user without root's right to open any file: as root, in a forked child that became nobody.

    with closed_device("ttyUSB0", "dialout") as port:    # a device file only root and the group may open
        note = as_nobody(lambda: problem(str(port)))
"""

from __future__ import annotations

import contextlib
import grp
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
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


@contextlib.contextmanager
def closed_device(name: str, group: str) -> Iterator[Path]:
    """A stand-in device file that nobody outside `group` may open (as root: root:group, mode 0660, in a folder
    anyone may enter; else mode 0 in the user's own group): the group to name is the file's, as `os.stat` tells."""
    folder = Path(tempfile.mkdtemp(prefix="smarthall-device-"))
    try:
        folder.chmod(0o755)
        device = folder / name
        device.touch()
        if os.geteuid() == 0:
            os.chown(device, 0, grp.getgrnam(group).gr_gid)
            device.chmod(0o660)
        else:
            device.chmod(0)
        yield device
    finally:
        shutil.rmtree(folder)
