"""Hostile XML: external entities, entity expansion, DTDs, oversize and garbage are refused with
a diagnostic; decode never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.iso20022 import CODEC
from hub.codecs.iso20022.safexml import MAX_XML_BYTES

NS = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
XXE = f"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="{NS}"><FIToFICstmrCdtTrf><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr>
</FIToFICstmrCdtTrf></Document>""".encode()
LAUGHS = ("""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">""" + "".join(
    f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
    + f"""]><Document xmlns="{NS}"><FIToFICstmrCdtTrf>&lol9;</FIToFICstmrCdtTrf></Document>"""
).encode()
NETWORK_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">
<Document xmlns="{NS}"/>""".encode()
PARAMETER = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x">%p;]><Document xmlns="{NS}"/>""".encode()
UTF16_DOCTYPE = XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode(
    "utf-16")


@pytest.mark.parametrize("raw", [XXE, LAUGHS, NETWORK_DTD, PARAMETER],
                         ids=["xxe", "billion-laughs", "network-dtd", "parameter-entity"])
def test_doctype_is_refused(raw: bytes) -> None:
    decoded = CODEC.decode(raw, None, Options())
    assert [d.code for d in decoded.diagnostics] == ["ISO.DOCTYPE"]
    assert decoded.messages == []
    assert b"root:" not in repr(decoded).encode()


def test_doctype_hidden_in_utf16_is_refused_after_parsing() -> None:
    decoded = CODEC.decode(UTF16_DOCTYPE, None, Options())
    assert decoded.diagnostics[0].code in ("ISO.DOCTYPE", "ISO.XML_SYNTAX")
    assert decoded.messages == []


def test_size_limit_before_parsing() -> None:
    raw = b"<Document>" + b" " * MAX_XML_BYTES + b"</Document>"
    assert [d.code for d in CODEC.decode(raw, None, Options()).diagnostics] == ["ISO.TOO_LARGE"]


@pytest.mark.parametrize("raw, code", [
    (b"<Document xmlns='urn:x'><a></Document>", "ISO.XML_SYNTAX"),
    (b"<Envelope><AppHdr/></Envelope>", "ISO.NO_DOCUMENT"),
    (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pacs.999.001.01'><X/></Document>",
     "ISO.UNKNOWN_MESSAGE"),
])
def test_bad_documents(raw: bytes, code: str) -> None:
    assert [d.code for d in CODEC.decode(raw, None, Options()).diagnostics] == [code]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: (
    f"<Document xmlns='{NS}'><FIToFICstmrCdtTrf>{t}</FIToFICstmrCdtTrf></Document>").encode()))
def test_decode_never_raises(raw: bytes) -> None:
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.ok or decoded.diagnostics
