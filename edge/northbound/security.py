"""The server's certificate and the client certificates it trusts, for the Basic256Sha256 modes.

In the line's pki folder (``[northbound] pki``, default ``<line>-opcua`` beside the
history file): ``own/cert.der`` and ``own/key.pem``, a self-signed application
certificate made on first start (and again when it no longer fits: expired,
another host name); ``trusted/``, the client certificates (DER or PEM) the
server accepts; ``rejected/``, where a refused client's certificate is written
so that whoever trusts it moves it to ``trusted/`` (read again at every new
session, no restart). A client is refused with BadCertificateUntrusted.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from asyncua import Server, ua
from asyncua.common.utils import ServiceError
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

log = logging.getLogger(__name__)

POLICIES = {
    "None": ua.SecurityPolicyType.NoSecurity,
    "Basic256Sha256_Sign": ua.SecurityPolicyType.Basic256Sha256_Sign,
    "Basic256Sha256_SignAndEncrypt": ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
}
_CHECKS = CertificateValidatorOptions.TIME_RANGE | CertificateValidatorOptions.TRUSTED | \
    CertificateValidatorOptions.PEER_CLIENT


class TrustList:
    """asyncua's certificate validator over pki/trusted, read again for every session."""

    def __init__(self, pki: Path) -> None:
        self.trusted = pki / "trusted"
        self.rejected = pki / "rejected"

    async def __call__(self, certificate: x509.Certificate, application: ua.ApplicationDescription) -> None:
        try:
            if not any(path.is_file() for path in self.trusted.iterdir()):  # TrustStore refuses an empty folder
                raise ServiceError(ua.StatusCodes.BadCertificateUntrusted)
            store = TrustStore([self.trusted], [])
            await store.load()
            await CertificateValidator(_CHECKS, store).validate(certificate, application)
        except ServiceError:
            name = "".join(c if c.isalnum() or c in "-_." else "_" for c in application.ApplicationUri or "client")
            path = self.rejected / f"{name}-{certificate.serial_number:x}.der"
            path.write_bytes(certificate.public_bytes(Encoding.DER))
            log.warning("OPC UA client %s refused: its certificate is not trusted; to trust it, move %s to %s",
                        application.ApplicationUri, path, self.trusted)
            raise


async def secure(server: Server, pki: Path, modes: tuple[str, ...], application_uri: str) -> None:
    """Set the server's security modes; for a signing mode, its certificate (made if missing) and trust list."""
    server.set_security_policy([POLICIES[mode] for mode in modes])
    if modes == ("None",):
        return
    for folder in ("own", "trusted", "rejected"):
        (pki / folder).mkdir(parents=True, exist_ok=True)
    key, cert = pki / "own" / "key.pem", pki / "own" / "cert.der"
    await setup_self_signed_certificate(key, cert, application_uri, socket.gethostname(),
                                        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
                                        {"commonName": "Smart Hall edge", "organizationName": "Smart Hall"})
    key.chmod(0o600)
    await server.load_certificate(str(cert))
    await server.load_private_key(str(key))
    server.set_certificate_validator(TrustList(pki))
