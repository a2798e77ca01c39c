"""Fuzz and fault soak: the simulated line under attack, then kill -9 of the edge agent.

`smarthall sim` runs in its own process on free loopback ports and its own
pty link. Each attack runs in a process of its own, bounded in count and
time, while probes in this process send a valid request to each protocol
every 50 ms (Modbus TCP feeder and conveyor, the RTU bus, OPC UA) and time
the answer; a probe answer that is not exactly what was asked counts as a
wrong answer, no answer within 1 s as a hang.

    attacks  tcp-adus   malformed Modbus TCP ADUs (random PDUs, bad headers), pipelined; replies checked
             rtu-adus   malformed RTU ADUs into the pty (bad CRCs, unknown units and codes, cut frames)
             opcua      OPC UA chunk floods on open secure channels (63 chunks of 64 KB, then one too many)
             opcua-body 32 connections streaming into messages whose headers claim 2 GB
             conns      500 idle connections and 50 clients sending a byte a second to the conveyor
             rtu-bytes  a flood of random bytes into the pty
    then     kill -9    the edge agent on the same line, killed at random times: history file integrity
                        and the rows lost per kill (the gap before the kill times the row rate)

For each attack it prints what was sent, crashes, hangs, wrong answers, the
simulator's RSS before and after (after a 3 s rest), and the probes' p50 and
max latency during the attack and after it. The aim: 0 crashes, 0 wrong
answers, valid requests answered within 100 ms, RSS back within 20 MB.

    python benchmarks/fuzz_soak.py [--adus 1000000] [--seconds 20] [--kills 5]

Not a test: it prints numbers (the machine is shared; run it alone).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import select
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path
from urllib.parse import urlsplit

from smarthall.simulators.modbus import mbap, rtu
from smarthall.simulators.options import SimOptions, line_overrides
from smarthall.testing.line import write_sim_line

ROOT = Path(__file__).resolve().parents[1]
SERVED_UNITS = {1, 2, 11, 12, 13, 14}
EXCEPTION_CODES = {1, 2, 3, 4, 0x0B}
PROBE_EVERY_S = 0.05
PROBE_TIMEOUT_S = 1.0
REST_S = 3.0


# --- the simulated line, in its own process -------------------------------------------------------

class Sim:
    """`smarthall sim` on free ports; its endpoints parsed from what it prints."""

    def __init__(self, folder: Path) -> None:
        self.link = folder / "fieldbus"
        self.env = {**os.environ, "XDG_STATE_HOME": str(folder / "state"), "XDG_DATA_HOME": str(folder / "data")}
        self.log = open(folder / "sim.stderr", "w+")  # noqa: SIM115 - open while the sim runs, closed by stop()
        self.log_file = folder / "state" / "smarthall" / "smarthall.log"
        ports = [arg for name in ("feeder", "conveyor", "process", "control", "camera") for arg in (f"--{name}-port", "0")]
        self.proc = subprocess.Popen([sys.executable, "-m", "smarthall", "sim", *ports, "--fieldbus-link", str(self.link)],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=ROOT, env=self.env)
        self.endpoints: dict[str, str] = {}
        for line in self.proc.stdout:
            if match := re.match(r"\s+(\w+(?: \w+)*?) (?:Modbus|OPC|MJPEG).*?\s{2,}(\S+)", line):
                self.endpoints[match.group(1)] = match.group(2)
            if len(self.endpoints) == 6:
                break
        self.port = {name: int(self.endpoints[name].rsplit(":", 1)[1]) for name in ("feeder", "conveyor")}
        self.opcua = self.endpoints["process"]

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as status:
            return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_lines(self) -> tuple[int, int]:
        """Lines in the log file, and on stderr (the console)."""
        self.log.flush()
        logged = self.log_file.read_text(encoding="utf-8").count("\n") if self.log_file.exists() else 0
        return logged, Path(self.log.name).read_text(encoding="utf-8").count("\n")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def open_raw(path: str | Path) -> int:
    """The client end of the pty, raw at 19200 baud."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = termios.B19200
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    return fd


# --- probes: valid requests, timed and checked, in threads of this process ------------------------

class Probes:
    """One thread per protocol, each asking a valid question every 50 ms; samples tagged with the phase."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.phase = "start"
        self.samples: list[tuple[str, str, float | None, bool]] = []  # phase, probe, ms or None (hang), wrong
        self.wrong_replies: list[tuple[str, str]] = []  # probe, the reply in hex
        self.foreign_replies = 0  # RTU: replies to frames that random bytes formed with a good CRC, before ours
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(name, make), daemon=True)
                         for name, make in (("feeder", lambda: self._tcp("feeder")),
                                            ("conveyor", lambda: self._tcp("conveyor")),
                                            ("rtu", self._rtu), ("opcua", self._opcua))]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)

    def _loop(self, name: str, make) -> None:
        ask, close = make()
        while not self._stop.is_set():
            phase, started = self.phase, time.perf_counter()
            try:
                wrong = not ask()
                self.samples.append((phase, name, (time.perf_counter() - started) * 1000, wrong))
            except Exception:
                self.samples.append((phase, name, None, False))
                close()
                time.sleep(0.2)
                try:
                    ask, close = make()
                except Exception:
                    pass
            self._stop.wait(PROBE_EVERY_S)
        close()

    def _tcp(self, station: str):
        sock = socket.create_connection(("127.0.0.1", self.sim.port[station]), timeout=PROBE_TIMEOUT_S)
        transaction = 0

        def ask() -> bool:
            nonlocal transaction
            transaction = transaction % 0xFFFF + 1
            sock.sendall(mbap.encode(transaction, 1, struct.pack(">BHH", 4, 0, 1)))
            reply = b""
            while len(reply) < 11:
                chunk = sock.recv(11 - len(reply))
                if not chunk:
                    raise ConnectionError("closed")
                reply += chunk
            if reply[:2] == struct.pack(">H", transaction) and reply[6:9] == b"\x01\x04\x02":
                return True
            self.wrong_replies.append((station, reply.hex()))
            return False
        return ask, sock.close

    def _rtu(self):
        """Our reply must come, whole and with a good CRC; replies before it answer frames the garbage formed by chance."""
        fd = open_raw(self.sim.link)
        request = rtu.encode(11, struct.pack(">BHH", 4, 0, 2))

        def ask() -> bool:
            termios.tcflush(fd, termios.TCIFLUSH)
            os.write(fd, request)
            reply, deadline = b"", time.monotonic() + PROBE_TIMEOUT_S
            while (at := reply.find(b"\x0b\x04\x04")) < 0 or len(reply) < at + 9:
                if time.monotonic() > deadline:
                    raise TimeoutError
                if select.select([fd], [], [], 0.05)[0]:
                    reply += os.read(fd, 64)
            if at:
                self.foreign_replies += 1
            if rtu.crc_ok(reply[at:at + 9]):
                return True
            self.wrong_replies.append(("rtu", reply.hex()))
            return False

        def close() -> None:
            try:
                os.close(fd)
            except OSError:
                pass
        return ask, close

    def _opcua(self):
        from asyncua.sync import Client

        client = Client(self.sim.opcua, timeout=PROBE_TIMEOUT_S)
        client.connect()
        ns = client.get_namespace_index("urn:smarthall:process")
        node = client.nodes.objects.get_child([f"{ns}:ProcessStation", f"{ns}:Temperature"])

        def ask() -> bool:
            return isinstance(node.read_value(), float)

        def close() -> None:
            try:
                client.disconnect()
            except Exception:
                try:
                    client.tloop.stop()
                except Exception:
                    pass
        return ask, close


# --- attacks, each in its own process --------------------------------------------------------------

def _random_pdu(rng: random.Random) -> bytes:
    fc = rng.choice((1, 2, 3, 4, 5, 6, 15, 16, 23, 43, rng.randrange(256)))
    return bytes([fc]) + rng.randbytes(rng.choice((0, 1, 4, 5, rng.randrange(40))))


def _check_tcp_reply(request: tuple[int, int, int, bytes], reply: bytes) -> bool:
    """Whether reply can be the answer to request: same transaction and unit, fc or fc|0x80, sane lengths."""
    transaction, unit, fc, body = request
    if struct.unpack(">H", reply[:2])[0] != transaction or reply[6] != unit or reply[7] not in (fc, fc | 0x80):
        return False
    if reply[7] & 0x80:
        return len(reply) == 9 and reply[8] in EXCEPTION_CODES
    if fc in (3, 4) and len(body) == 4:
        return reply[8] == 2 * struct.unpack(">H", body[2:])[0] == len(reply) - 9
    if fc in (1, 2) and len(body) == 4:
        return reply[8] == (struct.unpack(">H", body[2:])[0] + 7) // 8 == len(reply) - 9
    return True


def attack_tcp_adus(port: int, count: int, seconds: float, out) -> None:
    """Pipelined batches of random PDUs (one in 50 batches ends in a bad header that drops the connection)."""
    rng, sent, wrong, drops, end = random.Random(1), 0, 0, 0, time.monotonic() + seconds
    pool = []
    for _ in range(20):
        requests = []
        for _ in range(500):
            pdu = _random_pdu(rng)
            requests.append((rng.randrange(65536), rng.choice((1, 1, 1, 0, 255, rng.randrange(256))), pdu[0], pdu[1:]))
        pool.append((requests, b"".join(mbap.encode(t, u, bytes([fc]) + body) for t, u, fc, body in requests)))
    sock = socket.create_connection(("127.0.0.1", port))
    while sent < count and time.monotonic() < end:
        requests, batch = rng.choice(pool)
        bad_header = rng.random() < 0.02
        if bad_header:
            batch += struct.pack(">HHHB", 1, rng.randrange(1, 65536), 6, 1) + bytes(5)
        sock.sendall(batch)
        sent += len(requests) + bad_header
        replies, buffer = [], b""
        while len(replies) < len(requests):
            chunk = sock.recv(65536)
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= 6 and len(buffer) >= 6 + struct.unpack(">H", buffer[4:6])[0]:
                size = 6 + struct.unpack(">H", buffer[4:6])[0]
                replies.append(buffer[:size])
                buffer = buffer[size:]
        wrong += sum(not _check_tcp_reply(r, reply) for r, reply in zip(requests, replies))
        if bad_header:
            sock.settimeout(2)
            try:
                while sock.recv(65536):
                    pass
            except OSError:
                pass
            sock.close()
            drops += 1
            sock = socket.create_connection(("127.0.0.1", port))
    sock.close()
    out.put({"sent": sent, "wrong": wrong, "note": f"{drops} connections dropped for bad headers"})


def attack_rtu_adus(link: str, count: int, seconds: float, out) -> None:
    """Malformed RTU ADUs: bad CRCs to served units, unknown units, unknown codes, cut frames; never a valid request."""
    rng, sent, end = random.Random(2), 0, time.monotonic() + seconds
    fd = open_raw(link)
    os.set_blocking(fd, True)
    while sent < count and time.monotonic() < end:
        frames = []
        for _ in range(200):
            kind = rng.randrange(4)
            unit = rng.choice(sorted(SERVED_UNITS)) if kind in (0, 3) else rng.choice((0x33, 0x99, 200))
            frame = rtu.encode(unit, _random_pdu(rng) if kind != 2 else bytes([0x41]) + rng.randbytes(6))
            if kind == 0 or (kind == 3 and unit in SERVED_UNITS):
                frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])  # a bad CRC
            if kind == 3:
                frame = frame[:rng.randrange(1, len(frame))]  # cut short
            frames.append(frame)
        os.write(fd, b"".join(frames))
        sent += len(frames)
    os.close(fd)
    out.put({"sent": sent, "wrong": 0, "note": "no valid request among them"})


def attack_opcua(url: str, rounds: int, seconds: float, out) -> None:
    """Per round, 8 secure channels each send 63 intermediate chunks of 64 KB, then one past the limit, then close."""
    import logging

    from asyncua import Client

    logging.disable(logging.CRITICAL)  # our client hearing BadRequestTooLarge is the point

    async def one_channel() -> int:
        client = Client(url, timeout=5)
        await client.connect_socket()
        await client.send_hello()
        await client.open_secure_channel()
        protocol = client.uaclient.protocol
        connection = protocol._connection
        token, seq = connection.security_token, connection._sequence_number
        body = bytes(65535 - 24)
        chunks = []
        for n in range(65):
            seq += 1
            chunks.append(b"MSGC" + struct.pack("<III", 65535, token.ChannelId, token.TokenId)
                          + struct.pack("<II", seq, 999) + body)
        for chunk in chunks:
            protocol.transport.write(chunk)
            await asyncio.sleep(0)
        await asyncio.sleep(0.2)
        protocol.transport.close()
        return len(chunks)

    async def run() -> int:
        sent, end = 0, time.monotonic() + seconds
        for _ in range(rounds):
            if time.monotonic() > end:
                break
            results = await asyncio.gather(*(one_channel() for _ in range(8)), return_exceptions=True)
            sent += sum(r for r in results if isinstance(r, int))
        return sent

    chunks = asyncio.run(run())
    out.put({"sent": chunks, "wrong": 0, "note": f"{chunks} chunks, {chunks * 64 // 1024} MB"})


def attack_opcua_bodies(url: str, connections: int, seconds: float, out) -> None:
    """Connections that say hello, then start a message claiming a 2 GB body and stream zeros into it."""
    host, port = url[len("opc.tcp://"):].split(":")
    hello = struct.pack("<5I", 0, 65535, 65535, 0, 0) + struct.pack("<i", len(url)) + url.encode()
    socks, sent, end = [], 0, time.monotonic() + seconds
    for _ in range(connections):
        sock = socket.create_connection((host, int(port)), timeout=2)
        sock.sendall(b"HELF" + struct.pack("<I", 8 + len(hello)) + hello + b"MSGF" + struct.pack("<II", 2**31, 1))
        socks.append(sock)
    block = bytes(65536)
    while socks and time.monotonic() < end:
        for sock in list(socks):
            try:
                sock.sendall(block)
                sent += len(block)
            except OSError:
                socks.remove(sock)
    for sock in socks:
        sock.close()
    out.put({"sent": sent, "wrong": 0, "note": f"{sent / 1e6:.0f} MB on {connections} connections,"
                                               f" {connections - len(socks)} closed by the server"})


def attack_connections(port: int, seconds: float, out) -> None:
    """500 idle connections and 50 clients trickling a request a byte a second, held for `seconds`."""
    idle, slow = [], []
    for n in range(550):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            continue
        (slow if n % 11 == 0 else idle).append(sock)
    request = mbap.encode(1, 1, struct.pack(">BHH", 3, 0, 1))
    end, sent = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        for sock in slow:
            try:
                sock.send(request[sent % len(request):sent % len(request) + 1])
            except OSError:
                pass
        sent += 1
        time.sleep(1)
    closed = 0
    for sock in idle + slow:
        try:
            sock.setblocking(False)
            closed += sock.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        sock.close()
    out.put({"sent": len(idle) + len(slow), "wrong": 0, "note": f"{closed} of them closed by the station"})


def attack_rtu_bytes(link: str, seconds: float, out) -> None:
    """Random bytes into the pty as fast as it takes them."""
    fd, sent, end = open_raw(link), 0, time.monotonic() + seconds
    os.set_blocking(fd, True)
    while time.monotonic() < end:
        sent += os.write(fd, os.urandom(65536))
    os.close(fd)
    out.put({"sent": sent, "wrong": 0, "note": f"{sent / 1e6:.0f} MB"})


# --- the report ------------------------------------------------------------------------------------

def _latencies(probes: Probes, phase: str) -> tuple[str, str, int]:
    """p50/max of the answers in phase, the hangs per probe, the wrong answers."""
    samples = [s for s in probes.samples if s[0] == phase]
    times = [ms for _, _, ms, _ in samples if ms is not None]
    hangs = {}
    for _, name, ms, _ in samples:
        if ms is None:
            hangs[name] = hangs.get(name, 0) + 1
    wrong = sum(w for _, _, _, w in samples)
    shown = f"p50 {statistics.median(times):6.1f} max {max(times):7.1f}" if times else "no answers"
    return shown, ", ".join(f"{n} {c}" for n, c in sorted(hangs.items())) or "0", wrong


def run_attack(name: str, target, args: tuple, sim: Sim, probes: Probes) -> None:
    before = sim.rss_mb()
    out = multiprocessing.Queue()
    proc = multiprocessing.Process(target=target, args=(*args, out))
    probes.phase = f"{name} during"
    started = time.monotonic()
    proc.start()
    result = out.get()
    proc.join()
    took = time.monotonic() - started
    probes.phase = f"{name} after"
    time.sleep(REST_S)
    after = sim.rss_mb()
    during, hangs_d, wrong_d = _latencies(probes, f"{name} during")
    rested, hangs_a, wrong_a = _latencies(probes, f"{name} after")
    print(f"{name:10} sent {result['sent']:>9} in {took:5.1f} s ({result['note']})")
    print(f"{'':10} crashed {'no' if sim.alive() else 'YES'}; wrong answers {result['wrong'] + wrong_d + wrong_a};"
          f" probe hangs {hangs_d} during, {hangs_a} after; RSS {before:.0f} -> {after:.0f} MB")
    print(f"{'':10} probe ms during: {during}   after: {rested}", flush=True)


STORED = "SELECT coalesce(sum(n), 0), max(t1) FROM (SELECT n, t0, t1 FROM chunks UNION ALL SELECT n, t0, t1 FROM recent)"


def _rows(db: Path) -> int:
    """Values in the history (each chunk counts its values; 0 before the tables exist)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute(STORED).fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_soak(sim: Sim, folder: Path, kills: int) -> None:
    """Run `smarthall edge run` on the line, kill -9 it at a random time, check the file; repeat."""
    options = SimOptions(feeder_port=sim.port["feeder"], conveyor_port=sim.port["conveyor"],
                         process_port=urlsplit(sim.opcua).port, camera_port=urlsplit(sim.endpoints["camera"]).port,
                         fieldbus_link=str(sim.link))
    line, db = folder / "line.toml", folder / "history.db"
    write_sim_line(line, {**line_overrides(options), "northbound": {"port": 0}})
    rng, lost, gaps = random.Random(3), [], []
    for _ in range(kills):
        before = _rows(db)
        agent = subprocess.Popen([sys.executable, "-m", "smarthall", "edge", "run", "--line", str(line), "--db", str(db)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=sim.env)
        started, deadline = time.monotonic(), time.monotonic() + 90
        while time.monotonic() < deadline and _rows(db) <= before:  # the agent recording (start-up takes seconds)
            time.sleep(0.2)
        recording_after = time.monotonic() - started
        time.sleep(rng.uniform(2, 5))
        killed_at = time.time()
        agent.send_signal(signal.SIGKILL)
        agent.wait()
        with sqlite3.connect(db) as con:
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
            try:
                rows, last = con.execute(STORED).fetchone()
                last = last if rows > before else None  # the newest value stored, if this run stored any
                recent = con.execute(STORED + " WHERE t1 > ?", ((last or 0) - 2.0,)).fetchone()[0]  # a chunk: a flush
            except sqlite3.OperationalError:  # killed before it made its tables
                last = None
        if last is None:
            print(f"kill -9    integrity {integrity}; no rows written before the kill (agent still starting,"
                  f" or it could not start: exit {agent.returncode})")
            continue
        rate = recent / 2.0
        gap = killed_at - last
        gaps.append(gap)
        lost.append(gap * rate)
        print(f"kill -9    recording after {recording_after:.1f} s; integrity {integrity}; {rows - before} rows this run;"
              f" last row {gap:.2f} s before the kill;"
              f" about {gap * rate:.0f} rows lost at {rate:.0f} rows/s", flush=True)
    if not lost:
        return
    print(f"kill -9    {kills} kills: rows lost per kill median {statistics.median(lost):.0f},"
          f" max {max(lost):.0f}; gap median {statistics.median(gaps):.2f} s")


def main() -> None:
    import logging
    import warnings
    logging.basicConfig(level=logging.CRITICAL)  # the probes' own client logs are not the simulator's
    warnings.simplefilter("ignore", RuntimeWarning)  # nor a broken probe client's unawaited coroutines
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adus", type=int, default=1_000_000, help="malformed Modbus ADUs, TCP and RTU together")
    parser.add_argument("--seconds", type=float, default=20, help="longest time for each attack")
    parser.add_argument("--tcp-share", type=float, default=0.3, help="share of the ADUs sent over TCP (the rest RTU)")
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-soak-") as tmp:
        folder = Path(tmp)
        sim = Sim(folder)
        probes = Probes(sim)
        try:
            probes.start()
            time.sleep(REST_S)
            print(f"simulator pid {sim.proc.pid}, RSS {sim.rss_mb():.0f} MB; baseline probes:"
                  f" {_latencies(probes, 'start')[0]} ms", flush=True)
            tcp_count = int(args.adus * args.tcp_share)
            run_attack("tcp-adus", attack_tcp_adus, (sim.port["feeder"], tcp_count, args.seconds * 3), sim, probes)
            run_attack("rtu-adus", attack_rtu_adus, (str(sim.link), args.adus - tcp_count, args.seconds * 2),
                       sim, probes)
            run_attack("opcua", attack_opcua, (sim.opcua, 5, args.seconds), sim, probes)
            run_attack("opcua-body", attack_opcua_bodies, (sim.opcua, 32, min(args.seconds, 10)), sim, probes)
            run_attack("conns", attack_connections, (sim.port["conveyor"], min(args.seconds, 10)), sim, probes)
            run_attack("rtu-bytes", attack_rtu_bytes, (str(sim.link), min(args.seconds, 10)), sim, probes)
            logged, console = sim.log_lines()
            print(f"simulator: {logged} lines in its log file, {console} on its console over all attacks;"
                  f" wrong probe replies: {probes.wrong_replies};"
                  f" RTU replies to CRC-valid-by-chance frames seen by the probe: {probes.foreign_replies}")
            probes.stop()
            kill_soak(sim, folder, args.kills)
        finally:
            probes.stop()
            sim.stop()


if __name__ == "__main__":
    main()
