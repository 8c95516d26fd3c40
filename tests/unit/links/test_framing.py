"""Batching rendered messages into one file: RJE for FIN, concatenated EDI interchanges."""

from __future__ import annotations

import pytest

from hub.connectors import framing
from hub.connectors.base import Outbound
from hub.model import Kind, Message

ISA = (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*"
       b"00401*000000001*0*P*>~")


def _out(key: str, payload: bytes, format: str) -> Outbound:
    return Outbound(message_id=key, idempotency_key=key, format=format, payload=payload,
                    message=Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER))


def _fin(ref: str) -> bytes:
    return b"{1:F01BANKBEBBAXXX0000000000}{2:I103BANKDEFFXXXXN}{4:\r\n:20:" + ref.encode() + \
        b"\r\n-}"


def _x12(control: str) -> bytes:
    return ISA.replace(b"000000001", control.encode()) + b"GS*RA*S*R*20240101*1200*1*X*004010~" \
        b"ST*820*0001~SE*2*0001~GE*1*1~IEA*1*" + control.encode() + b"~\n"


def test_isa_fixture_is_106_characters() -> None:
    assert len(ISA) == 106


def test_rje_joins_fin_messages_with_dollar_and_splits_back() -> None:
    items = [_out(f"k{i}", _fin(f"REF{i}"), "mt103" if i % 2 else "mt202") for i in range(3)]
    data = framing.frame(items)
    assert data == _fin("REF0") + b"$" + _fin("REF1") + b"$" + _fin("REF2")
    assert framing.split(data, "mt103") == [_fin("REF0"), _fin("REF1"), _fin("REF2")]


def test_a_dollar_inside_a_fin_message_is_refused() -> None:
    with pytest.raises(framing.FramingError) as caught:
        framing.frame([_out("a", _fin("A$B"), "mt103"), _out("b", _fin("B"), "mt103")])
    assert caught.value.code == "LINK.FRAMING" and caught.value.location == "message 1"


def test_not_a_fin_message_is_refused() -> None:
    with pytest.raises(framing.FramingError):
        framing.frame([_out("a", b"hello", "mt103"), _out("b", _fin("B"), "mt103")])


def test_x12_interchanges_are_concatenated_and_split_back() -> None:
    parts = [_x12("000000001"), _x12("000000002")]
    data = framing.frame([_out("a", parts[0], "x12.820"), _out("b", parts[1], "x12.997")])
    assert data == b"".join(parts)
    assert framing.split(data, "x12.820") == parts


def test_edifact_interchanges_split_on_unz_with_una_terminator() -> None:
    one = b"UNA:+.? 'UNB+UNOC:3+S+R+240101:1200+1'UNH+1+PAYMUL:D:96A:UN'UNT+2+1'UNZ+1+1'"
    two = b"UNB+UNOC:3+S+R+240101:1200+2'UNH+1+PAYMUL:D:96A:UN'UNT+2+1'UNZ+1+2'"
    data = framing.frame([_out("a", one, "edifact.paymul"), _out("b", two, "edifact.paymul")])
    assert framing.split(data, "edifact.paymul") == [one, two]


def test_mixed_families_cannot_share_a_file() -> None:
    with pytest.raises(framing.FramingError):
        framing.frame([_out("a", _fin("A"), "mt103"), _out("b", _x12("000000001"), "x12.820")])


def test_chunks_respect_count_size_and_family() -> None:
    fins = [_out(f"f{i}", _fin(f"R{i}"), "mt103") for i in range(5)]
    xml = _out("x", b"<Document/>", "pacs.008")
    edi = _out("e", _x12("000000001"), "x12.820")
    groups = framing.chunks([fins[0], xml, *fins[1:], edi], max_count=2, max_bytes=10_000)
    assert [[o.idempotency_key for o in g] for g in groups] == [
        ["f0", "f1"], ["x"], ["f2", "f3"], ["f4"], ["e"]]
    size = len(_fin("R0")) + 1
    by_size = framing.chunks(fins, max_count=100, max_bytes=2 * size)
    assert [len(g) for g in by_size] == [2, 2, 1]


def test_families_by_format_name() -> None:
    assert framing.family("mt202cov") is not None and framing.family("mt202cov").name == "fin"
    assert framing.family("pacs.008") is None and framing.family("json") is None
    nacha = framing.family("nacha")
    assert nacha is not None and nacha.name == "nacha"


def test_nacha_files_merge_into_one_through_the_codec() -> None:
    from hub import codecs
    from tests.support import OWN_VECTORS

    path = OWN_VECTORS / "nacha" / "valid-ppd-mixed.ach"
    if not path.exists():
        pytest.skip(f"no NACHA vector at {path}")
    raw = path.read_bytes()
    single = codecs.decode(raw, "nacha")
    items = [_out("n1", raw, "nacha"), _out("n2", raw, "nacha")]
    merged = framing.frame(items)
    again = codecs.decode(merged, "nacha")
    assert again.ok, again.diagnostics
    assert len(again.messages) == 2 * len(single.messages)
    assert framing.frame(items) == merged  # a retry renders the same bytes
    assert merged.count(b"\n1") + merged.startswith(b"1") == 1  # one file header record
