"""The public sample vectors (../shared/vectors/mt): valid ones clean and byte-exact, the
INVALID ones with the findings their notes describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.codecs.base import Options
from hub.codecs.swift_mt import CODEC, write_envelope
from tests.support import shared_vectors, vector_files

FILES = [p for p in vector_files("mt") if p.suffix in (".fin", ".rje", ".dos")]
VALID = [p for p in FILES if "INVALID" not in p.name and "EDGE" not in p.name
         and "NVR" not in p.name and "798" not in p.name and p.suffix == ".fin"]

# file -> (code, location) findings its notes in SOURCES.md describe
INVALID: dict[str, set[tuple[str, str]]] = {
    "mt103_INVALID_junk_after_block4_open.fin": {
        ("MT.BLOCK4_START", "message 1 block 4 line 1 col 129"),
        ("MT.T13", "field 77E"), ("MT.T13", "field 20"), ("MT.T13", "field 23B")},
    "mt103_INVALID_only_field20.fin": {
        ("MT.T13", "field 23B"), ("MT.T13", "field 32A"), ("MT.T13", "field 50a"),
        ("MT.T13", "field 59a"), ("MT.T13", "field 71A")},
    "mt103_INVALID_terminator_same_line.fin": {
        ("MT.TERMINATOR", "message 1 block 4 line 14 col 9")},
    "mt202_INVALID_block1_no_appid.fin": {("MT.H01", "message 1 block 1")},
    "mt202_INVALID_block2_truncated.fin": {("MT.H25", "message 1 block 2")},
    "mt199_INVALID_blank_lines_foreign_fields.fin": {
        ("MT.T13", "field 59"), ("MT.T13", "field 72"), ("MT.BLANK_LINE", "field 20 line 2")},
    "mt900_INVALID_double_brace_no_terminator.fin": {
        ("MT.UNTERMINATED", "message 1 block 4 line 1 col 54"), ("MT.T13", "field 79")},
    "mt760_sr2021_seqAB_NVR_invalid.fin": {
        ("MT.E01", "field 23B line 1"), ("MT.E02", "field 35G line 1")},
    "mt760_in_798_extra_27A_21A.fin": {
        ("MT.T13", "field 27A"), ("MT.T13", "field 21A"), ("MT.E02", "field 35G line 1")},
    "mt199_EDGE_brace_line_in_79.fin": {("MT.CHARSET", "field 79 line 23")},
}


def _findings(raw: bytes, lenient: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    decoded = CODEC.decode(raw, None, Options(lenient=lenient))
    return {(d.code, d.location) for d in decoded.diagnostics if d.is_error}


def test_vectors_present() -> None:
    shared_vectors("mt")
    assert len(FILES) >= 29


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_vector(path: Path) -> None:
    raw = path.read_bytes()
    decoded = CODEC.decode(raw, None, Options())
    assert decoded.diagnostics == []
    assert write_envelope(decoded.envelope) == raw
    assert decoded.messages[0].format == CODEC.detect(raw)
    # format validation is clean; canonical reference-data checks may only object to the
    # anonymised identifiers of the upstream samples (FOO... BICs, made-up IBAN checksums)
    extra = CODEC.validate(raw, None, Options())
    assert {d.code for d in extra} <= {"MODEL.BIC", "MODEL.IBAN"}
    for d in extra:
        assert "FOO" in d.message or "BIC" in d.message or "checksum" in d.message


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_vector(name: str) -> None:
    raw = (shared_vectors("mt") / name).read_bytes()
    assert INVALID[name] <= _findings(raw)


def test_terminator_is_a_warning_when_lenient() -> None:
    raw = (shared_vectors("mt") / "mt103_INVALID_terminator_same_line.fin").read_bytes()
    decoded = CODEC.decode(raw, None, Options(lenient=frozenset({"block4_terminator"})))
    assert decoded.ok
    assert [d.code for d in decoded.diagnostics] == ["MT.TERMINATOR"]
    assert write_envelope(decoded.envelope) == raw


def test_brace_line_stays_inside_field_79() -> None:
    raw = (shared_vectors("mt") / "mt199_EDGE_brace_line_in_79.fin").read_bytes()
    decoded = CODEC.decode(raw, None, Options())
    tags = [t for t, _ in decoded.envelope.text]
    assert tags == ["20", "79"]
    assert decoded.envelope.text[1][1].endswith("REGARDS,\n}")
    assert write_envelope(decoded.envelope) == raw


def test_rje_file() -> None:
    raw = (shared_vectors("mt") / "mt103_rje_out_ack.rje").read_bytes()
    decoded = CODEC.decode(raw, None, Options())
    assert len(decoded.messages) == 13
    assert isinstance(decoded.envelope, list)
    assert write_envelope(decoded.envelope) == raw
    # the only finding: a stray "{" before one "$" separator in the upstream file
    assert {d.code for d in decoded.diagnostics} == {"MT.FRAMING"}
    assert sum(1 for m in decoded.messages if m.uetr is not None) == 1


def test_dos_pcc_file_with_acks() -> None:
    raw = (shared_vectors("mt") / "mt103_dos_pcc_batch.dos").read_bytes()
    decoded = CODEC.decode(raw, None, Options())
    assert write_envelope(decoded.envelope) == raw
    kinds = [m.format for m in decoded.messages]
    assert kinds == ["mt-ack", "mt103", "mt-ack", "mt103"]
    acks = decoded.messages[0::2]
    assert [a.status for a in acks] == ["ACK", "ACK"]
    assert [a.related_reference for a in acks] == ["DET 12/13/3724", "DET 12/13/3754"]
    # the upstream copy anonymised the LT addresses to 11 characters: reported, not guessed
    assert {d.code for d in decoded.diagnostics} == {"MT.H01"}


def test_mapping_of_cbpr_vector() -> None:
    raw = (shared_vectors("mt") / "mt103_out_50F_59F_cbpr.fin").read_bytes()
    m = CODEC.decode(raw, None, Options()).messages[0]
    assert str(m.uetr) == "174c245f-2682-4291-ad67-2a41e530cd27"
    assert m.amount is not None and str(m.amount) == "SGD 500000.00"
    assert m.debtor is not None and m.debtor.name == "Australian Submarine"
    assert m.debtor.address is not None and m.debtor.address.country == "AU"
    assert m.debtor.address.town_name == "Adelaide"
    assert m.creditor_agent is not None and m.creditor_agent.bic == "UOVBSGSG"
    assert m.charge_bearer is not None and m.charge_bearer.value == "DEBT"
    assert m.instructing_agent is not None and m.instructing_agent.bic == "WPACAU2S"


def test_cover_sequences() -> None:
    raw = (shared_vectors("mt") / "mt205cov_out.fin").read_bytes()
    m = CODEC.decode(raw, None, Options()).messages[0]
    assert m.kind.value == "cover" and m.underlying is not None
    assert m.underlying.debtor_agent is not None and m.underlying.debtor_agent.bic == "CLYDGB2S"
    assert m.underlying.creditor_agent is not None
    assert m.underlying.creditor_agent.bic == "CAIXESBB"
    assert m.creditor is not None and m.creditor.bic == "CAIXESBB"
