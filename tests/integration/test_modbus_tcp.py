"""The Modbus TCP stations over loopback with pymodbus clients and a real Plant; the test drives the clock."""

from __future__ import annotations

import asyncio
import errno
import logging
import struct

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusIOException

from smarthall.devices.profiles import Kind, load_profile
from smarthall.devices.profiles.codec import decode
from smarthall.simulators.clock import Pacer
from smarthall.simulators.modbus import ModbusTcpStation, mbap
from smarthall.simulators.plant import Plant, PlantConfig
from smarthall.stopping import stop
from tests.waiting import until as wait_until

DEVICES = {name: load_profile(name).device(name) for name in ("feeder", "conveyor")}
READ = {Kind.COIL: "read_coils", Kind.DISCRETE_INPUT: "read_discrete_inputs",
        Kind.INPUT_REGISTER: "read_input_registers", Kind.HOLDING_REGISTER: "read_holding_registers"}


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=3))


@pytest.fixture
async def stations(plant):
    started = {}
    try:
        for name, device in DEVICES.items():
            started[name] = ModbusTcpStation(plant, device, "127.0.0.1", 0)
            await started[name].start()
        yield started
    finally:
        for station in started.values():
            await station.close()


@pytest.fixture
async def clients(stations):
    made = {name: AsyncModbusTcpClient("127.0.0.1", port=s.port, timeout=1, retries=0) for name, s in stations.items()}
    try:
        for client in made.values():
            assert await client.connect()
        yield made
    finally:
        for client in made.values():
            client.close()


async def read_point(client, point, unit=1):
    reply = await getattr(client, READ[point.kind])(point.address, count=point.width, device_id=unit)
    assert not reply.isError(), f"{point.name}: {reply}"
    return reply.bits[0] if point.kind.is_bit else decode(point, reply.registers)


@pytest.mark.parametrize("name", DEVICES)
async def test_every_point_reads_as_the_plant_has_it(plant, clients, name):
    plant.run_for(1.0)
    for point in DEVICES[name].points:
        expected = plant.read(name, point.name)
        assert await read_point(clients[name], point) == pytest.approx(expected, abs=point.scale), point.name


def _new_value(point, current):
    if point.kind.is_bit:
        return not current
    low, high = point.range
    return int(high) if current != int(high) and high < 10_000 else int(low) if current != int(low) else 7


@pytest.mark.parametrize("name", DEVICES)
async def test_every_writable_point_changes_the_plant(plant, clients, name):
    for point in (p for p in DEVICES[name].points if p.writable):
        value = _new_value(point, plant.read(name, point.name))
        if point.kind is Kind.COIL:
            reply = await clients[name].write_coil(point.address, value, device_id=1)
        else:
            reply = await clients[name].write_register(point.address, value, device_id=1)
        assert not reply.isError(), f"{point.name}: {reply}"
        assert plant.read(name, point.name) == value, point.name


@pytest.mark.parametrize(("name", "address", "value"), [("conveyor", 0, 600), ("feeder", 0, 100), ("conveyor", 2, 3)])
async def test_a_write_outside_the_range_is_exception_03(plant, clients, name, address, value):
    before = plant.read(name, DEVICES[name].of_kind(Kind.HOLDING_REGISTER)[address].name)
    reply = await clients[name].write_register(address, value, device_id=1)
    assert reply.isError() and reply.exception_code == 3
    assert plant.read(name, DEVICES[name].of_kind(Kind.HOLDING_REGISTER)[address].name) == before


async def test_parts_flow_from_feeder_to_bins_through_modbus(plant, clients):
    feeder, conveyor = clients["feeder"], clients["conveyor"]

    async def counters():
        return (await conveyor.read_input_registers(2, count=4, device_id=1)).registers  # in, good, rejected, uninspected

    async def run_until(condition, limit_s=10.0):
        for _ in range(int(limit_s / 0.05)):
            if await condition():
                return
            plant.run_for(0.05)
        pytest.fail("the line did not get there in plant time")

    async def at_camera():
        return (await conveyor.read_input_registers(1, count=1, device_id=1)).registers[0]

    async def feed(verdict):
        before = await counters()
        await feeder.write_coil(0, True, device_id=1)
        await run_until(at_camera)
        part = await at_camera()
        assert part == (await feeder.read_input_registers(2, count=1, device_id=1)).registers[0]
        if verdict:
            assert not (await conveyor.write_registers(1, [part, verdict], device_id=1)).isError()
        await run_until(lambda: _binned(before))
        return [a - b for a, b in zip(await counters(), before)]

    async def _binned(before):
        now = await counters()
        return now[1] + now[2] > before[1] + before[2]

    await conveyor.write_coils(0, [True, True], device_id=1)  # motor_run, auto_mode
    assert await feed(verdict=1) == [1, 1, 0, 0]
    assert await feed(verdict=2) == [1, 0, 1, 0]
    assert await feed(verdict=0) == [1, 0, 1, 1]  # fail-safe: no verdict by the diverter
    assert [p.outcome for p in plant.recent_parts[-3:]] == ["good", "reject", "reject"]


@pytest.mark.parametrize("unit", [1, 0, 255])
async def test_the_station_unit_and_0_and_255_are_answered(clients, unit):
    reply = await clients["feeder"].read_holding_registers(0, count=1, device_id=unit)
    assert reply.registers == [2000]


async def test_another_unit_gets_gateway_target_failed(clients):
    reply = await clients["feeder"].read_holding_registers(0, count=1, device_id=7)
    assert reply.isError() and reply.exception_code == 0x0B


async def raw(station):
    return await asyncio.open_connection("127.0.0.1", station.port)


async def close(writer):
    writer.close()
    await writer.wait_closed()


async def test_pipelined_and_split_requests_are_answered_in_order(stations):
    reader, writer = await raw(stations["feeder"])
    try:
        burst = b"".join(mbap.encode(t, 1, struct.pack(">BHH", 4, 0, 1)) for t in (5, 6, 7))
        writer.write(burst[:3])
        await writer.drain()
        writer.write(burst[3:])
        replies = [await asyncio.wait_for(reader.readexactly(11), 1) for _ in range(3)]
        assert [struct.unpack(">H", r[:2])[0] for r in replies] == [5, 6, 7]
        assert replies[0][7:] == bytes.fromhex("04020032")  # magazine_count 50
    finally:
        await close(writer)


async def test_a_client_sending_requests_back_to_back_lets_the_others_in(stations, monkeypatch):
    """Regression: a connection's buffered requests were all answered before another connection had a turn
    (in benchmarks/fuzz_soak a pipelined flood held the simulator's loop 0.4-0.8 s at a time)."""
    station, handled = stations["feeder"], []
    reply = station._reply
    monkeypatch.setattr(station, "_reply", lambda frame: handled.append(frame.transaction) or reply(frame))
    flood_reader, flood = await raw(station)
    other_reader, other = await raw(station)
    try:
        flood.write(b"".join(mbap.encode(t, 1, struct.pack(">BHH", 4, 0, 1)) for t in range(1, 2001)))
        other.write(mbap.encode(9999, 1, struct.pack(">BHH", 4, 0, 1)))
        assert (await asyncio.wait_for(other_reader.readexactly(11), 10))[:2] == struct.pack(">H", 9999)
        await asyncio.wait_for(flood_reader.readexactly(11 * 2000), 10)
    finally:
        await close(flood)
        await close(other)
    assert handled.index(9999) < len(handled) - 1  # answered between the flood's requests, not after all of them


@pytest.mark.parametrize("garbage", [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
    pytest.param(bytes.fromhex("000100050006010300000001"), id="protocol-id-5"),
    pytest.param(bytes.fromhex("00010000ffff01"), id="length-65535"),
])
async def test_garbage_drops_that_connection_only(clients, stations, garbage):
    reader, writer = await raw(stations["conveyor"])
    try:
        writer.write(garbage)
        assert await asyncio.wait_for(reader.read(), 1) == b""
    finally:
        await close(writer)
    assert not (await clients["conveyor"].read_coils(0, count=1, device_id=1)).isError()


async def test_garbage_from_one_peer_is_logged_once(stations, caplog):
    with caplog.at_level(logging.WARNING, "smarthall.simulators.modbus.tcp"):
        for _ in range(5):
            reader, writer = await raw(stations["conveyor"])
            writer.write(bytes.fromhex("000100050006010300000001"))
            assert await asyncio.wait_for(reader.read(), 1) == b""
            await close(writer)
    assert [r.getMessage() for r in caplog.records] == [
        "conveyor (Modbus TCP): peer 127.0.0.1: protocol id 5, expected 0; connection dropped"]


async def test_disconnect_mid_frame_and_half_open_clients_do_not_block_others(clients, stations):
    _idle_reader, idle = await raw(stations["conveyor"])
    _, quitter = await raw(stations["conveyor"])
    quitter.write(mbap.encode(1, 1, struct.pack(">BHH", 3, 0, 1))[:9])
    await close(quitter)
    try:
        assert (await clients["conveyor"].read_holding_registers(0, count=1, device_id=1)).registers == [200]
    finally:
        await close(idle)


async def test_a_connection_beyond_the_cap_closes_the_one_idle_longest(plant):
    station = ModbusTcpStation(plant, DEVICES["feeder"], "127.0.0.1", 0, max_connections=2)
    await station.start()
    idle_reader, idle = await raw(station)
    busy_reader, busy = await raw(station)
    request = mbap.encode(1, 1, struct.pack(">BHH", 3, 0, 1))
    try:
        busy.write(request)
        assert (await asyncio.wait_for(busy_reader.readexactly(11), 1))[9:] == struct.pack(">H", 2000)
        new_reader, new = await raw(station)
        assert await asyncio.wait_for(idle_reader.read(), 1) == b""
        for reader, writer in ((busy_reader, busy), (new_reader, new)):
            writer.write(request)
            assert (await asyncio.wait_for(reader.readexactly(11), 1))[9:] == struct.pack(">H", 2000)
    finally:
        for writer in (idle, busy, new):
            await close(writer)
        await station.close()


async def test_a_polling_client_is_served_while_20_idle_clients_hold_connections(plant, stations, clients):
    assert (await clients["conveyor"].read_holding_registers(0, count=1, device_id=1)).registers == [200]
    held = [await raw(stations["conveyor"]) for _ in range(20)]
    try:
        for _ in range(20):
            assert (await clients["conveyor"].read_holding_registers(0, count=1, device_id=1)).registers == [200]
        late = AsyncModbusTcpClient("127.0.0.1", port=stations["conveyor"].port, timeout=1, retries=0)
        try:
            assert await late.connect()
            assert (await late.read_holding_registers(0, count=1, device_id=1)).registers == [200]
        finally:
            late.close()
    finally:
        for _, writer in held:
            await close(writer)


async def test_a_burst_of_50_connections_leaves_the_station_at_its_cap(plant, stations):
    station = stations["conveyor"]
    held = await asyncio.gather(*(raw(station) for _ in range(50)))
    reads = [asyncio.create_task(reader.read()) for reader, _ in held]
    try:
        await wait_until(lambda: sum(read.done() for read in reads) >= 50 - station.max_connections)
        assert station.connections <= station.max_connections
        assert all(read.result() == b"" for read in reads if read.done())
    finally:
        for read in reads:
            read.cancel()
        await asyncio.gather(*reads, return_exceptions=True)
        for _, writer in held:
            await close(writer)


async def test_an_idle_or_trickling_client_is_closed_after_the_idle_timeout(plant):
    station = ModbusTcpStation(plant, DEVICES["feeder"], "127.0.0.1", 0, idle_timeout_s=0.2)
    await station.start()
    idle_reader, idle = await raw(station)
    slow_reader, slow = await raw(station)
    try:
        request = mbap.encode(1, 1, struct.pack(">BHH", 3, 0, 1))
        slow.write(request[:1])
        await wait_until(lambda: station.connections == 2)
        for byte in request[1:6]:  # a byte now and then, never a whole request
            slow.write(bytes([byte]))
            await slow.drain()
        assert await asyncio.wait_for(idle_reader.read(), 5) == b""
        assert await asyncio.wait_for(slow_reader.read(), 5) == b""
        assert station.connections == 0
    finally:
        await close(idle)
        await close(slow)
        await station.close()


async def test_a_busy_port_is_eaddrinuse(plant, stations):
    clash = ModbusTcpStation(plant, DEVICES["feeder"], "127.0.0.1", stations["feeder"].port)
    with pytest.raises(OSError) as caught:
        await clash.start()
    assert caught.value.errno == errno.EADDRINUSE


async def _refused(port):
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    await close(writer)
    return False


async def test_offline_refuses_connections_until_cleared_on_the_same_port(plant, clients, stations):
    port = stations["conveyor"].port
    fault = plant.inject_fault("conveyor", "offline")
    with pytest.raises(ModbusIOException):
        await clients["conveyor"].read_coils(0, count=1, device_id=1)
    await wait_until(lambda: _refused(port))
    assert not (await clients["feeder"].read_coils(0, count=1, device_id=1)).isError()
    plant.clear_fault(fault.id)

    async def back():
        return not await _refused(port)
    await wait_until(back)
    assert stations["conveyor"].port == port
    again = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    try:
        assert await again.connect()
        assert not (await again.read_coils(0, count=1, device_id=1)).isError()
    finally:
        again.close()


async def test_drop_all_leaves_requests_unanswered_and_clearing_restores(plant, stations):
    fault = plant.inject_fault("feeder", "drop", {"fraction": 1.0})
    client = AsyncModbusTcpClient("127.0.0.1", port=stations["feeder"].port, timeout=0.2, retries=0)
    try:
        assert await client.connect()
        with pytest.raises(ModbusIOException):
            await client.read_holding_registers(0, count=1, device_id=1)
    finally:
        client.close()
    plant.clear_fault(fault.id)
    reader, writer = await raw(stations["feeder"])
    try:
        writer.write(mbap.encode(9, 1, struct.pack(">BHH", 3, 0, 1)))
        assert (await asyncio.wait_for(reader.readexactly(11), 1))[:2] == b"\x00\x09"
    finally:
        await close(writer)


async def test_drop_half_answers_some_and_leaves_some(plant, stations):
    plant.inject_fault("feeder", "drop", {"fraction": 0.5})
    reader, writer = await raw(stations["feeder"])
    try:
        writer.write(b"".join(mbap.encode(t, 1, struct.pack(">BHH", 3, 0, 1)) for t in range(40)))
        answered = []
        with pytest.raises(TimeoutError):
            while True:
                answered.append(struct.unpack(">H", (await asyncio.wait_for(reader.readexactly(11), 0.3))[:2])[0])
        assert 5 < len(answered) < 35 and answered == sorted(answered)
    finally:
        await close(writer)


async def test_latency_delays_replies_past_a_short_timeout(plant, stations):
    plant.inject_fault("conveyor", "latency", {"ms": 300})
    impatient = AsyncModbusTcpClient("127.0.0.1", port=stations["conveyor"].port, timeout=0.1, retries=0)
    patient = AsyncModbusTcpClient("127.0.0.1", port=stations["conveyor"].port, timeout=2, retries=0)
    try:
        assert await impatient.connect() and await patient.connect()
        with pytest.raises(ModbusIOException):
            await impatient.read_holding_registers(0, count=1, device_id=1)
        assert (await patient.read_holding_registers(0, count=1, device_id=1)).registers == [200]
    finally:
        impatient.close()
        patient.close()


async def test_close_with_a_reply_pending_leaves_nothing_behind(plant):
    station = ModbusTcpStation(plant, DEVICES["feeder"], "127.0.0.1", 0)
    await station.start()
    plant.inject_fault("feeder", "latency", {"ms": 10000})
    reader, writer = await raw(station)
    try:
        writer.write(mbap.encode(1, 1, struct.pack(">BHH", 3, 0, 1)))
        await writer.drain()
        await station.close()
        assert await asyncio.wait_for(reader.read(), 1) == b""
    finally:
        await close(writer)


async def test_a_plant_tick_due_during_a_burst_runs_between_its_replies(plant, stations, monkeypatch):
    """Regression: fifty stations polled at once took longer to answer than a 10 ms tick, and the pacer's tick
    waited until every reply of the burst was sent (sim_scale: 2-3 % of ticks overran at 50 stations)."""
    pacer = Pacer(plant.step, tick=0.01)
    loop, ticks_seen = asyncio.get_running_loop(), []
    read_many = plant.read_many

    def slow_read_many(device, points):  # each reply takes a tick's time, as a burst of fifty does
        ticks_seen.append(pacer.stats.ticks)
        busy_until = loop.time() + pacer.tick
        while loop.time() < busy_until:
            pass
        return read_many(device, points)

    pacing = asyncio.create_task(pacer.run())
    reader, writer = await raw(stations["feeder"])
    try:
        await wait_until(lambda: pacer.stats.ticks > 0)
        monkeypatch.setattr(plant, "read_many", slow_read_many)
        writer.write(b"".join(mbap.encode(t, 1, struct.pack(">BHH", 4, 0, 4)) for t in range(1, 5)))
        async with asyncio.timeout(30):
            await reader.readexactly(17 * 4)
    finally:
        await close(writer)
        await stop(pacing)
    assert len(ticks_seen) == 4
    assert ticks_seen == sorted(set(ticks_seen)), f"ticks seen by the replies of one turn: {ticks_seen}"
