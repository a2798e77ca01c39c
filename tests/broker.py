"""A real Mosquitto for the tests: the shipped config and ACL (brokers/mosquitto/), a free port, a tmp folder."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

BROKER_DIR = Path(__file__).resolve().parent.parent / "brokers" / "mosquitto"
PASSWORDS = {"line1": "line1-secret", "line2": "line2-secret", "centre": "centre-secret"}


def mosquitto_command(name: str) -> str:
    """mosquitto lives in /usr/sbin, which a user's PATH may not have."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        pytest.fail(f"{name} is not installed: run `python3 dev.py test` as root, or apt-get install mosquitto")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mosquitto:
    """One broker process; stop() and start() again keep its port (an outage and a return)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self._log = None
        passwords = folder / "passwd"
        passwords.write_text("".join(f"{user}:{password}\n" for user, password in PASSWORDS.items()))
        subprocess.run([mosquitto_command("mosquitto_passwd"), "-U", str(passwords)], check=True)
        self.config = folder / "mosquitto.conf"
        # as root mosquitto would become user mosquitto, who cannot read the test's tmp folder
        self.config.write_text(f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\npassword_file {passwords}\n"
                               f"acl_file {BROKER_DIR / 'acl'}\n" + (BROKER_DIR / "smarthall.conf").read_text())

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._log = (self.folder / "mosquitto.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            mosquitto_command("mosquitto"), "-c", str(self.config), stdout=asyncio.subprocess.DEVNULL, stderr=self._log)
        async with asyncio.timeout(10):
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()[-500:]}")
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    await writer.wait_closed()
                    return
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
