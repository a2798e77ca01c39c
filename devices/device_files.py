"""Device files (a serial adapter's /dev/ttyUSB0, a camera's /dev/video0): who may open them."""

from __future__ import annotations

import grp
import os


def owning_group(path: str, usual: str) -> str:
    """The group owning a device file, whose members may open it (dialout, video...); `usual` when it cannot be told."""
    try:
        return grp.getgrgid(os.stat(path).st_gid).gr_name
    except (OSError, KeyError):
        return usual
