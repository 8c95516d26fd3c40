"""Detection never overlaps: the statement family claims MT940/MT950 and camt.053/054 input and
nothing else; no other family claims a statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import codecs
from hub.codecs.base import Codec
from hub.codecs.statements import CODEC
from tests.support import OWN_VECTORS, VECTORS


def _families() -> list[Codec]:
    unique: dict[str, Codec] = {}
    for name in codecs.formats():
        codec = codecs.codec_for(name)
        unique[codec.family] = codec
    return list(unique.values())


def _files() -> list[Path]:
    roots = [OWN_VECTORS, VECTORS / "mt", VECTORS / "iso20022" / "samples", VECTORS / "fedwire",
             VECTORS / "ach", VECTORS / "edi", VECTORS / "telex"]
    found = [p for root in roots if root.exists() for p in sorted(root.rglob("*"))
             if p.is_file() and p.suffix not in (".json", ".md", ".py") and p.stat().st_size
             < 2_000_000]
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_one_family_at_most_claims_an_input(path: Path) -> None:
    raw = path.read_bytes()
    claims = {c.family: name for c in _families() if (name := c.detect(raw)) is not None}
    if "statements" in claims:
        assert list(claims) == ["statements"], claims
    is_statement = path.parent.name == "statements" and "mt103" not in path.name and \
        "fields" not in path.name
    assert ("statements" in claims) == is_statement, claims


FRAMED = ("{1:F01BANKBEBBAXXX0000000000}{2:O%s1200250101BANKBEBBAXXX00000000002501011200N}"
          "{4:\r\n:20:X\r\n-}")


@pytest.mark.parametrize(("message_type", "expected"), [
    ("940", "mt940"), ("950", "mt950"), ("942", None), ("103", None), ("900", None)])
def test_fin_block2_decides(message_type: str, expected: str | None) -> None:
    raw = (FRAMED % message_type).encode()
    assert CODEC.detect(raw) == expected
    mt = codecs.codec_for("mt103")
    if expected is not None:
        assert mt.detect(raw) is None  # the SWIFT MT family leaves statements alone


@pytest.mark.parametrize("raw", [
    b":20:REF\r\n:23B:CRED\r\n:32A:250101EUR1,00\r\n",  # bare MT103 text
    b":20:REF\n:25:ACC\n:28C:1\n:34F:EURD0,\n",  # bare MT942 text (no :60F:)
    b'{"kind": "status_report"}',
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"/>',
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"/>',
    b"",
])
def test_not_a_statement(raw: bytes) -> None:
    assert CODEC.detect(raw) is None
