"""MT <-> MX translation: the CBPR+ sample pairs element for element (each difference is one
documented in docs/formats/mt-mx.md), the reverse direction, and the report."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from hub import codecs
from hub.codecs.translate import translate
from hub.errors import Severity
from hub.model import to_data
from tests.support import vector_files
from tests.unit.iso20022.strategies import pacs008_message
from tests.unit.translate.flatten import flatten

PAIRS = vector_files("iso20022", "samples", "cbpr-mt-mx", pattern="*.fin")
MX_SAMPLES = vector_files("iso20022", "samples", "cbpr-mt-mx", pattern="*.xml")

# Differences from the other implementation, each explained in docs/formats/mt-mx.md:
# (path, their value) -> our value (None: we write nothing there).
DOCUMENTED: dict[str, dict[tuple[str, str], str | None]] = {
    "c_29_2_2__mt192_camt_056_A_D": {
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/Case/Cretr/Agt/FinInstnId/Nm",
         "NOTPROVIDED"): None,
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/Case/Cretr/Agt/FinInstnId/PstlAdr/AdrLine",
         "NOTPROVIDED"): None,
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/Case/Cretr/Agt/FinInstnId/BICFI",
         ""): "MYMBGB2LXXX",
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/CxlRsnInf/AddtlInf", "NOTPROVIDED"): None,
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/OrgnlEndToEndId", "NOTPROVIDED"): None,
        ("/Document/FIToFIPmtCxlReq/Undrlyg/TxInf/OrgnlGrpInf/OrgnlMsgNmId", "pacs.008"):
            "pacs.008.001.08",
    },
    "c_29_2_2__mt_196_camt_029_D_A": {
        ("/Document/RsltnOfInvstgtn/CxlDtls/TxInfAndSts/RslvdCase/Cretr/Agt/FinInstnId/Nm",
         "NOTPROVIDED"): None,
        ("/Document/RsltnOfInvstgtn/CxlDtls/TxInfAndSts/RslvdCase/Cretr/Agt/FinInstnId/PstlAdr/"
         "AdrLine", "NOTPROVIDED"): None,
        ("/Document/RsltnOfInvstgtn/CxlDtls/TxInfAndSts/RslvdCase/Cretr/Agt/FinInstnId/BICFI",
         ""): "GEBABEBBXXX",
        ("/Document/RsltnOfInvstgtn/CxlDtls/TxInfAndSts/OrgnlGrpInf/OrgnlMsgNmId", "pacs.008"):
            "pacs.008.001.08",
    },
    "p_2_1_2__mt103_pacs_004_B_A": {
        ("/Document/PmtRtr/TxInf/RtrChain/Cdtr/Pty/Id/OrgId/Othr/Id", "NOTPROVIDED"): None,
        ("/Document/PmtRtr/TxInf/RtrChain/Dbtr/Pty/Id/OrgId/Othr/Id", "NOTPROVIDED"): None,
        ("/Document/PmtRtr/TxInf/RtrChain/Dbtr/Pty/Id/OrgId/Othr/SchmeNm/Cd", "TXID"): None,
    },
    "p_2_2_1__mt299_pacs_002_D_C": {
        ("/Document/FIToFIPmtStsRpt/TxInfAndSts/OrgnlGrpInf/OrgnlMsgNmId", "MT299"):
            "NOTPROVIDED",
    },
}


def target_of(path: Path) -> str:
    found = re.search(r"(pacs|camt)_(\d{3})(COV)?", path.name)
    assert found is not None
    return f"{found.group(1)}.{found.group(2)}" + ("cov" if found.group(3) else "")


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_mt_to_mx_matches_the_reference_translation(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    result = translate(path.read_bytes(), target_of(path), options=options)
    assert result.ok, result.diagnostics
    ours, theirs = flatten(result.output), flatten(path.with_suffix(".xml").read_bytes())
    documented = DOCUMENTED.get(path.stem, {})
    for key in theirs - ours:
        assert key in documented, f"undocumented difference: theirs {key}"
        if documented[key] is not None:
            assert (key[0], documented[key]) in ours
    ours_only = ours - theirs
    explained = {(k[0], v) for k, v in documented.items() if v is not None}
    for key in ours_only:
        assert key in explained, f"undocumented difference: ours {key}"


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_mt_to_mx_output_passes_cbpr(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    result = translate(path.read_bytes(), target_of(path), options=options)
    decoded = codecs.decode(result.output, options=replace(options, profile="cbpr"))
    assert [d.code for d in decoded.diagnostics if d.severity is Severity.ERROR] == []
    assert all(d.severity is not Severity.ERROR for d in result.report)


MT_OF = {"pacs.008": "mt103", "pacs.004": "mt103", "pacs.009": "mt202",
         "pacs.009cov": "mt202cov", "pacs.002": "mt299", "camt.056": "mt192",
         "camt.029": "mt196"}


@pytest.mark.parametrize("path", MX_SAMPLES, ids=lambda p: p.stem)
def test_mx_to_mt_and_back(path: Path, options) -> None:  # type: ignore[no-untyped-def]
    """MX -> MT -> MX keeps what both carry: the reference MT input, field for field."""
    target = MT_OF[target_of(path)]
    to_mt = translate(path.read_bytes(), target, options=options)
    assert to_mt.ok, to_mt.diagnostics
    ours = codecs.decode(to_mt.output, target)
    reference = codecs.decode(path.with_suffix(".fin").read_bytes(), target)
    assert ours.ok and reference.ok
    mine, theirs = to_data(ours.messages[0]), to_data(reference.messages[0])
    for key in ("kind", "uetr", "instruction_id", "amount", "settlement_date", "status"):
        assert mine.get(key) == theirs.get(key), key
    back = translate(to_mt.output, target_of(path), options=options)
    assert back.ok, back.diagnostics


def test_truncation_is_marked_and_reported(options) -> None:  # type: ignore[no-untyped-def]
    path = next(p for p in MX_SAMPLES if "mt103_pacs_008_A_B" in p.name)
    raw = path.read_bytes().replace(b"<pacs:InstrId>A2B0506272708</pacs:InstrId>",
                                    b"<pacs:InstrId>A2B0506272708-LONGER-THAN-16</pacs:InstrId>")
    result = translate(raw, "mt103", options=options)
    assert result.ok
    assert b":20:A2B0506272708-L+" in result.output
    truncated = [d for d in result.report if d.code in ("MT.TRUNCATED", "XLATE.TRUNCATED")]
    assert truncated and all(d.severity is Severity.WARNING for d in truncated)


def test_unsupported_pair_and_bad_source(options) -> None:  # type: ignore[no-untyped-def]
    path = next(p for p in PAIRS if "mt202_pacs_009_B_C" in p.name)
    assert [d.code for d in translate(path.read_bytes(), "camt.056",
                                      options=options).diagnostics] == ["XLATE.UNSUPPORTED"]
    bad = translate(b"{1:F01BANK", "pacs.008", from_format="mt103", options=options)
    assert not bad.ok and bad.output == b""


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pacs008_message())
def test_canonical_to_mt103_to_pacs008_keeps_what_mt_carries(options, message) -> None:  # type: ignore[no-untyped-def]
    def fits_59f(party):  # type: ignore[no-untyped-def]
        """A party MT 50F/59F holds in full: name and one line of each address kind."""
        address = party.address and replace(party.address, street_name=None, post_code=None,
                                            lines=party.address.lines[:1])
        return replace(party, name=party.name[:30].strip(), address=address,
                       account=party.account or "12345678")  # 50F/59F need an account

    message = replace(message, instruction_id=(message.instruction_id or "REF")[:16],
                      remittance_info=None, intermediary_agents=message.intermediary_agents[:1],
                      purpose=None, debtor=fits_59f(message.debtor),
                      creditor=fits_59f(message.creditor))
    mt = codecs.encode(message, "mt103")
    result = translate(mt, "pacs.008", from_format="mt103", options=options)
    assert result.ok, result.diagnostics
    back = codecs.decode(result.output, "pacs.008", options=options).messages[0]
    for name in ("uetr", "instruction_id", "amount", "settlement_date", "charge_bearer"):
        assert getattr(back, name) == getattr(message, name), name
    for party in ("debtor", "creditor"):
        before, after = getattr(message, party), getattr(back, party)
        assert after.account == before.account
        assert after.name == before.name
        assert after.address.town_name == before.address.town_name if before.address else True
    for agent in ("debtor_agent", "creditor_agent"):  # BICs are written with 11 characters
        bic = getattr(message, agent).bic
        assert getattr(back, agent).bic == (bic + "XXX" if len(bic) == 8 else bic)


def test_mt202_becomes_a_pacs009_advice_and_back(options) -> None:  # type: ignore[no-untyped-def]
    """An MT 202 sent straight to the beneficiary institution, its funds coming through the
    reimbursement agents: CBPR+ carries it as a pacs.009 ADV (settled by a separate cover)."""
    path = next(p for p in PAIRS if p.stem == "p_2_2_1__mt202_pacs_009_B_C")
    raw = path.read_bytes().replace(b":57A:HELSFIHHXXX", b":53A:CHASUS33XXX\r\n:57A:HELSFIHHXXX")
    result = translate(raw, "pacs.009adv", options=options)
    assert result.ok, result.diagnostics
    assert b"<BizSvc>swift.cbprplus.adv.03</BizSvc>" in result.output
    assert b"<SttlmMtd>COVE</SttlmMtd>" in result.output
    decoded = codecs.decode(result.output, options=replace(options, profile="cbpr"))
    assert decoded.format == "pacs.009adv"
    assert [d.code for d in decoded.diagnostics if d.severity is Severity.ERROR] == []
    message = decoded.messages[0]
    assert message.instructing_reimbursement_agent is not None
    assert message.instructing_reimbursement_agent.bic == "CHASUS33XXX"
    back = translate(result.output, "mt202", options=options)
    assert back.ok, back.diagnostics
    assert b":53A:CHASUS33XXX" in back.output
