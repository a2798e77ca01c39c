"""asyncua servers start from a cached standard address space (the simulators' and the edge's northbound server).

Every asyncua `Server.init()` builds the standard address space (namespace 0, about 6,000 nodes)
from generated code: about 3 s of CPU per server, and the simulated line has two, `smarthall lab`
three with the northbound server. asyncua's own cache for slow devices, `Server.init(shelf_file)`,
writes those nodes to a `shelve` file the first time and afterwards unpickles each node only when
it is first touched: about 0.2 s (a server and a client session touch a few hundred nodes). Our
own nodes live in the server's memory as before; the shelf is only read.

The shelf is kept per asyncua version and Python in the cache folder ($SMARTHALL_CACHE, else
platformdirs' user cache folder, ~/.cache/smarthall on Linux). It is built in a folder of its own
and renamed into place, so two processes starting together never read a half-written one. It is
always a dbm.dumb shelf (pure Python, in every Python), written here, not by asyncua: `shelve`'s
default flavour on Python 3.13 is dbm.sqlite3, which commits every node on its own (a first start
of minutes on a fresh Debian 13, where dbm.gnu needs python3-gdbm) and can be closed only by the
thread that opened it (asyncua never closes it, so the garbage collector did, in another thread).
asyncua finds a shelf by its file name (``standard``) and opens it with `shelve.open`, which
recognises the dumb files (``standard.dat``, ``.dir``) before it looks at that empty name.

`python -m smarthall.devices.opcua.standard_space` builds the cache (dev.py does, after installing).
"""

from __future__ import annotations

import asyncio
import contextlib
import dbm.dumb
import os
import pickle
import shelve
import shutil
import sys
import tempfile
from collections.abc import MutableMapping
from importlib.metadata import version
from pathlib import Path
from typing import cast

from asyncua import Server

CACHE_ENV = "SMARTHALL_CACHE"
SHELF = "standard"


async def init_server(server: Server) -> None:
    """`server.init()` from the cached standard address space; the first call here builds the cache."""
    folder = cache_folder() / f"asyncua-{version('asyncua')}-{sys.implementation.cache_tag}-dumb"
    if folder.is_dir():
        await server.init(folder / SHELF)
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        await server.init()  # builds the address space from asyncua's generated code, as without a cache
        await asyncio.to_thread(_write_shelf, server, building / SHELF)
        with contextlib.suppress(OSError):  # another process was quicker: its shelf is as good
            os.rename(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def cache_folder() -> Path:
    """$SMARTHALL_CACHE, else the platform's user cache folder for smarthall."""
    import platformdirs

    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("smarthall", appauthor=False))


def _write_shelf(server: Server, path: Path) -> None:
    """The server's standard nodes as a dbm.dumb shelf at path, as asyncua's `make_aspace_shelf` writes them."""
    database = cast("MutableMapping[bytes, bytes]", dbm.dumb.open(str(path), "n"))  # noqa: SIM115 - the shelf closes it
    with shelve.Shelf[object](database, protocol=pickle.HIGHEST_PROTOCOL) as shelf:
        for nodeid, node in server.iserver.aspace._nodes.items():
            shelf[nodeid.to_string()] = node
    path.touch()  # the name asyncua looks for


if __name__ == "__main__":
    asyncio.run(init_server(Server()))
