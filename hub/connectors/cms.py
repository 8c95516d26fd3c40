"""Detached CMS (PKCS #7) signatures over whole files, RFC 5652 §5.

Banks that sign their files put the signature beside the file (`<name>.p7s`): a DER ContentInfo
holding SignedData whose encapsulated content is absent (detached). `verify` checks it against
the bank's pinned certificate: the signer must be that certificate (issuer + serial number or
subject key identifier), the signed `message-digest` attribute must equal the file's digest, and
the signature over the DER of the signed attributes must verify with the certificate's key.
Parsing uses pyasn1 with the RFC 5652 module; the arithmetic is cryptography's.

`sign` produces the same shape for our outbound files (cryptography's PKCS #7 builder, DER,
detached, with signed attributes), so a bank verifies what we send the way we verify theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pyasn1_modules import rfc4055, rfc5280, rfc5652

from hub.errors import ConnectorError

MAX_SIGNATURE_BYTES = 256 * 1024
"""A detached signature with a certificate chain is a few KB; anything far larger is refused."""

_DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_RSA_PKCS1 = {
    "1.2.840.113549.1.1.1",  # rsaEncryption: digest from digestAlgorithm
    "1.2.840.113549.1.1.11",  # sha256WithRSAEncryption
    "1.2.840.113549.1.1.12",  # sha384WithRSAEncryption
    "1.2.840.113549.1.1.13",  # sha512WithRSAEncryption
}
_RSA_PSS = "1.2.840.113549.1.1.10"
_ECDSA = {"1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"}
_ED25519 = "1.3.101.112"
_ID_DATA = str(rfc5652.id_data)
_ID_SIGNED_DATA = str(rfc5652.id_signedData)
_ATTR_CONTENT_TYPE = str(rfc5652.id_contentType)
_ATTR_MESSAGE_DIGEST = str(rfc5652.id_messageDigest)


class SignatureError(ConnectorError):
    """A signature that is missing, malformed, from someone else or wrong. Never retryable."""

    def __init__(self, message: str, *, location: str = "") -> None:
        super().__init__(message, code="LINK.SIGNATURE", retryable=False, location=location)


def load_certificate(pem_or_der: bytes) -> x509.Certificate:
    if pem_or_der.lstrip().startswith(b"-----"):
        return x509.load_pem_x509_certificate(pem_or_der)
    return x509.load_der_x509_certificate(pem_or_der)


def sign(data: bytes, certificate: x509.Certificate, key: rsa.RSAPrivateKey |
         ec.EllipticCurvePrivateKey, *,
         digest: hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None = None) -> bytes:
    """A detached DER CMS SignedData over `data`, with our certificate included."""
    builder = (pkcs7.PKCS7SignatureBuilder().set_data(data)
               .add_signer(certificate, key, digest or hashes.SHA256()))
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                     pkcs7.PKCS7Options.Binary])


def load_private_key(pem: bytes, password: bytes | None = None) -> rsa.RSAPrivateKey | \
        ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("CMS signing needs an RSA or EC private key")
    return key


def verify(data: bytes, signature: bytes, certificate: x509.Certificate, *,
           at: datetime | None = None) -> None:
    """Raise SignatureError unless `signature` is a valid detached CMS signature over `data`
    made with `certificate`'s key, while the certificate is valid (at `at`, default now)."""
    if not signature:
        raise SignatureError("the signature file is empty")
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise SignatureError(f"the signature is {len(signature)} bytes, over the "
                             f"{MAX_SIGNATURE_BYTES}-byte limit")
    moment = at or datetime.now(UTC)
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        raise SignatureError(f"the pinned certificate is not valid at {moment:%Y-%m-%d}")
    signed = _signed_data(signature)
    encap = signed["encapContentInfo"]
    if encap["eContent"].isValue and bytes(encap["eContent"]) != data:
        raise SignatureError("the signature carries content other than the file",
                             location="encapContentInfo")
    signer = _signer_for(signed, certificate)
    digest = _digest(signer["digestAlgorithm"])
    signed_bytes = _signed_bytes(signer, data, digest, str(encap["eContentType"]))
    _check(certificate, signer, signed_bytes, digest)


def _signed_data(signature: bytes) -> rfc5652.SignedData:
    try:
        info, rest = decoder.decode(signature, asn1Spec=rfc5652.ContentInfo())
        if rest:
            raise SignatureError("bytes after the end of the signature")
        if str(info["contentType"]) != _ID_SIGNED_DATA:
            raise SignatureError(f"content type {info['contentType']} is not signedData",
                                 location="contentType")
        signed, rest = decoder.decode(bytes(info["content"]), asn1Spec=rfc5652.SignedData())
    except PyAsn1Error as exc:
        raise SignatureError(f"the signature is not DER CMS: {exc}") from None
    if rest:
        raise SignatureError("bytes after the end of SignedData")
    return signed


def _signer_for(signed: rfc5652.SignedData, certificate: x509.Certificate) -> rfc5652.SignerInfo:
    issuer = certificate.issuer.public_bytes()
    serial = certificate.serial_number
    try:
        ski: bytes | None = certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        ski = None
    for signer in signed["signerInfos"]:
        sid = signer["sid"]
        if sid.getName() == "issuerAndSerialNumber":
            ias = sid["issuerAndSerialNumber"]
            if int(ias["serialNumber"]) == serial and encoder.encode(ias["issuer"]) == issuer:
                return signer
        elif ski is not None and bytes(sid["subjectKeyIdentifier"]) == ski:
            return signer
    raise SignatureError(f"no signer matches the pinned certificate "
                         f"({certificate.subject.rfc4514_string()}, serial {serial:x})",
                         location="signerInfos")


def _digest(algorithm: rfc5280.AlgorithmIdentifier) -> hashes.HashAlgorithm:
    oid = str(algorithm["algorithm"])
    if oid not in _DIGESTS:
        raise SignatureError(f"digest algorithm {oid} is not accepted (SHA-256/384/512 only)",
                             location="digestAlgorithm")
    return _DIGESTS[oid]()


def _hash(data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _signed_bytes(signer: rfc5652.SignerInfo, data: bytes, digest: hashes.HashAlgorithm,
                  content_type: str) -> bytes:
    """What the signature covers: the DER SET OF signed attributes (§5.4), else the content."""
    attrs = signer["signedAttrs"]
    if not attrs.isValue:
        return data
    found: dict[str, bytes] = {}
    for attr in attrs:
        oid = str(attr["attrType"])
        if oid in found:
            raise SignatureError(f"attribute {oid} appears twice", location="signedAttrs")
        values = list(attr["attrValues"])
        if len(values) != 1:
            raise SignatureError(f"attribute {oid} must have one value", location="signedAttrs")
        found[oid] = encoder.encode(values[0])
    if _ATTR_MESSAGE_DIGEST not in found:
        raise SignatureError("the message-digest attribute is missing", location="signedAttrs")
    if _ATTR_CONTENT_TYPE not in found:
        raise SignatureError("the content-type attribute is missing", location="signedAttrs")
    got_type, _ = decoder.decode(found[_ATTR_CONTENT_TYPE], asn1Spec=univ.ObjectIdentifier())
    if str(got_type) != content_type:
        raise SignatureError("the content-type attribute does not match the content",
                             location="signedAttrs")
    got_digest, _ = decoder.decode(found[_ATTR_MESSAGE_DIGEST], asn1Spec=univ.OctetString())
    if bytes(got_digest) != _hash(data, digest):
        raise SignatureError("the file's digest differs from the signed digest: the file or "
                             "the signature was changed", location="signedAttrs.messageDigest")
    # The digest covers the EXPLICIT SET OF encoding, not the IMPLICIT [0] one (RFC 5652 §5.4).
    der = bytearray(encoder.encode(attrs))
    der[0] = 0x31
    return bytes(der)


def _check(certificate: x509.Certificate, signer: rfc5652.SignerInfo, signed: bytes,
           digest: hashes.HashAlgorithm) -> None:
    key = certificate.public_key()
    algorithm = signer["signatureAlgorithm"]
    oid = str(algorithm["algorithm"])
    value = bytes(signer["signature"])
    try:
        if oid in _RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), digest)
        elif oid == _RSA_PSS and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, _pss(algorithm), digest)
        elif oid in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed, ec.ECDSA(digest))
        elif oid == _ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(value, signed)
        else:
            raise SignatureError(f"signature algorithm {oid} does not fit the pinned "
                                 f"certificate's {type(key).__name__}",
                                 location="signatureAlgorithm")
    except InvalidSignature:
        raise SignatureError("the signature does not verify with the pinned certificate",
                             location="signature") from None
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise SignatureError(f"the signature cannot be checked: {exc}",
                             location="signature") from None


def _pss(algorithm: rfc5280.AlgorithmIdentifier) -> padding.PSS:
    salt = 20  # the RFC 4055 default
    if algorithm["parameters"].isValue:
        params, _ = decoder.decode(bytes(algorithm["parameters"]),
                                   asn1Spec=rfc4055.RSASSA_PSS_params())
        salt = int(params["saltLength"])
        hash_oid = str(params["hashAlgorithm"]["algorithm"])
        if hash_oid not in _DIGESTS:
            raise SignatureError(f"PSS hash {hash_oid} is not accepted",
                                 location="signatureAlgorithm")
        return padding.PSS(padding.MGF1(_DIGESTS[hash_oid]()), salt)
    return padding.PSS(padding.MGF1(hashes.SHA1()), salt)
