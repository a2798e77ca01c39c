"""The ``[northbound]`` table of a line file: where the OPC UA server listens and how clients sign in.

    [northbound]
    enabled = true                 # default true; `edge run` serves the line over OPC UA
    host = "127.0.0.1"             # default loopback; "0.0.0.0" for every interface
    port = 4850                    # default 4850; 0 picks a free port
    anonymous = true               # default true: anonymous sessions, as the users file's anonymous role (observer at most)
    security = ["None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt"]
    pki = "sim-opcua"              # the server's certificate, trusted/ and rejected/ client certificates
                                   # default: <line>-opcua beside the history file; relative to the line file

Security ``None`` is refused off loopback unless ``insecure_remote = true``:
passwords would cross the network in clear.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from smarthall.devices.toml_reader import TomlReader

DEFAULT_PORT = 4850
SECURITY_MODES = ("None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt")
_KEYS = ("enabled", "host", "port", "anonymous", "security", "pki", "insecure_remote")


@dataclass(frozen=True)
class NorthboundSettings:
    """Where the northbound OPC UA server listens and what it accepts."""

    pki: Path
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    anonymous: bool = True
    security: tuple[str, ...] = SECURITY_MODES

    @property
    def endpoint(self) -> str:
        """The endpoint URL as configured (port 0 until the server binds one)."""
        return f"opc.tcp://{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_northbound(reader: TomlReader, data: object, base: Path, default_pki: Path) -> NorthboundSettings:
    """The checked ``[northbound]`` table; `reader` raises its file's error naming the key and what was expected."""
    where = "[northbound]"
    data = reader.table(data, where)
    reader.known_keys(data, where, _KEYS)
    host = reader.get(data, "host", where, str, "127.0.0.1")
    port = reader.number(data, "port", where, 0, 65535, DEFAULT_PORT)
    if not isinstance(port, int):
        raise reader.fail(where, f"key 'port': expected a whole number (0 picks a free port), got {port!r}")
    security = reader.get(data, "security", where, list, list(SECURITY_MODES))
    if not security or any(mode not in SECURITY_MODES for mode in security):
        raise reader.fail(where, f"key 'security': expected a list of {', '.join(SECURITY_MODES)}, got {security!r}")
    insecure_remote = reader.get(data, "insecure_remote", where, bool, False)
    if "None" in security and not is_loopback(host) and not insecure_remote:
        raise reader.fail(where, f"key 'security': \"None\" on {host} would send passwords in clear off this machine;"
                          " remove it, or set insecure_remote = true")
    raw_pki = reader.get(data, "pki", where, str, None)
    return NorthboundSettings(
        pki=default_pki if raw_pki is None else base / Path(raw_pki).expanduser(),
        enabled=reader.get(data, "enabled", where, bool, True), host=host, port=port,
        anonymous=reader.get(data, "anonymous", where, bool, True), security=tuple(dict.fromkeys(security)))


__all__ = ["DEFAULT_PORT", "SECURITY_MODES", "NorthboundSettings", "is_loopback", "read_northbound"]
