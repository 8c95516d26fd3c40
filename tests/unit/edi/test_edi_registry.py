"""The EDI and telex families fit the codec registry and the error catalogue."""

from __future__ import annotations

from hub.codecs import telex
from hub.codecs.base import Codec
from hub.codecs.edi import edifact, x12
from hub.codecs.edi.findings import EDIFACT_CODES, X12_CODES
from hub.errors import catalogue


def test_codecs_follow_the_protocol_and_claim_distinct_formats() -> None:
    codecs = [x12.CODEC, edifact.CODEC, telex.CODEC]
    assert all(isinstance(codec, Codec) for codec in codecs)
    names = [name for codec in codecs for name in codec.formats]
    assert len(names) == len(set(names))
    assert set(names) == {"x12.820", "x12.997", "x12.999", "x12.ta1", "edifact.paymul",
                          "edifact.payext", "edifact.payord", "edifact.contrl", "telex"}


def test_codes_are_registered_under_their_family_prefix() -> None:
    known = catalogue()
    assert all(code.startswith("X12.") and code in known for code in X12_CODES)
    assert all(code.startswith("EDIFACT.") and code in known for code in EDIFACT_CODES)
    assert sum(code.startswith("TELEX.") for code in known) >= 10


def test_detection_does_not_overlap() -> None:
    samples = {
        b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*0000*U*"
        b"00401*000000001*0*P*>~": "x12",
        b"UNA:+.? 'UNB+UNOC:3+A+B+240101:0000+1'": "edifact",
        b"ZCZC X1\n999002 EXMPF D\n": "telex",
    }
    for raw, family in samples.items():
        claims = [c.family for c in (x12.CODEC, edifact.CODEC, telex.CODEC)
                  if c.detect(raw) is not None]
        assert claims == [family]
