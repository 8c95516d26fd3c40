"""Detached CMS signatures: our signer, our verifier, and OpenSSL on either side."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hub.connectors import cms

DATA = b"{1:F01BANKBEBBAXXX0000000000}{2:I103BANKDEFFXXXXN}{4:\r\n:20:REF\r\n-}"


def _cert(name: str, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *,
          start: datetime | None = None, days: int = 10) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    begin = start or datetime.now(UTC) - timedelta(days=1)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(begin).not_valid_after(begin + timedelta(days=days))
            .sign(key, hashes.SHA256()))


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _cert("bank-rsa", key), key


@pytest.fixture(scope="module")
def ec_pair() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    return _cert("bank-ec", key), key


@pytest.mark.parametrize("pair", ["rsa_pair", "ec_pair"])
def test_sign_then_verify(pair: str, request: pytest.FixtureRequest) -> None:
    cert, key = request.getfixturevalue(pair)
    signature = cms.sign(DATA, cert, key)
    cms.verify(DATA, signature, cert)


def test_changed_file_is_refused(ec_pair: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
                                 ) -> None:
    cert, key = ec_pair
    signature = cms.sign(DATA, cert, key)
    with pytest.raises(cms.SignatureError) as caught:
        cms.verify(DATA.replace(b"REF", b"REG"), signature, cert)
    assert caught.value.code == "LINK.SIGNATURE" and not caught.value.retryable
    assert caught.value.location == "signedAttrs.messageDigest"


def test_someone_elses_signature_is_refused(ec_pair: tuple[x509.Certificate, object]) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    forged = cms.sign(DATA, _cert("bank-ec", other), other)
    with pytest.raises(cms.SignatureError) as caught:
        cms.verify(DATA, forged, ec_pair[0])
    assert caught.value.location == "signerInfos"


def test_same_issuer_and_serial_with_another_key_is_refused() -> None:
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    pinned = _cert("bank", key)
    twin = (x509.CertificateBuilder().subject_name(pinned.subject).issuer_name(pinned.issuer)
            .public_key(other.public_key()).serial_number(pinned.serial_number)
            .not_valid_before(pinned.not_valid_before_utc)
            .not_valid_after(pinned.not_valid_after_utc).sign(other, hashes.SHA256()))
    with pytest.raises(cms.SignatureError) as caught:
        cms.verify(DATA, cms.sign(DATA, twin, other), pinned)
    assert caught.value.location == "signature"


def test_expired_pinned_certificate_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert("old", key, start=datetime.now(UTC) - timedelta(days=30), days=10)
    with pytest.raises(cms.SignatureError, match="not valid"):
        cms.verify(DATA, cms.sign(DATA, cert, key), cert)


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", b"not der at all" * 10])
def test_malformed_signatures_are_refused(garbage: bytes,
                                          ec_pair: tuple[x509.Certificate, object]) -> None:
    with pytest.raises(cms.SignatureError):
        cms.verify(DATA, garbage, ec_pair[0])


def _pem(tmp: Path, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> tuple[Path, Path]:
    (tmp / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    (tmp / "data").write_bytes(DATA)
    return tmp / "c.pem", tmp / "k.pem"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
@pytest.mark.parametrize("attributes", [True, False])
def test_openssl_signatures_verify(tmp_path: Path, attributes: bool,
                                   rsa_pair: tuple[x509.Certificate, rsa.RSAPrivateKey]) -> None:
    cert, key = rsa_pair
    c, k = _pem(tmp_path, cert, key)
    extra = [] if attributes else ["-noattr"]
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in",
                    str(tmp_path / "data"), "-signer", str(c), "-inkey", str(k),
                    "-out", str(tmp_path / "data.p7s"), *extra], check=True)
    signature = (tmp_path / "data.p7s").read_bytes()
    cms.verify(DATA, signature, cert)
    with pytest.raises(cms.SignatureError):
        cms.verify(DATA + b"\n", signature, cert)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_verifies_our_signatures(tmp_path: Path,
                                         rsa_pair: tuple[x509.Certificate, rsa.RSAPrivateKey]
                                         ) -> None:
    cert, key = rsa_pair
    c, _ = _pem(tmp_path, cert, key)
    (tmp_path / "data.p7s").write_bytes(cms.sign(DATA, cert, key))
    done = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                           str(tmp_path / "data.p7s"), "-content", str(tmp_path / "data"),
                           "-CAfile", str(c), "-out", "/dev/null"], capture_output=True)
    assert done.returncode == 0, done.stderr
