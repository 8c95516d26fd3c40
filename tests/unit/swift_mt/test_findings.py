"""Findings decode must report (and must not), written from the MT 103 field specifications."""

from __future__ import annotations

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC

HEAD = b"{1:F01BANKDEFFAXXX0000000000}{2:I103BANKUS33XXXXN}{4:\r\n"
BODY = (b":20:REF123\r\n:23B:CRED\r\n:32A:250102EUR1000,50\r\n"
        b":50K:/DE89370400440532013000\r\nJOHN DOE\r\n:57A:BANKUS33XXX\r\n"
        b":59F:/12345678\r\n1/JANE ROE\r\n2/5TH AVENUE 1\r\n3/US/NEW YORK\r\n3/NY 10001\r\n"
        b":71A:SHA\r\n-}")


def _findings(raw: bytes) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in CODEC.decode(raw, None, Options()).diagnostics]


def test_later_3_lines_continue_the_town() -> None:
    """59F number 3: the first occurrence holds the country code, later ones continue it."""
    raw = HEAD + BODY
    assert _findings(raw) == []
    assert CODEC.check_only(raw) == []
    creditor = CODEC.decode(raw, None, Options()).messages[0].creditor
    assert creditor is not None and creditor.address is not None
    assert creditor.address.country == "US"
    assert creditor.address.town_name == "NEW YORKNY 10001"


def test_first_3_line_needs_a_country() -> None:
    raw = HEAD + BODY.replace(b"3/US/NEW YORK", b"3/1S/NEW YORK")
    assert _findings(raw) == [("MT.T73", "field 59F line 4")]  # after the account line


def test_a_line_before_the_first_field_is_reported() -> None:
    raw = HEAD + b"NOT A FIELD\r\n" + BODY
    assert _findings(raw) == [("MT.BLOCK4_START", "message 1 block 4 line 2 col 1")]
    assert CODEC.check_only(raw) == CODEC.decode(raw, None, Options()).diagnostics
