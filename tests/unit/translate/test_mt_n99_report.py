"""pacs.002 RJCT -> MT 299 /REJT/: the status report stays a status report, the MT codec writes
field 79, and the translation report lists only what was really cut, dropped or defaulted."""

from __future__ import annotations

from hub import codecs
from hub.codecs.base import Options
from hub.codecs.translate import translate
from hub.model import Kind
from tests.support import shared_vectors


def _sample() -> tuple[bytes, Options]:
    folder = shared_vectors("iso20022", "samples", "cbpr-mt-mx")
    raw = (folder / "p_2_2_1__mt299_pacs_002_D_C.xml").read_bytes()
    return raw, Options(schema_dir=shared_vectors("iso20022", "xsd"))


def test_pacs002_to_mt299_reports_no_spurious_defaults() -> None:
    raw, options = _sample()
    result = translate(raw, "mt299", options=options)
    assert result.ok, result.diagnostics
    assert b":79:/REJT/99\r\n/AC04/" in result.output or b":79:/REJT/99\n/AC04/" in result.output
    defaulted = [d.location for d in result.report if d.code == "XLATE.DEFAULTED"]
    assert defaulted == ["79 line 1"]  # the field that caused the reject: ISO 20022 has none
    mt = codecs.decode(result.output, "mt299")
    (back,) = mt.messages
    assert back.kind is Kind.STATUS_REPORT and back.status == "RJCT"
    assert back.reason_code == "AC04"


def test_a_status_other_than_rjct_has_no_mt_n99_form() -> None:
    raw, options = _sample()
    accepted = raw.replace(b"<pacs:TxSts>RJCT</pacs:TxSts>", b"<pacs:TxSts>ACSP</pacs:TxSts>")
    assert accepted != raw
    result = translate(accepted, "mt299", options=options)
    assert not result.ok
    assert [(d.code, d.location) for d in result.diagnostics
            if d.code == "XLATE.UNSUPPORTED"] == [("XLATE.UNSUPPORTED", "status")]
