"""Header faults get SWIFT's H- and U-codes (FIN Error Codes), one code per fault, and what
is valid stays clean; the country table matches ISO 3166."""

from __future__ import annotations

import pytest

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC
from hub.codecs.swift_mt.countries import COUNTRIES
from hub.codecs.swift_mt.envelope import _B1, _B2_IN, _B2_OUT
from hub.codecs.swift_mt.headers import block1_fault, block2_fault
from hub.errors import catalogue

B1 = "F01BANKDEFFAXXX0000000000"
B2 = "I103BANKUS33XXXXN"
OUT = "O1031200250102BANKUS33AXXX0000000000250102120" + "0N"


@pytest.mark.parametrize(("value", "code"), [
    (B1[:-1], "MT.H01"), (B1 + "0", "MT.H01"), ("X" + B1[1:], "MT.H02"),
    ("F99" + B1[3:], "MT.H03"), (B1[:3] + "bankDEFFAXXX" + B1[15:], "MT.H10"),
    (B1[:15] + "00X0" + B1[19:], "MT.H15"), (B1[:19] + "00000X", "MT.H20"),
])
def test_block1_faults(value: str, code: str) -> None:
    assert _B1.fullmatch(value) is None
    assert block1_fault(value)[0] == code


@pytest.mark.parametrize(("value", "code"), [
    ("", "MT.H26"), ("X103BANKUS33XXXXN", "MT.H26"), ("I10XBANKUS33XXXXN", "MT.H30"),
    ("I103BANKUS33", "MT.H25"), ("I103BANKUS33XXXXN2003X", "MT.H81"),
    ("I103BANKU533XXXXN", "MT.H50"), ("I103BANKUS33XXXXQ", "MT.H40"),
    ("I103BANKUS33XXXXN7", "MT.H80"), ("I103BANKUS33XXXXN5234", "MT.H80"),
    ("I103BANKUS33XXXXN20", "MT.H81"), ("I103BANKUS33XXXXN2A03", "MT.H81"),
    (OUT[:-1] + "Q", "MT.H40"), (OUT[:20], "MT.H25"), (OUT[:10] + "x" + OUT[11:], "MT.H25"),
])
def test_block2_faults(value: str, code: str) -> None:
    assert _B2_IN.fullmatch(value) is None and _B2_OUT.fullmatch(value) is None
    assert block2_fault(value)[0] == code


@pytest.mark.parametrize("value", ["I103BANKUS33XXXXN", "I103BANKUS33XXXX", "I103BANKUS33XXXXU3",
                                   "I103BANKUS33XXXXN2003", "I103BANKUS33XXXX1", OUT])
def test_valid_block2_forms(value: str) -> None:
    assert (_B2_IN.fullmatch(value) or _B2_OUT.fullmatch(value)) is not None


def _codes(head: str, block3: str, message_type: str = "103") -> list[str]:
    """The findings about block 3 (the block 4 shown is not always a valid message)."""
    fields = {"103": ":20:REF\r\n:23B:CRED\r\n:32A:250102EUR1,\r\n:50K:A\r\n:59:B\r\n:71A:SHA",
              "202": ":20:REF\r\n:21:REL\r\n:32A:250102EUR1,\r\n:58A:BANKDEFF\r\n"
                     ":50K:A\r\n:59:B"}[message_type]
    raw = f"{{1:{B1}}}{{2:I{message_type}{head}}}{{3:{block3}}}{{4:\r\n{fields}\r\n-}}"
    diagnostics = CODEC.decode(raw.encode(), None, Options()).diagnostics
    return [d.code for d in diagnostics if d.location.startswith("block 3")]


@pytest.mark.parametrize(("message_type", "block3", "codes"), [
    ("103", "{119:STP}", []), ("103", "{119:REMIT}", []), ("202", "{119:COV}", []),
    ("103", "{119:COV}", ["MT.U08"]), ("103", "{119:stp}", ["MT.U08"]),
    ("202", "{119:STP}", ["MT.U08"]),
    ("103", "{113:ABCD}{108:MY REF}", []), ("103", "{108:}", ["MT.U02"]),
    ("103", "{113:ABC}", ["MT.U01"]), ("103", "{121:not-a-uuid}", ["MT.U13"]),
    ("103", "{777:X}", ["MT.U00"]), ("103", "{111:1}", ["MT.BLOCK3"]),
])
def test_user_header(message_type: str, block3: str, codes: list[str]) -> None:
    assert _codes("BANKUS33XXXXN", block3, message_type) == codes


def test_every_header_code_is_registered() -> None:
    known = catalogue()
    for value in (B1[:-1], "X" + B1[1:], "F99" + B1[3:]):
        assert block1_fault(value)[0] in known
    for value in ("X", "I10X", "I103BANKUS33XXXXQ", "I103BANKUS33XXXXN7"):
        assert block2_fault(value)[0] in known
    assert {"MT.U00", "MT.U01", "MT.U02", "MT.U03", "MT.U08", "MT.U09", "MT.U13"} <= set(known)
    assert "MT.BLOCK1" not in known and "MT.UETR" not in known


def test_country_table_is_iso_3166() -> None:
    pycountry = pytest.importorskip("pycountry", reason="pycountry (screening extra) absent")
    iso = {c.alpha_2 for c in pycountry.countries}
    assert COUNTRIES - iso == {"XK"}
    assert iso <= COUNTRIES
