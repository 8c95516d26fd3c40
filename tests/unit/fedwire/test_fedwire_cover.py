"""Cover payments: CTP with local instrument COVS, the underlying customer transfer in the cover
tags {7033}-{7072}, read and written as the MT 202 COV sequence B fields they carry; canonical
covers written as COVS; a FAIM cover converted to a Fedwire pacs.009 COV."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.codecs.base import Options
from hub.codecs.fedwire import CODEC
from hub.errors import CodecError, Diagnostic
from hub.model import Agent, Kind, Message, Money, Party, PostalAddress
from tests.support import OWN_VECTORS, VECTORS

ABA = {"clearing_system": "USABA"}


def _decode(raw: bytes):  # type: ignore[no-untyped-def]
    return CODEC.decode(raw, "fedwire", Options())


def _tags(raw: bytes) -> dict[str, str]:
    return {line[1:5]: line[6:] for line in raw.decode().splitlines()}


def cover(underlying: Message, **changes: object) -> Message:
    """A canonical cover as another format gives it: no FAIM extra at all."""
    message = Message(
        kind=Kind.COVER, message_id="20250310QMGFT015000042", settlement_date=date(2025, 3, 10),
        amount=Money.parse("1500.49", "USD"), instruction_id="COV20250310A",
        related_reference="INV-103-0042",
        instructing_agent=Agent(member_id="021000021", **ABA),
        instructed_agent=Agent(member_id="026009593", **ABA),
        debtor=Party(bic="BNPAFRPP", name="BNP PARIBAS"),
        creditor_agent=Agent(member_id="026009593", **ABA),
        creditor=Party(bic="DEUTDEFF", name="DEUTSCHE BANK AG"),
        underlying=underlying)
    return replace(message, **changes)  # type: ignore[arg-type]


UNDERLYING = Message(
    kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="fedwire", amount=Money.parse("1500.49", "USD"),
    settlement_date=date(2025, 3, 10), instructed_amount=Money.parse("1380", "EUR"),
    debtor=Party(name="JEAN DUPONT", account="FR7630006000011234567890189",
                 address=PostalAddress(lines=("12 RUE DE LA PAIX",), town_name="PARIS",
                                       country="FR")),
    debtor_agent=Agent(bic="BNPAFRPP"),
    intermediary_agents=(Agent(bic="COBADEFF"),),
    creditor_agent=Agent(bic="DEUTDEFF"),
    creditor=Party(name="HANS MUELLER", account="DE89370400440532013000"),
    remittance_info="/INV/2025-0042", narrative="/INS/BNPAFRPP")


def test_canonical_cover_is_written_as_ctp_covs() -> None:
    raw = CODEC.encode([cover(UNDERLYING)], "fedwire", Options())
    tags = _tags(raw)
    assert tags["3600"].startswith("CTP") and tags["3610"].startswith("COVS")
    # an MT 202 COV's field 21 (related_reference) is the reference for the beneficiary
    assert tags["4320"] == "INV-103-0042*" and "3500" not in tags
    assert tags["7050"] == (":50F:*/FR7630006000011234567890189*1/JEAN DUPONT*"
                            "2/12 RUE DE LA PAIX*3/FR/PARIS*")
    assert tags["7033"] == ":33B:*EUR1380,00*"
    assert tags["7056"] == ":56A:*COBADEFF*"
    decoded = _decode(raw)
    assert decoded.ok, decoded.diagnostics
    assert not decoded.diagnostics
    (message,) = decoded.messages
    assert message.kind is Kind.COVER and message.local_instrument == "COVS"
    assert message.end_to_end_id == "INV-103-0042"
    assert message.underlying == UNDERLYING
    assert not [k for k in message.extra if k.startswith("fedwire.70")]


def test_a_cover_needs_its_underlying_transfer() -> None:
    with pytest.raises(CodecError) as refused:
        CODEC.encode([replace(cover(UNDERLYING), underlying=None)], "fedwire", Options())
    assert (refused.value.code, refused.value.location) == ("CODEC.CANNOT_ENCODE", "underlying")


def test_what_an_mt_field_cannot_hold_is_refused() -> None:
    too_long = replace(UNDERLYING, narrative="\n".join(["/INS/BNPAFRPP"] * 7))
    with pytest.raises(CodecError) as refused:
        CODEC.encode([cover(too_long)], "fedwire", Options())
    assert refused.value.code == "CODEC.CANNOT_ENCODE"


def test_mt_202_cov_sequence_b_and_faim_cover_give_the_same_underlying() -> None:
    path = VECTORS / "mt" / "mt202cov_out_50F_59F.fin"
    if not path.exists():
        pytest.skip(f"shared vectors not present at {path}")
    from hub import codecs

    mt = codecs.decode(path.read_bytes())
    assert mt.ok and mt.messages[0].underlying is not None
    seq_b = mt.messages[0].underlying
    # the same customer transfer covered in US dollars over Fedwire
    underlying = replace(seq_b, format="fedwire", uetr=None,
                         amount=Money.parse("1500.49", "USD"),
                         settlement_date=date(2025, 3, 10))
    decoded = _decode(CODEC.encode([cover(underlying)], "fedwire", Options()))
    assert decoded.ok, decoded.diagnostics
    got = decoded.messages[0].underlying
    assert got is not None
    for name in ("debtor", "debtor_agent", "creditor_agent", "creditor", "intermediary_agents"):
        assert getattr(got, name) == getattr(seq_b, name), name


def test_shared_covs_vector_keeps_cover_tags_it_cannot_read() -> None:
    """The shared COVS file's cover tags name no MT field ("Swift"): kept whole, with a
    warning each, and the file still reads without an error."""
    path = VECTORS / "fedwire" / "fedWireMessage-CustomerTransferPlusCOVS.txt"
    if not path.exists():
        pytest.skip(f"shared vectors not present at {path}")
    decoded = _decode(path.read_bytes())
    assert decoded.ok
    (message,) = decoded.messages
    assert message.kind is Kind.COVER and message.underlying is None
    warned = sorted(d.location.rsplit(" ", 1)[1] for d in decoded.diagnostics
                    if d.code == "FED.COVER_FIELD")
    assert warned == ["{7033}", "{7050}", "{7052}", "{7056}", "{7057}", "{7059}", "{7070}",
                      "{7072}"]
    assert all(f"fedwire.{tag}" in message.extra for tag in ("7050", "7059", "7072"))


def test_faim_cover_converts_to_a_fedwire_pacs_009_cov() -> None:
    xsd = VECTORS / "iso20022" / "xsd"
    if not xsd.exists():
        pytest.skip(f"shared vectors not present at {xsd}")
    from hub.codecs.iso20022 import CODEC as ISO

    (faim,) = _decode((OWN_VECTORS / "fedwire" / "valid-covs.txt").read_bytes()).messages
    assert faim.uetr is None and faim.instructing_agent is not None
    assert faim.instructing_agent.name is not None  # the FAIM short name, not written (ABA only)
    options = Options(schema_dir=xsd)
    report: list[Diagnostic] = []
    written = ISO.encode([faim], "pacs.009cov", options, profile="fedwire", report=report)
    defaulted = [d.location for d in report if d.code == "ISO.DEFAULTED"]
    assert "/Document/FICdtTrf/CdtTrfTxInf[1]/PmtId/UETR" in defaulted
    assert b"<Prtry>COVS</Prtry>" in written
    decoded = ISO.decode(written, None, replace(options, profile="fedwire"))
    assert decoded.ok, decoded.diagnostics
    (pacs,) = decoded.messages
    assert pacs.kind is Kind.COVER and pacs.underlying is not None
    assert faim.underlying is not None
    for name in ("debtor", "debtor_agent", "intermediary_agents", "creditor_agent", "creditor",
                 "remittance_info", "instructed_amount"):
        assert getattr(pacs.underlying, name) == getattr(faim.underlying, name), name
    assert pacs.end_to_end_id == faim.end_to_end_id == "INV-103-0042"


NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-/", min_size=1,
               max_size=30).map(str.strip).filter(lambda t: bool(t) and not t.startswith("/"))
ACCOUNT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=30)
BIC = st.sampled_from(["BNPAFRPP", "DEUTDEFF", "COBADEFFXXX", "CHASUS33", "BOFAUS3N"])


@st.composite
def underlyings(draw: st.DrawFn) -> Message:
    def party() -> Party:
        if draw(st.booleans()):
            return Party(bic=draw(BIC), account=draw(st.none() | ACCOUNT))
        lines = tuple(draw(st.lists(NAME, max_size=2)))
        return Party(name=draw(NAME), account=draw(st.none() | ACCOUNT),
                     address=PostalAddress(lines=lines) if lines else None)

    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="fedwire",
        amount=Money.parse("1500.49", "USD"), settlement_date=date(2025, 3, 10),
        instructed_amount=draw(st.none() | st.integers(1, 10**9).map(
            lambda cents: Money.from_minor(cents, "EUR"))),
        debtor=party(), creditor=party(),
        debtor_agent=draw(st.none() | BIC.map(lambda b: Agent(bic=b))),
        creditor_agent=draw(st.none() | BIC.map(lambda b: Agent(bic=b))),
        intermediary_agents=draw(st.sampled_from([(), (Agent(bic="COBADEFF"),)])),
        remittance_info=draw(st.none() | NAME))


@settings(max_examples=60, deadline=None)
@given(underlyings())
def test_underlying_survives_faim_and_back(underlying: Message) -> None:
    decoded = _decode(CODEC.encode([cover(underlying)], "fedwire", Options()))
    assert decoded.ok, decoded.diagnostics
    assert decoded.messages[0].underlying == underlying
