"""The line file's ``[mqtt]`` table: broker, Sparkplug ids, credentials, TLS, primary host, store-and-forward.

    [mqtt]
    broker = "mqtt://127.0.0.1:1883"   # mqtts://host:8883 for TLS
    group_id = "hall1"                 # Sparkplug group: the hall
    edge_node_id = "line1"             # default: the line's name
    username = "line1"
    password_env = "SMARTHALL_MQTT_PASSWORD"   # or password_file = "mqtt-password" (relative to the line file)
    ca_file = "ca.crt"                 # with mqtts://: trust this CA (default: the system's)
    primary_host = "centre"            # publish live only while spBv1.0/STATE/centre says online
    command_user = "centre"            # the users-file account NCMD/DCMD writes are made as
    keepalive_s = 10

    [mqtt.store]                       # store-and-forward while the broker or primary host is away
    path = "line1-sparkplug.db"        # default: <line>-sparkplug.db beside the history file
    max_mb = 50                        # oldest changes dropped first beyond these, counted
    max_age_h = 24
    drain_per_s = 500                  # stored changes sent per second once back (live data goes first)

The password itself never sits in the line file; it is read when the agent connects.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from smarthall.devices.toml_reader import TomlReader

from ..errors import EdgeError

_ID = re.compile(r"^[^/+#]+$")  # Sparkplug ids: no topic separators or wildcards
_KEYS = ("broker", "group_id", "edge_node_id", "username", "password_env", "password_file", "ca_file",
         "primary_host", "command_user", "keepalive_s", "store")
_STORE_KEYS = ("path", "max_mb", "max_age_h", "drain_per_s")

SOCKET_OPTIONS = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)
"""Every MQTT client of ours sends at once: paho leaves Nagle's algorithm on, which holds a small message back
until the broker acknowledges the one before (a delayed ACK: tens of ms)."""


class CredentialsError(EdgeError):
    """The MQTT password could not be read (its variable is unset, its file unreadable)."""


@dataclass(frozen=True)
class StoreSettings:
    path: Path
    max_bytes: int
    max_age_s: float
    drain_per_s: float


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int
    tls: bool
    group_id: str
    edge_node_id: str
    username: str | None
    password_env: str | None
    password_file: Path | None
    ca_file: Path | None
    primary_host: str | None
    command_user: str | None
    keepalive_s: int
    store: StoreSettings

    def password(self) -> str | None:
        """The password from its environment variable or file (one line, trailing newline dropped)."""
        if self.password_env is not None:
            if (value := os.environ.get(self.password_env)) is None:
                raise CredentialsError(f"[mqtt] password_env: environment variable {self.password_env} is not set")
            return value
        if self.password_file is not None:
            try:
                return self.password_file.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise CredentialsError(f"[mqtt] password_file: cannot read {self.password_file}: {exc.strerror}") from None
        return None


def read_mqtt(reader: TomlReader, data: object, base: Path, line_name: str, history_path: Path) -> MqttSettings:
    """The checked [mqtt] table; `reader` raises the line file's error naming the file, key and expectation."""
    where = "[mqtt]"
    data = reader.table(data, where)
    reader.known_keys(data, where, _KEYS)
    broker = reader.get(data, "broker", where, str)
    url = urlsplit(broker)
    try:
        port = url.port
    except ValueError:
        port = -1
    if url.scheme not in ("mqtt", "mqtts") or not url.hostname or port == -1 or url.path not in ("", "/"):
        raise reader.fail(where, f"key 'broker': expected mqtt://host:port or mqtts://host:port, got {broker!r}")
    ids = {}
    for key, default in (("group_id", ...), ("edge_node_id", line_name), ("primary_host", None),
                         ("command_user", None)):
        value = reader.get(data, key, where, str, default)
        if value is not None and key != "command_user" and not _ID.match(value):
            raise reader.fail(where, f"key {key!r}: expected a name without '/', '+' or '#', got {value!r}")
        ids[key] = value
    if "password_env" in data and "password_file" in data:
        raise reader.fail(where, "keys 'password_env' and 'password_file': expected one of them, not both")
    password_file = reader.get(data, "password_file", where, str, None)
    ca_file = reader.get(data, "ca_file", where, str, None)
    if ca_file is not None and url.scheme != "mqtts":
        raise reader.fail(where, "key 'ca_file': a CA file needs TLS: expected broker = \"mqtts://...\"")
    keepalive = reader.number(data, "keepalive_s", where, 1, 3600, 10)
    if not isinstance(keepalive, int):
        raise reader.fail(where, f"key 'keepalive_s': expected a whole number, got {keepalive!r}")
    return MqttSettings(
        host=url.hostname, port=port or (8883 if url.scheme == "mqtts" else 1883), tls=url.scheme == "mqtts",
        group_id=ids["group_id"], edge_node_id=ids["edge_node_id"],
        username=reader.get(data, "username", where, str, None),
        password_env=reader.get(data, "password_env", where, str, None),
        password_file=None if password_file is None else base / Path(password_file).expanduser(),
        ca_file=None if ca_file is None else base / Path(ca_file).expanduser(),
        primary_host=ids["primary_host"], command_user=ids["command_user"], keepalive_s=keepalive,
        store=_store(reader, reader.get(data, "store", where, dict, {}), base, line_name, history_path))


def _store(reader: TomlReader, data: dict, base: Path, line_name: str, history_path: Path) -> StoreSettings:
    where = "[mqtt.store]"
    reader.known_keys(data, where, _STORE_KEYS)
    raw = reader.get(data, "path", where, str, None)
    return StoreSettings(
        path=history_path.with_name(f"{line_name}-sparkplug.db") if raw is None else base / Path(raw).expanduser(),
        max_bytes=int(reader.number(data, "max_mb", where, 0.01, 100_000, 50) * 1_000_000),
        max_age_s=float(reader.number(data, "max_age_h", where, 0.001, 24 * 365, 24)) * 3600,
        drain_per_s=float(reader.number(data, "drain_per_s", where, 1, 1_000_000, 500)))
