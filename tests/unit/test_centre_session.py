"""The centre's MQTT session worker ends when cancelled, whatever it was doing (it reconnected forever when the
cancellation came during its pause before reconnecting: Textual's and asyncio's shutdown then waited for ever)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from smarthall.centre.app import mqtt_session
from smarthall.centre.model import HostModel
from tests.broker import free_port
from tests.waiting import until


async def test_the_session_ends_when_cancelled_while_it_waits_to_reconnect():
    app = SimpleNamespace(model=HostModel(), status="", client=None, lang="en")
    session = asyncio.create_task(mqtt_session(f"mqtt://127.0.0.1:{free_port()}", "centre", None, None)(app))
    try:
        await until(lambda: app.status, timeout=30)  # nothing listens there: the broker is lost, a pause follows
        session.cancel()
        await asyncio.wait({session}, timeout=10)
        assert session.cancelled()
    finally:
        while not session.done():  # the old worker swallowed the cancellation: end it for the next test
            session.cancel()
            await asyncio.wait({session}, timeout=1)
