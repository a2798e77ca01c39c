"""The classroom's own Mosquitto: every team's simulated line publishes Sparkplug B to it, `smarthall centre` watches.

Started on a free loopback port with the shipped settings and ACL (smarthall.brokers, brokers/mosquitto/ in the
repository): every client signs in and a line may publish only under its own edge node id (its MQTT user name, the
team's name). Each team and the centre get a fresh random password in a file of their own in the broker's folder
(readable by the instructor only), hashed for Mosquitto by Debian's mosquitto_passwd. `mosquitto` is looked for on
PATH, then in /usr/sbin (where Debian puts it, and a user's PATH often lacks); `find` says None when it is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import secrets
import shutil
import socket
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from smarthall.lessons.errors import LessonError

CENTRE_USER = "centre"  # the host application's MQTT user (the ACL lets it read everything and send commands)
START_S = 10.0  # the broker takes connections within this long, or its start failed


class BrokerStartError(LessonError):
    """The classroom's broker did not start: the command, and the end of its log."""


def find(command: str = "mosquitto") -> str | None:
    """The path of a Mosquitto command, on PATH or in /usr/sbin; None when it is not installed."""
    return shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")


class ClassroomBroker:
    """One Mosquitto process on a free loopback port; `users` (each team's line, and the centre) sign in to it."""

    def __init__(self, folder: Path, users: Iterable[str]) -> None:
        self.folder = folder
        self.users = (*users, CENTRE_USER)
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def password_file(self, user: str) -> Path:
        return self.folder / f"{user}.password"

    def centre_command(self) -> str:
        """The shell command that opens the control centre on this broker."""
        return (f"SMARTHALL_MQTT_PASSWORD=$(cat {self.password_file(CENTRE_USER)}) smarthall centre "
                f"--broker {self.url} --username {CENTRE_USER}")

    async def __aenter__(self) -> ClassroomBroker:
        mosquitto, hasher = find("mosquitto"), find("mosquitto_passwd")
        if mosquitto is None or hasher is None:
            raise BrokerStartError("mosquitto is not installed (apt-get install mosquitto)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        passwords = self.folder / "passwd"
        lines = []
        for user in self.users:
            password = secrets.token_urlsafe(18)
            self.password_file(user).write_text(password + "\n", encoding="utf-8")
            lines.append(f"{user}:{password}\n")
        passwords.write_text("".join(lines), encoding="utf-8")
        hashing = await asyncio.create_subprocess_exec(hasher, "-U", str(passwords), stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.PIPE)
        _, error_bytes = await hashing.communicate()
        if hashing.returncode != 0:
            error = error_bytes.decode(errors="replace").strip()
            raise BrokerStartError(f"{hasher} -U {passwords}: {error or f'exit {hashing.returncode}'}")
        self.port = _free_port()
        config = self.folder / "mosquitto.conf"
        shipped = Path(str(resources.files("smarthall.brokers"))) / "mosquitto"
        # as root mosquitto would become user mosquitto, who cannot read this folder
        config.write_text(f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\npassword_file {passwords}\n"
                          f"acl_file {shipped / 'acl'}\n" + (shipped / "smarthall.conf").read_text(encoding="utf-8"),
                          encoding="utf-8")
        with (self.folder / "mosquitto.log").open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(mosquitto, "-c", str(config),
                                                                 stdout=asyncio.subprocess.DEVNULL, stderr=log)
        try:
            await self._accepting()
        except BaseException:
            await self.close()
            raise
        return self

    async def _accepting(self) -> None:
        """Until the broker takes a connection; BrokerStartError with its log if it exits or takes none in time."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(START_S):
                while self._process is not None and self._process.returncode is None:
                    with contextlib.suppress(OSError):
                        _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                        writer.close()
                        await writer.wait_closed()
                        return
                    await asyncio.sleep(0.05)
        log = (self.folder / "mosquitto.log").read_text(encoding="utf-8", errors="replace").strip()
        raise BrokerStartError(f"mosquitto on 127.0.0.1:{self.port} did not start ({self.folder / 'mosquitto.conf'}): "
                               f"{log[-300:] or 'no log'}")

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        self._process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
