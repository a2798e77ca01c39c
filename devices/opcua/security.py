"""OPC UA client security on a connection: user and password, this client's certificate, trusting the server's.

The settings are `devices.security.Security`; this module applies them to an asyncua client.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from pathlib import Path

from asyncua import Client, ua
from asyncua.crypto import security_policies

from ..errors import ConnectFailed
from ..security import Security, default_folder

log = logging.getLogger(__name__)

POLICIES = {
    "Basic256Sha256": security_policies.SecurityPolicyBasic256Sha256,
    "Aes128_Sha256_RsaOaep": security_policies.SecurityPolicyAes128Sha256RsaOaep,
    "Aes256_Sha256_RsaPss": security_policies.SecurityPolicyAes256Sha256RsaPss,
}
MODES = {"Sign": ua.MessageSecurityMode.Sign, "SignAndEncrypt": ua.MessageSecurityMode.SignAndEncrypt}
APPLICATION_URI = f"urn:{socket.gethostname()}:smarthall:edge"


async def apply(security: Security, client: Client, endpoint: str) -> None:
    """Set up client (user, certificate, the trusted server certificate) before it connects."""
    if security.user:
        client.set_user(security.user)
        client.set_password(security.password())
    if security.policy == "None":
        return
    policy = POLICIES[security.policy]
    folder = security.certificates or default_folder()
    client.application_uri = APPLICATION_URI
    cert, key = await client.setup_self_signed_certificate(folder / "client-key.pem", folder / "client-cert.der")
    server_cert = await _server_certificate(security, client, endpoint, policy, folder / "trusted")
    await client.set_security(policy, cert, key, server_certificate=server_cert, mode=MODES[security.mode])


async def _server_certificate(security: Security, client: Client, endpoint: str, policy, trusted: Path) -> bytes:
    """The server's certificate for this policy and mode, once it is trusted (first use or pinned)."""
    endpoints = await client.connect_and_get_server_endpoints()
    try:
        offered = Client.find_endpoint(endpoints, MODES[security.mode], policy.URI)
    except ValueError:
        have = sorted({f"{e.SecurityPolicyUri.rsplit('#', 1)[-1]}/{e.SecurityMode.name}" for e in endpoints})
        raise ConnectFailed(f"{endpoint} offers no {security.policy}/{security.mode} endpoint (it offers"
                            f" {', '.join(have)})", "no such security") from None
    der = _first_certificate(offered.ServerCertificate)
    thumbprint = hashlib.sha1(der).hexdigest()
    pinned = trusted / f"{_file_name(endpoint)}.der"
    if trusted.is_dir() and any(p.read_bytes() == der for p in trusted.glob("*.der")):
        return der
    if security.trust == "pinned":
        raise ConnectFailed(f"{endpoint}: its certificate (SHA-1 {thumbprint}) is not in {trusted};"
                            " copy it there to trust it", "untrusted server")
    if pinned.exists():
        raise ConnectFailed(f"{endpoint}: its certificate changed (now SHA-1 {thumbprint}); if that was"
                            f" expected, delete {pinned} to trust the new one", "untrusted server")
    trusted.mkdir(parents=True, exist_ok=True)
    pinned.write_bytes(der)
    log.warning("%s: trusting its certificate on first use (SHA-1 %s), saved as %s", endpoint, thumbprint, pinned)
    return der


def _first_certificate(chain: bytes) -> bytes:
    """The leaf of a DER certificate chain (a SEQUENCE with a two-byte or longer length)."""
    if len(chain) < 4 or chain[0] != 0x30:
        return chain
    first = chain[1]
    if first < 0x80:
        return chain[:2 + first]
    size = int.from_bytes(chain[2:2 + (first & 0x7F)], "big")
    return chain[:2 + (first & 0x7F) + size]


def _file_name(endpoint: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in endpoint.removeprefix("opc.tcp://"))
