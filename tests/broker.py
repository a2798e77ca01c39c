"""A real Mosquitto for the tests: the shipped config and ACL (brokers/mosquitto/), a free port, a tmp folder."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.waiting import until

BROKER_DIR = Path(__file__).resolve().parent.parent / "brokers" / "mosquitto"
PASSWORDS = {"line1": "line1-secret", "line2": "line2-secret", "line3": "line3-secret", "centre": "centre-secret",
             "hall1": "hall1-secret"}  # hall1: a hall's bridge signing in to the complex's broker


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


def make_certificates(folder: Path) -> Path:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it (openssl); returns the CA file."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed: run `python3 dev.py test` as root, or apt-get install openssl")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for command in (["req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA"],
                    ["req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
                    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "server.crt", "-days", "2", "-extfile", "san.cnf"]):
        subprocess.run([openssl, *command], cwd=folder, check=True, capture_output=True)
    return folder / "ca.crt"


class Mosquitto:
    """One broker process; stop() and start() again keep its port (an outage and a return).

    With tls, a second listener on tls_port serves TLS with a certificate from `make_certificates`; acl is the
    shipped ACL it uses (the complex's: complex.acl); extra is appended to its config (a bridge).
    """

    def __init__(self, folder: Path, tls: bool = False, acl: str = "acl", extra: str = "") -> None:
        self.folder = folder
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.ca_file = make_certificates(folder) if tls else None
        self.process: asyncio.subprocess.Process | None = None
        self._log = None
        passwords = folder / "passwd"
        passwords.write_text("".join(f"{user}:{password}\n" for user, password in PASSWORDS.items()))
        subprocess.run([mosquitto_command("mosquitto_passwd"), "-U", str(passwords)], check=True)
        self.config = folder / "mosquitto.conf"
        # as root mosquitto would become user mosquitto, who cannot read the test's tmp folder
        self.config.write_text(f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\npassword_file {passwords}\n"
                               f"acl_file {BROKER_DIR / acl}\n" + (BROKER_DIR / "smarthall.conf").read_text() + extra)
        if tls:
            with self.config.open("a") as config:
                config.write(f"listener {self.tls_port} 127.0.0.1\ncafile {folder / 'ca.crt'}\n"
                             f"certfile {folder / 'server.crt'}\nkeyfile {folder / 'server.key'}\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._log = (self.folder / "mosquitto.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            mosquitto_command("mosquitto"), "-c", str(self.config), stdout=asyncio.subprocess.DEVNULL, stderr=self._log)
        await until(self._accepts, timeout=10)

    async def _accepts(self) -> bool:
        """Whether the broker takes a connection yet (RuntimeError with its log if it exited)."""
        if self.process.returncode is not None:
            raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()[-500:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
