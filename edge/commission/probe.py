"""Probe every device of a line once: reach it, read each point in a request of its own, judge what came back.

Per connection: whether it opened (or why not), then per point the quality, the value, the round-trip
time of its request and what is wrong with it (`Finding`: out of range, a likely word order, a missing
OPC UA node with similar names the server has). An RS-485 bus where no device answers is asked again
at the other common baud rates: a device answering at one of them is the wrong-baud finding; replies
failing their CRC are told apart from silence (noise, parity, stop bits, termination).
"""

from __future__ import annotations

import asyncio
import errno
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from smarthall.devices.driver import Driver, Timeouts, driver_for
from smarthall.devices.errors import ConnectFailed
from smarthall.devices.profiles import Device, Point, Text
from smarthall.devices.quality import Quality, Reading

from ..config import Connection, LineConfig
from .analysis import out_of_range, similar_names, word_order_hint

BAUD_RATES = (9600, 19200, 38400, 115200, 4800, 2400, 57600, 1200)
_MISSING_NODE = ("BadNodeIdUnknown", "BadNoMatch", "BadBrowseNameInvalid")
_SOCKET_ERRORS = {errno.ECONNREFUSED: "연결이 거부되었습니다 (그 포트에서 기다리는 프로그램이 없음)",
                  errno.EHOSTUNREACH: "그 호스트로 가는 경로가 없습니다", errno.ENETUNREACH: "그 네트워크에 닿을 수 없습니다",
                  errno.ECONNRESET: "상대가 연결을 끊었습니다"}
_PROBE_TIMEOUTS = Timeouts(connect=1.0, read=0.3, write=0.3, backoff_min=0.01, backoff_max=0.01)


@dataclass(frozen=True)
class Finding:
    """Something wrong (or worth knowing), as a text key of `report` and its values."""

    key: str
    values: dict = field(default_factory=dict)
    problem: bool = True


@dataclass
class PointResult:
    tag: str
    point: Point
    reading: Reading
    rtt_s: float
    findings: list[Finding] = field(default_factory=list)


@dataclass
class ConnectionResult:
    name: str
    protocol: str
    where: str
    reachable: bool = False
    findings: list[Finding] = field(default_factory=list)
    points: list[PointResult] = field(default_factory=list)

    @property
    def rtt_median_s(self) -> float | None:
        times = [p.rtt_s for p in self.points if p.reading.quality is Quality.GOOD]
        return statistics.median(times) if times else None

    @property
    def problems(self) -> int:
        return sum(f.problem for f in self.findings) + sum(f.problem for p in self.points for f in p.findings)


DriverFor = Callable[[Connection, dict], Driver]


def _driver(connection: Connection, changes: dict) -> Driver:
    return driver_for(connection.profile, {**connection.settings, **changes}, connection.timeouts)


async def commission(line: LineConfig, drivers: DriverFor = _driver) -> list[ConnectionResult]:
    """Every connection of the line probed in turn (a serial port is opened by one of them at a time), then its
    camera ([vision])."""
    results = [await probe(connection, drivers) for connection in line.connections]
    if line.vision is not None:
        from .camera import probe_camera  # OpenCV only for a line with a camera

        results.append(await probe_camera(line.vision.camera))
    return results


async def probe(connection: Connection, drivers: DriverFor = _driver) -> ConnectionResult:
    settings = connection.settings
    where = str(settings.get("endpoint") or settings.get("link") or f"{settings.get('host')}:{settings.get('port')}")
    result = ConnectionResult(connection.name, connection.profile.protocol, where)
    driver = drivers(connection, {})
    try:
        try:
            await driver.connect()
        except ConnectFailed as exc:
            reason = await _socket_reason(settings, connection.timeouts.connect) if "host" in settings else None
            result.findings.append(Finding("unreachable", {"reason": reason or exc.said or str(exc)}))
            return result
        result.findings += [Finding("note", {"text": note}, problem=False)
                            for note in getattr(driver, "serial_notes", ())]
        for device in connection.profile.devices:
            for point in device.points:
                result.points.append(await _read(driver, device, point))
        await _missing_nodes(driver, result)
    finally:
        await driver.close()
    answered = [p for p in result.points if p.reading.reason not in ("timeout", "not connected")]
    result.reachable = bool(answered)
    if connection.profile.protocol == "modbus-rtu":
        await _serial_line(connection, result, drivers)
    elif not answered:
        result.findings.append(Finding("no_answer", {"reason": result.points[0].reading.reason if result.points
                                                      else "no points"}))
    return result


async def _socket_reason(settings, timeout: float) -> Text | None:
    """Why a plain TCP connection to host:port fails (refused, timed out, no route), or None if it opens."""
    where = f"{settings['host']}:{settings.get('port', 502)}"
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(settings["host"], settings.get("port", 502))
    except TimeoutError:
        return Text(ko=f"{where}: {timeout:g}초 안에 응답이 없습니다 (방화벽, 또는 이 주소에 장치가 없음)",
                    en=f"{where}: no answer within {timeout:g} s (a firewall, or no device at this address)")
    except OSError as exc:
        english = os.strerror(exc.errno) if exc.errno else str(exc)
        korean = _SOCKET_ERRORS.get(exc.errno or 0, english)
        return Text(ko=f"{where}: {korean}", en=f"{where}: {english}")
    writer.close()
    await writer.wait_closed()
    return None


async def _read(driver: Driver, device: Device, point: Point) -> PointResult:
    started = time.perf_counter()
    (reading,) = await driver.read(device, [point])
    result = PointResult(f"{device.name}.{point.name}", point, reading, time.perf_counter() - started)
    if reading.quality is not Quality.GOOD:
        result.findings.append(Finding("bad", {"reason": reading.reason}))
        return result
    if (hint := word_order_hint(point, reading.value)) is not None:
        result.findings.append(Finding("word_order", {"order": point.word_order, "value": reading.value,
                                                      "other": hint[0], "other_value": hint[1]}))
    elif (limits := out_of_range(point, reading.value)) is not None:
        result.findings.append(Finding("out_of_range", {"value": reading.value, "low": limits[0], "high": limits[1],
                                                        "unit": point.unit}))
    return result


async def _missing_nodes(driver: Driver, result: ConnectionResult) -> None:
    """For each OPC UA node the server does not have, the names it has that are most like it."""
    missing = [p for p in result.points if p.reading.reason in _MISSING_NODE]
    if not missing or not hasattr(driver, "variables"):
        return
    found = await driver.variables()
    for point in missing:
        similar = similar_names(point.point.node or "", found)
        point.findings.append(Finding("similar_nodes", {"node": point.point.node, "similar": ", ".join(
            f"{node} ({path})" for path, node in similar) or "-"}))


async def _serial_line(connection: Connection, result: ConnectionResult, drivers: DriverFor) -> None:
    """Silence vs CRC errors on an RS-485 bus; when every device is silent, the baud rate it answers at."""
    if any("crc" in p.reading.reason for p in result.points):
        result.findings.append(Finding("crc_errors", {"count": sum("crc" in p.reading.reason for p in result.points)}))
    by_device: dict[str, list[PointResult]] = {}
    for point in result.points:
        by_device.setdefault(point.tag.rpartition(".")[0], []).append(point)
    silent = [d for d in connection.profile.devices
              if all(p.reading.reason == "timeout" for p in by_device.get(d.name, []))]
    if not silent:
        return
    if len(silent) < len(connection.profile.devices):
        for device in silent:
            result.findings.append(Finding("unit_silent", {"device": device.name, "unit": device.unit}))
        return
    baud = connection.settings.get("baudrate", 19200)
    result.findings.append(Finding("bus_silent", {"baud": baud}))
    device = silent[0]
    for other in (b for b in BAUD_RATES if b != baud):
        driver = drivers(replace(connection, timeouts=_PROBE_TIMEOUTS), {"baudrate": other})
        try:
            (reading,) = await driver.read(device, device.points[:1])
        finally:
            await driver.close()
        if reading.quality is Quality.GOOD or "crc" in reading.reason:
            result.findings.append(Finding("answers_at", {"device": device.name, "baud": other}))
            return
