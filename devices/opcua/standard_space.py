"""asyncua servers start from a cached standard address space (the simulators' and the edge's northbound server).

Every asyncua `Server.init()` builds the standard address space (namespace 0, about 6,000 nodes)
from generated code: about 3 s of CPU per server, and the simulated line has two, `smarthall lab`
three with the northbound server. asyncua's own cache for slow devices, `Server.init(shelf_file)`,
writes those nodes to a `shelve` file the first time and afterwards unpickles each node only when
it is first touched: about 0.2 s (a server and a client session touch a few hundred nodes). Our
own nodes live in the server's memory as before; the shelf is only read.

The shelf is kept per asyncua version, Python and dbm flavour in the cache folder
($SMARTHALL_CACHE, else platformdirs' user cache folder, ~/.cache/smarthall on Linux). It is
built in a folder of its own and renamed into place, so two processes starting together never
read a half-written one. asyncua finds a shelf by its file name (``standard`` or
``standard.db``); dbm.dumb, the flavour of Pythons built without gdbm, writes ``standard.dat``
and ``.dir`` instead, so an empty ``standard`` beside them tells asyncua it is there (dbm.whichdb
recognises the dumb files before it looks at that one).

`python -m smarthall.devices.opcua.standard_space` builds the cache (dev.py does, after installing).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from asyncua import Server

CACHE_ENV = "SMARTHALL_CACHE"
SHELF = "standard"
_DBM_ORDER = ("dbm.sqlite3", "dbm.gnu", "dbm.ndbm", "dbm.dumb")  # the order dbm.open picks its flavour in


async def init_server(server: Server) -> None:
    """`server.init()` from the cached standard address space; the first call here builds the cache."""
    folder = cache_folder() / f"asyncua-{version('asyncua')}-{sys.implementation.cache_tag}-{_dbm_flavour()}"
    if folder.is_dir():
        await server.init(folder / SHELF)
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        await server.init(building / SHELF)  # builds the address space as usual and writes the shelf
        if not (building / SHELF).exists() and not (building / f"{SHELF}.db").exists():
            (building / SHELF).touch()  # dbm.dumb: the name asyncua looks for
        with contextlib.suppress(OSError):  # another process was quicker: its shelf is as good
            os.rename(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def cache_folder() -> Path:
    """$SMARTHALL_CACHE, else the platform's user cache folder for smarthall."""
    import platformdirs

    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("smarthall", appauthor=False))


def _dbm_flavour() -> str:
    """The dbm module `shelve` writes with in this Python (shelves of other flavours cannot be read here)."""
    for name in _DBM_ORDER[:-1]:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
            return name.removeprefix("dbm.")
    return "dumb"  # pure Python, always there


if __name__ == "__main__":
    asyncio.run(init_server(Server()))
