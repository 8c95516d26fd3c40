"""Legacy FAIM -> Fedwire ISO 20022: the shared vectors of business function codes CTR, BTR and
CTP+COVS written as Fedwire Funds Release 2025 pacs.008 / pacs.009 / pacs.009 COV, each valid
against the Fedwire schemas and profile, with the UETR FAIM lacks assigned and reported."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from hub.codecs.base import Options
from hub.codecs.fedwire import CODEC as FAIM
from hub.codecs.iso20022 import CODEC as ISO
from hub.errors import CodecError, Diagnostic, Severity
from hub.model import Kind, Message
from tests.support import shared_vectors

# (shared vector, its {3600} business function code, target format, kind, local instrument)
CASES = [
    ("CustomerTransfer", "CTR", "pacs.008", Kind.CUSTOMER_CREDIT_TRANSFER, "CTRC"),
    ("BankTransfer", "BTR", "pacs.009", Kind.FI_CREDIT_TRANSFER, "BTRC"),
    ("CustomerTransferPlusCOVS", "CTP", "pacs.009cov", Kind.COVER, "COVS"),
]
UETR_AT = {"pacs.008": "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/PmtId/UETR",
           "pacs.009": "/Document/FICdtTrf/CdtTrfTxInf[1]/PmtId/UETR",
           "pacs.009cov": "/Document/FICdtTrf/CdtTrfTxInf[1]/PmtId/UETR"}


def _faim(name: str) -> tuple[bytes, Message]:
    raw = (shared_vectors("fedwire") / f"fedWireMessage-{name}.txt").read_bytes()
    decoded = FAIM.decode(raw, "fedwire", Options())
    assert decoded.ok, decoded.diagnostics
    (message,) = decoded.messages
    return raw, message


def _imad_upper(m: Message) -> Message:
    """The shared vectors' IMADs have a lower-case LTERM ("Source08"); the Fedwire MsgId pattern
    is [0-9]{8}[A-Z0-9]{8}[0-9]{6}."""
    assert m.message_id is not None
    return replace(m, message_id=m.message_id.upper())


@pytest.mark.parametrize(("name", "function", "target", "kind", "local"), CASES,
                         ids=[c[0] for c in CASES])
def test_faim_vector_becomes_a_valid_fedwire_pacs(name: str, function: str, target: str,
                                                  kind: Kind, local: str) -> None:
    xsd = shared_vectors("iso20022", "xsd")
    raw, faim = _faim(name)
    assert f"{{3600}}{function}".encode() in raw
    assert faim.kind is kind and faim.uetr is None
    report: list[Diagnostic] = []
    written = ISO.encode([_imad_upper(faim)], target, Options(schema_dir=xsd), profile="fedwire",
                         report=report)
    uetrs = [d for d in report if d.code == "ISO.DEFAULTED" and d.location == UETR_AT[target]]
    assert len(uetrs) == 1 and uetrs[0].severity is Severity.WARNING

    decoded = ISO.decode(written, None, Options(schema_dir=xsd, profile="fedwire"))
    errors = [(d.code, d.location) for d in decoded.diagnostics
              if d.severity is Severity.ERROR]
    assert errors == []
    assert not [d for d in decoded.diagnostics if d.code == "ISO.NO_SCHEMA"]
    (pacs,) = decoded.messages
    assert pacs.uetr is not None and pacs.uetr.version == 4
    assert str(pacs.uetr) in uetrs[0].message  # the report names the UETR it assigned
    assert pacs.local_instrument == local
    assert pacs.amount == faim.amount
    assert faim.instructing_agent is not None and pacs.instructing_agent is not None
    assert pacs.instructing_agent.member_id == faim.instructing_agent.member_id
    assert pacs.instructing_agent.name is None  # Fedwire InstgAgt: the ABA routing number only


def test_each_conversion_gets_its_own_uetr() -> None:
    xsd = shared_vectors("iso20022", "xsd")
    _raw, faim = _faim("BankTransfer")
    options = Options(schema_dir=xsd, profile="fedwire")
    found = set()
    for _ in range(2):
        decoded = ISO.decode(ISO.encode([_imad_upper(faim)], "pacs.009", options), None, options)
        found.add(decoded.messages[0].uetr)
    assert len(found) == 2 and all(isinstance(u, UUID) for u in found)


def test_a_uetr_the_message_has_is_kept() -> None:
    xsd = shared_vectors("iso20022", "xsd")
    _raw, faim = _faim("CustomerTransfer")
    uetr = UUID("8a562c67-ca16-48ba-b074-65581be6f001")
    report: list[Diagnostic] = []
    options = Options(schema_dir=xsd, profile="fedwire")
    written = ISO.encode([replace(_imad_upper(faim), uetr=uetr)], "pacs.008", options,
                         report=report)
    assert not [d for d in report if d.location.endswith("/PmtId/UETR")]
    assert ISO.decode(written, None, options).messages[0].uetr == uetr


def test_a_lower_case_imad_is_refused_as_fedwire_msgid() -> None:
    xsd = shared_vectors("iso20022", "xsd")
    _raw, faim = _faim("CustomerTransfer")
    with pytest.raises(CodecError) as refused:
        ISO.encode([faim], "pacs.008", Options(schema_dir=xsd), profile="fedwire")
    assert refused.value.code == "ISO.INVALID_OUTPUT"
    assert refused.value.location.startswith("/Envelope/Document/FIToFICstmrCdtTrf/GrpHdr/MsgId")
