"""asyncua servers start from the cached standard address space (devices/opcua/standard_space.py).

The first server builds the shelf; later ones load it without writing it again (a changed file
would mean asyncua did not find it and built it anew: the slow start this cache exists to avoid),
and serve the standard nodes and their own to a client as a server built from code does. The shelf is a dbm.dumb
one in every Python (3.13's default dbm.sqlite3 took minutes to write and is bound to one thread).
"""

from __future__ import annotations

import dbm

import pytest
from asyncua import Client, Server, ua

from smarthall.devices.opcua.standard_space import init_server

pytestmark = pytest.mark.timeout(180)


async def serve_one(value: float) -> tuple[Server, ua.NodeId]:
    server = Server()
    await init_server(server)
    server.set_endpoint("opc.tcp://127.0.0.1:0")
    server.disable_clock()
    idx = await server.register_namespace("urn:smarthall:test")
    station = await server.nodes.objects.add_object(idx, "Station")
    variable = await station.add_variable(idx, "Value", value)
    await server.start()
    return server, variable.nodeid


async def test_the_second_server_loads_the_shelf_and_serves_like_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTHALL_CACHE", str(tmp_path))
    first, first_node = await serve_one(1.5)
    try:
        [folder] = [f for f in tmp_path.iterdir() if f.name.startswith("asyncua-")]
        written = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}
        assert "standard" in written and dbm.whichdb(str(folder / "standard")) == "dbm.dumb"  # never dbm.sqlite3
        assert not [f for f in tmp_path.iterdir() if f.name.startswith(".building-")]
        second, second_node = await serve_one(2.5)
        try:
            assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == written
            for server, node, value in ((first, first_node, 1.5), (second, second_node, 2.5)):
                async with Client(f"opc.tcp://127.0.0.1:{server.bserver.port}") as client:
                    assert await client.get_node(node).read_value() == value
                    assert (await client.get_namespace_array())[-1] == "urn:smarthall:test"
                    state = await client.get_node(ua.ObjectIds.Server_ServerStatus_State).read_value()
                    assert state == ua.ServerState.Running
                    names = {(await n.read_browse_name()).Name for n in await client.nodes.types.get_children()}
                    assert {"ObjectTypes", "VariableTypes", "DataTypes", "ReferenceTypes"} <= names
        finally:
            await second.stop()
    finally:
        await first.stop()
