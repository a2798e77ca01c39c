"""Where the user's own files go: the data folder (history, images, progress, workspaces, profiles)."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "SMARTHALL_DATA"


def data_folder() -> Path:
    """$SMARTHALL_DATA, else the platform's user data folder (platformdirs: ~/.local/share/smarthall on Linux,
    or under $XDG_DATA_HOME)."""
    import platformdirs

    return Path(os.environ.get(DATA_ENV) or platformdirs.user_data_dir("smarthall", appauthor=False))
