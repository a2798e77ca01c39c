"""The OPC UA driver against a third-party server (node-opcua) laid out like a Siemens S7-1500.

String NodeIds, the nsu= form, deep browse paths, an Int16 method argument, a mistyped node among
good ones, and a server that requires SignAndEncrypt and a user. The server is
tests/peers/s7_server.js, from npm (`python3 dev.py test` installs tests/peers).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from smarthall.devices import CallFailed, ConnectFailed, Quality, Reading, Timeouts
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.profiles import Point, load_profile
from smarthall.devices.security import Security
from tests.peers.node_peer import NodePeer
from tests.waiting import until

pytestmark = [pytest.mark.interop, pytest.mark.debian("node"), pytest.mark.debian("npm")]  # npm: node_modules

PROFILE = load_profile(Path(__file__).with_name("s7_1500.toml"))
LINE = PROFILE.device("line")
NAMESPACE = str(PROFILE.transport["namespace"])
FAST = Timeouts(connect=10.0, read=2.0, write=2.0, backoff_min=0.05, backoff_max=0.2)
USER, PASSWORD = "operator", "s3cret!"


@pytest.fixture(scope="module")
def s7(tmp_path_factory) -> Iterator[str]:
    with NodePeer("s7_server.js", "--pki", str(tmp_path_factory.mktemp("s7-pki"))) as url:
        yield url


@pytest.fixture(scope="module")
def s7_secure(tmp_path_factory) -> Iterator[str]:
    with NodePeer("s7_server.js", "--pki", str(tmp_path_factory.mktemp("s7-secure-pki")),
                  "--secure", f"{USER}:{PASSWORD}") as url:
        yield url


@pytest.fixture
async def driver(s7):
    made = OpcUaDriver(s7, NAMESPACE, FAST, rng=random.Random(0))
    try:
        yield made
    finally:
        await made.close()


async def test_string_node_ids_nsu_and_deep_browse_paths_read_good(driver):
    readings = {p.name: r for p, r in zip(LINE.points, await driver.read(LINE, LINE.points))}
    assert all(r.quality is Quality.GOOD for r in readings.values()), readings
    assert 15 <= readings["temperature"].value <= 25
    assert readings["current"].value == pytest.approx(1.5)
    assert isinstance(readings["count"].value, int) and isinstance(readings["running"].value, bool)


async def test_writes_by_nsu_node_id_and_by_path_from_the_object(driver):
    await driver.write(LINE, LINE.point("speed"), -1200)
    await driver.write(LINE, LINE.point("running"), True)
    speed, running = await driver.read(LINE, [LINE.point("speed"), LINE.point("running")])
    assert (speed.value, running.value) == (-1200, True)


async def test_int16_method_argument_out_of_range_is_refused_before_sending(driver):
    await driver.write(LINE, LINE.point("speed"), 300)
    with pytest.raises(CallFailed, match=r"line\.SetSpeed: argument speed \(Int16\): expected a whole number"
                                         r" -32768\.\.32767, got 40000") as caught:
        await driver.call(LINE, "SetSpeed", 40000)
    assert caught.value.reason == "bad argument" and driver.connected
    assert (await driver.read(LINE, [LINE.point("speed")]))[0].value == 300, "nothing reached the server"
    assert await driver.call(LINE, "SetSpeed", 1500) == 300
    assert (await driver.read(LINE, [LINE.point("speed")]))[0].value == 1500


async def test_a_mistyped_node_leaves_the_other_points_good(driver):
    typo = Point(**{**LINE.point("temperature").__dict__, "name": "typo", "node": 'ns=3;s="DB_Line"."Temprature"'})
    lost = Point(**{**LINE.point("current").__dict__, "name": "lost", "node": "Motor/Drive/Curent"})
    device = replace(LINE, points=(typo, lost, *LINE.points))
    readings = await driver.read(device, device.points)
    assert [(r.quality, r.reason) for r in readings[:2]] == [(Quality.BAD, "BadNodeIdUnknown"), (Quality.BAD, "BadNoMatch")]
    assert all(r.quality is Quality.GOOD for r in readings[2:])
    got: list[tuple[str, Reading]] = []
    await driver.subscribe(device, device.points, lambda p, r: got.append((p.name, r)), interval_ms=50)
    temperatures = lambda: {r.value for n, r in got if n == "temperature" and r.quality is Quality.GOOD}
    await until(lambda: len(temperatures()) >= 3)  # changes keep coming for the good points
    assert {n for n, r in got if r.quality is not Quality.GOOD} == {"typo", "lost"}


@pytest.mark.parametrize(("settings", "granted"), [({}, 200), ({"sampling_ms": 0}, 50)])
async def test_items_are_sampled_at_the_interval_or_as_fast_as_the_server_allows(s7, settings, granted):
    """The health shows what the server granted: the lookalike's variables sample at 50 ms at the fastest."""
    driver = OpcUaDriver.from_settings({"endpoint": s7, "namespace": NAMESPACE, **settings}, FAST)
    try:
        await driver.subscribe(LINE, LINE.points, lambda p, r: None, interval_ms=200)
        assert driver.health.sampling_ms == granted
    finally:
        await driver.close()

def _secure(folder: Path, **settings) -> Security:
    return Security.from_settings({"security_policy": "Basic256Sha256", "security_mode": "SignAndEncrypt",
                                   "user": USER, "password_env": "S7_PASSWORD", "certificates": str(folder),
                                   **settings})


@pytest.mark.parametrize("policy", ["Basic256Sha256", "Aes256_Sha256_RsaPss"])
async def test_sign_and_encrypt_with_a_user_reads_good_and_trusts_the_server_on_first_use(
        s7_secure, tmp_path, monkeypatch, policy):
    monkeypatch.setenv("S7_PASSWORD", PASSWORD)
    driver = OpcUaDriver(s7_secure, NAMESPACE, FAST, security=_secure(tmp_path, security_policy=policy))
    try:
        readings = await driver.read(LINE, LINE.points)
        assert all(r.quality is Quality.GOOD for r in readings), readings
    finally:
        await driver.close()
    assert (tmp_path / "client-cert.der").exists() and len(list((tmp_path / "trusted").glob("*.der"))) == 1
    again = OpcUaDriver(s7_secure, NAMESPACE, FAST, security=_secure(tmp_path, security_policy=policy, trust="pinned"))
    try:
        (temperature,) = await again.read(LINE, [LINE.point("temperature")])
        assert temperature.quality is Quality.GOOD, "the certificate trusted on first use is pinned now"
    finally:
        await again.close()


async def test_a_wrong_password_or_no_security_or_an_unknown_server_certificate_is_refused(
        s7_secure, tmp_path, monkeypatch):
    monkeypatch.setenv("S7_PASSWORD", "wrong")
    cases = [
        (_secure(tmp_path), r"BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid"),
        (Security(), r"BadSecurityPolicyRejected|BadIdentityTokenInvalid|BadSecurityModeRejected|cannot connect"),
        (_secure(tmp_path / "empty", trust="pinned"), r"is not in .*trusted; copy it there to trust it"),
    ]
    for security, message in cases:
        driver = OpcUaDriver(s7_secure, NAMESPACE, FAST, security=security)
        try:
            with pytest.raises(ConnectFailed, match=message):
                await driver.connect()
            assert not driver.connected
        finally:
            await driver.close()


async def test_a_missing_password_says_where_it_was_looked_for(s7_secure, tmp_path, monkeypatch):
    monkeypatch.delenv("S7_PASSWORD", raising=False)
    driver = OpcUaDriver(s7_secure, NAMESPACE, FAST, security=_secure(tmp_path))
    try:
        with pytest.raises(ConnectFailed, match="the environment variable S7_PASSWORD is not set"):
            await driver.connect()
    finally:
        await driver.close()

