"""OPC UA client security settings, checked without loading the protocol library.

Settings (a line file's connection keys, all optional):

- ``security_policy``: None (default), Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss;
  ``security_mode``: Sign or SignAndEncrypt (default, when the policy is not None).
- ``user`` with ``password_env`` (an environment variable's name) or ``password_file`` (a file holding
  the password; its first line); the password itself never goes into the line file.
- ``certificates``: the folder of this client's certificate (``client-cert.der``, ``client-key.pem``,
  made on first use) and of the server certificates it trusts (``trusted/``); default ``opcua`` in
  the user's data folder (``~/.local/share/smarthall/opcua``; ``$SMARTHALL_DATA/opcua``).
- ``trust``: ``first-use`` (default: a server's certificate is saved in ``trusted/`` the first time and
  must match from then on) or ``pinned`` (only certificates already in ``trusted/`` are accepted).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConnectFailed, SettingsError
from .folders import data_folder

POLICIES = ("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss")
MODES = ("Sign", "SignAndEncrypt")
TRUST = ("first-use", "pinned")
KEYS = ("security_policy", "security_mode", "user", "password_env", "password_file", "certificates", "trust")


def default_folder() -> Path:
    """`opcua` in the user's data folder ($SMARTHALL_DATA, else platformdirs'); a line file sets it from edge's."""
    return data_folder() / "opcua"


@dataclass(frozen=True)
class Security:
    """How one connection proves itself and whom it trusts (see the module docstring)."""

    policy: str = "None"
    mode: str = "SignAndEncrypt"
    user: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    certificates: Path | None = None
    trust: str = "first-use"

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Security:
        """The security keys of settings; SettingsError naming the key and what was expected."""
        def text(key: str, choices: tuple[str, ...] | None = None) -> str | None:
            value = settings.get(key)
            if value is not None and (not isinstance(value, str) or choices is not None and value not in choices):
                expected = f"one of {', '.join(choices)}" if choices else "a string"
                raise SettingsError(f"setting {key!r}: expected {expected}, got {value!r}")
            return value
        policy = text("security_policy", POLICIES) or "None"
        mode = text("security_mode", MODES) or "SignAndEncrypt"
        user, env, file = text("user"), text("password_env"), text("password_file")
        if (env or file) and not user:
            raise SettingsError("setting 'user': expected a user name beside password_env/password_file")
        if user and bool(env) == bool(file):
            raise SettingsError("setting 'user': expected exactly one of password_env (a variable's name)"
                                " or password_file (a file's path) for its password")
        folder = text("certificates")
        return cls(policy, mode, user, env, Path(file).expanduser() if file else None,
                   Path(folder).expanduser() if folder else None, text("trust", TRUST) or "first-use")

    def password(self) -> str:
        """The user's password from the environment or its file; ConnectFailed saying where it was looked for."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise ConnectFailed(f"user {self.user}: the environment variable {self.password_env} is not set",
                                    "no password")
            return value
        try:
            return self.password_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise ConnectFailed(f"user {self.user}: cannot read the password from {self.password_file}: {exc}",
                                "no password") from None

