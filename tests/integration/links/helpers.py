"""Small builders shared by the link tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.connectors.base import Outbound
from hub.model import Kind, Message


def outbound(key: str, payload: bytes, format: str = "mt103") -> Outbound:
    return Outbound(message_id=f"id-{key}", idempotency_key=key, format=format,
                    payload=payload, message=Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER))


def fin(reference: str) -> bytes:
    return (b"{1:F01BANKBEBBAXXX0000000000}{2:I103BANKDEFFXXXXN}{4:\r\n:20:"
            + reference.encode() + b"\r\n:23B:CRED\r\n-}")


def certificate(tmp: Path, name: str, *, days: int = 30, offset_days: int = -1
                ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, Path, Path]:
    """A self-signed EC certificate and key, also written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.now(UTC) + timedelta(days=offset_days)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .sign(key, hashes.SHA256()))
    cert_path = tmp / f"{name}.crt"
    key_path = tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert, key, cert_path, key_path


class LockLease:
    """A mailbox lease shared by several connectors in one process (as PostgreSQL's advisory
    lock is shared by several processes): non-blocking, held for the context."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.grants = 0

    @contextlib.asynccontextmanager
    async def __call__(self, key: str) -> AsyncIterator[bool]:
        if key in self.held:
            yield False
            return
        self.held.add(key)
        self.grants += 1
        try:
            yield True
        finally:
            self.held.discard(key)


async def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
