"""devices.driver.OFFERS says what each protocol's built-in driver offers: held to the driver classes themselves."""

from __future__ import annotations

import pytest

from smarthall.devices.driver import (
    OFFERS,
    Calls,
    CountsLostChanges,
    CountsViolations,
    ReadsValues,
    Subscribes,
    WritesBlocks,
    driver_for,
)
from smarthall.devices.profiles import load_profile

CAPABILITIES = (Subscribes, Calls, WritesBlocks, CountsViolations, CountsLostChanges, ReadsValues)
SETTINGS = {"modbus-tcp": ("feeder", {"host": "127.0.0.1", "port": 1}),
            "modbus-rtu": ("fieldbus", {"host": "127.0.0.1", "port": 1}),  # RTU framed over TCP: no serial port
            "opcua": ("process", {"endpoint": "opc.tcp://127.0.0.1:1"})}


@pytest.mark.parametrize("protocol", sorted(OFFERS))
def test_each_protocols_driver_offers_exactly_what_offers_says(protocol):
    profile_name, settings = SETTINGS[protocol]
    profile = load_profile(profile_name)
    assert profile.protocol == protocol
    driver = driver_for(profile, settings)  # made, not connected
    assert {c for c in CAPABILITIES if isinstance(driver, c)} == OFFERS[protocol]
