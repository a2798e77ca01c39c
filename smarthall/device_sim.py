"""`smarthall sim --device PROFILE[:N]`: simulated twins of any profiles instead of the line, until Ctrl-C.

N is the port for a Modbus TCP or OPC UA profile (default 0: a free one) and the unit id for a
one-device Modbus RTU profile (default: the profile's). Each twin prints its endpoint and the line
file's ``[[connections]]`` entry that reaches it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .texts import say


def device_spec(text: str) -> tuple[str, int | None]:
    """PROFILE or PROFILE:N (a port 0..65535, or a unit id for an RTU profile)."""
    name, sep, number = text.rpartition(":")
    if not sep or not number.isdigit():
        return text, None
    if int(number) > 65535:
        raise argparse.ArgumentTypeError(f"expected PROFILE or PROFILE:N (a port 0..65535 or a unit id), got {text!r}")
    return name, int(number)


def run(specs: list[tuple[str, int | None]], host: str, seed: int, lang: str) -> None:
    """Serve one twin per spec until SIGINT/SIGTERM; TwinError (one line) when one cannot be served."""
    from smarthall.devices.profiles import find_profile
    from smarthall.simulators.device import DeviceTwin, TwinError

    twins = []
    for name, number in specs:
        profile = find_profile(name)
        where = {} if number is None else {"unit" if profile.protocol == "modbus-rtu" else "port": number}
        twins.append(DeviceTwin(profile, seed=seed, host=host, **where))
    if len({t.profile.name for t in twins}) != len(twins):
        raise TwinError("each --device needs another profile (the twins' connections are named after them)")

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with contextlib.AsyncExitStack() as stack:
            for twin in twins:
                await stack.enter_async_context(twin)
            print(say("twins_started", lang, count=len(twins), seed=seed))
            for twin in twins:
                endpoint = twin.endpoint if isinstance(twin.endpoint, str) else "{}:{}".format(*twin.endpoint)
                print(f"  {twin.profile.name:20} {twin.profile.protocol:11} {endpoint}")
            print(say("twins_connections", lang))
            print("\n".join(twin.connection_table() for twin in twins))
            print(say("sim_stop_hint", lang), flush=True)
            await stop.wait()
        print(say("twins_stopped", lang))

    asyncio.run(serve())
