"""ISO 20022 Document -> canonical messages, one reader per message definition.

One canonical Message per transaction (CdtTrfTxInf, TxInfAndSts, TxInf ...). Values the model
has no field for travel in `Message.extra` under "iso.*" keys so that writing the message again
reproduces them; children of a transaction that are neither mapped nor kept are reported once
each as ISO.NOT_MAPPED (info), so nothing is dropped in silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.codecs.iso20022.components import (
    Element,
    account,
    agent,
    choice,
    fi_party,
    first,
    first_text,
    iso_date,
    iso_datetime,
    kids,
    money,
    party,
    party40,
    text,
    texts,
    uuid4,
    val,
)
from hub.errors import Diagnostic, ModelError, Severity
from hub.model import Agent, ChargeBearer, Kind, Message

Kids = dict[str, Element]


@dataclass
class Out:
    """What reading one Document produced."""

    format: str
    messages: list[Message] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, where: str, build: Callable[[], dict[str, Any]]) -> None:
        """Build one Message; a value the model refuses becomes a diagnostic at `where`."""
        try:
            self.messages.append(Message(**build()))
        except ModelError as exc:
            self.diagnostics.append(Diagnostic(exc.code, exc.message, where))
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            # only reachable without an XSD: structure the schema would have refused
            self.diagnostics.append(Diagnostic("ISO.MAPPING", f"cannot map: {exc}", where))

    def unmapped(self, el: Element | Kids, p: str, mapped: frozenset[str], where: str) -> None:
        cut = len(p)
        tags = el.keys() if isinstance(el, dict) else [c.tag for c in el]
        for full in tags:
            tag = full[cut:]
            if tag not in mapped:
                self.diagnostics.append(Diagnostic(
                    "ISO.NOT_MAPPED", f"{tag} is kept in the XML only", f"{where}/{tag}",
                    Severity.INFO))


def either(near: Element, far: Element | None, tag: str) -> Element | None:
    """The child of `near`, else of `far` (transaction level before group level)."""
    found = next(near.iterchildren(tag), None)
    if found is None and far is not None:
        found = next(far.iterchildren(tag), None)
    return found


def alt(near: Kids, far: Kids, tag: str) -> Element | None:
    """The child in `near`, else in `far` (transaction level before group level)."""
    found = near.get(tag)
    return found if found is not None else far.get(tag)


def _extra(items: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    return {k: v for k, v in items if v is not None}


def _charge_bearer(value: str | None) -> ChargeBearer | None:
    if value is None:
        return None
    try:
        return ChargeBearer(value)
    except ValueError:
        raise ModelError(f"unknown charge bearer {value!r}", code="MODEL.ENUM") from None


def _payment_type(el: Element | None, p: str, extra: dict[str, str]) -> dict[str, Any]:
    if el is None:
        return {}
    proprietary: list[str] = []
    found: dict[str, Any] = {"priority": first_text(el, p, "InstrPrty")}
    for tag, name in (("SvcLvl", "service_level"), ("LclInstrm", "local_instrument"),
                      ("CtgyPurp", "category_purpose")):
        value, prtry = choice(first(el, p, tag), p)
        found[name] = value
        if prtry:
            proprietary.append(tag)
    if (channel := first_text(el, p, "ClrChanl")) is not None:
        extra["iso.ClrChanl"] = channel
    if proprietary:
        extra["iso.prtry"] = ",".join(proprietary)
    return found


def _purpose(el: Element | None, p: str, extra: dict[str, str]) -> str | None:
    value, prtry = choice(el, p)
    if prtry:
        extra["iso.prtry"] = ",".join(filter(None, (extra.get("iso.prtry"), "Purp")))
    return value


def _instructions(tx: Element, k: Kids, p: str) -> tuple[str, ...]:
    """InstrForCdtrAgt / InstrForNxtAgt in MT 23E notation: CODE, CODE/text or text."""
    if p + "InstrForCdtrAgt" not in k and p + "InstrForNxtAgt" not in k:
        return ()
    found: list[str] = []
    for tag in ("InstrForCdtrAgt", "InstrForNxtAgt"):
        for item in tx.iterchildren(p + tag):
            ik = kids(item)
            code, info = val(ik.get(p + "Cd")), val(ik.get(p + "InstrInf"))
            found.append("/".join(v for v in (code, info) if v is not None))
    return tuple(found)


def _charges(tx: Element, k: Kids, p: str, extra: dict[str, str]) -> tuple[Any, ...]:
    if p + "ChrgsInf" not in k:
        return ()
    found = []
    for i, item in enumerate(tx.iterchildren(p + "ChrgsInf")):
        found.append(money(first(item, p, "Amt")))
        bic = text(item, p, "Agt/FinInstnId/BICFI")
        if bic is not None:
            extra[f"iso.ChrgsInf[{i}].Agt"] = bic
    return tuple(found)


def _agents(k: Kids, p: str, stem: str, with_accounts: bool = True) -> tuple[Agent, ...]:
    found = []
    for n in (1, 2, 3):
        el = k.get(f"{p}{stem}{n}")
        if el is None:
            break
        acct = k.get(f"{p}{stem}{n}Acct") if with_accounts else None
        one = agent(el, p, acct)
        if one is not None:
            found.append(one)
    return tuple(found)


def _settlement(g: Kids, p: str, extra: dict[str, str]) -> dict[str, Any]:
    s = kids(g.get(p + "SttlmInf"))
    if not s:
        return {}
    system, _ = choice(s.get(p + "ClrSys"), p)
    extra.update(_extra((("iso.SttlmMtd", val(s.get(p + "SttlmMtd"))), ("iso.ClrSys", system),
                         ("iso.SttlmAcct", account(s.get(p + "SttlmAcct"), p)))))
    if len(s) <= 2:  # method and clearing system only: no reimbursement agents
        return {}
    return {
        "instructing_reimbursement_agent": agent(s.get(p + "InstgRmbrsmntAgt"), p,
                                                 s.get(p + "InstgRmbrsmntAgtAcct")),
        "instructed_reimbursement_agent": agent(s.get(p + "InstdRmbrsmntAgt"), p,
                                                s.get(p + "InstdRmbrsmntAgtAcct")),
        "third_reimbursement_agent": agent(s.get(p + "ThrdRmbrsmntAgt"), p,
                                           s.get(p + "ThrdRmbrsmntAgtAcct")),
    }


def _remittance(k: Kids, p: str) -> str | None:
    rmt = k.get(p + "RmtInf")
    if rmt is None:
        return None
    lines = [e.text or "" for e in rmt.iterchildren(p + "Ustrd")]
    return "\n".join(lines) if lines else None


def _group(g: Kids, p: str) -> dict[str, Any]:
    return {"message_id": val(g.get(p + "MsgId")),
            "created_at": iso_datetime(val(g.get(p + "CreDtTm")))}


# --- pacs.008 ---------------------------------------------------------------------------------

PACS008_MAPPED = frozenset({
    "PmtId", "PmtTpInf", "IntrBkSttlmAmt", "IntrBkSttlmDt", "InstdAmt", "XchgRate", "ChrgBr",
    "ChrgsInf", "PrvsInstgAgt1", "PrvsInstgAgt1Acct", "PrvsInstgAgt2", "PrvsInstgAgt2Acct",
    "PrvsInstgAgt3", "PrvsInstgAgt3Acct", "InstgAgt", "InstdAgt", "IntrmyAgt1", "IntrmyAgt1Acct",
    "IntrmyAgt2", "IntrmyAgt2Acct", "IntrmyAgt3", "IntrmyAgt3Acct", "UltmtDbtr", "Dbtr",
    "DbtrAcct", "DbtrAgt", "DbtrAgtAcct", "CdtrAgt", "CdtrAgtAcct", "Cdtr", "CdtrAcct",
    "UltmtCdtr", "InstrForCdtrAgt", "InstrForNxtAgt", "Purp", "RmtInf"})


def _transfer(k: Kids, p: str, g: Kids, base: dict[str, Any],
              extra: dict[str, str], fi: bool) -> dict[str, Any]:
    """The fields pacs.008 and pacs.009 transactions share (k: the transaction's children,
    g: the group header's)."""
    read_party = fi_party if fi else party
    pk = kids(k.get(p + "PmtId"))
    found = dict(base)
    found.update(_payment_type(alt(k, g, p + "PmtTpInf"), p, extra))
    found.update(
        instruction_id=val(pk.get(p + "InstrId")),
        end_to_end_id=val(pk.get(p + "EndToEndId")),
        transaction_id=val(pk.get(p + "TxId")),
        uetr=uuid4(val(pk.get(p + "UETR"))),
        amount=money(k.get(p + "IntrBkSttlmAmt")),
        settlement_date=iso_date(val(alt(k, g, p + "IntrBkSttlmDt"))),
        previous_instructing_agents=_agents(k, p, "PrvsInstgAgt"),
        instructing_agent=agent(alt(k, g, p + "InstgAgt"), p),
        instructed_agent=agent(alt(k, g, p + "InstdAgt"), p),
        intermediary_agents=_agents(k, p, "IntrmyAgt"),
        ultimate_debtor=read_party(k.get(p + "UltmtDbtr"), p),
        debtor=read_party(k.get(p + "Dbtr"), p, k.get(p + "DbtrAcct")),
        debtor_agent=agent(k.get(p + "DbtrAgt"), p, k.get(p + "DbtrAgtAcct")),
        creditor_agent=agent(k.get(p + "CdtrAgt"), p, k.get(p + "CdtrAgtAcct")),
        creditor=read_party(k.get(p + "Cdtr"), p, k.get(p + "CdtrAcct")),
        ultimate_creditor=read_party(k.get(p + "UltmtCdtr"), p),
        purpose=_purpose(k.get(p + "Purp"), p, extra),
        remittance_info=_remittance(k, p),
    )
    if (clearing_ref := val(pk.get(p + "ClrSysRef"))) is not None:
        extra["iso.ClrSysRef"] = clearing_ref
    return found


def read_pacs008(msg: Element, p: str, out: Out, where: str) -> None:
    g = kids(first(msg, p, "GrpHdr"))
    extra: dict[str, str] = {}
    base = {"kind": Kind.CUSTOMER_CREDIT_TRANSFER, "format": "pacs.008", **_group(g, p),
            **_settlement(g, p, extra)}
    for i, tx in enumerate(msg.iterchildren(p + "CdtTrfTxInf"), 1):
        here = f"{where}/CdtTrfTxInf[{i}]"
        mine = dict(extra)
        k = kids(tx)

        def build(tx: Element = tx, k: Kids = k, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = _transfer(k, p, g, base, mine, fi=False)
            found.update(
                instructions=_instructions(tx, k, p),
                instructed_amount=money(k.get(p + "InstdAmt")),
                exchange_rate=val(k.get(p + "XchgRate")),
                charge_bearer=_charge_bearer(val(k.get(p + "ChrgBr"))),
                charges=_charges(tx, k, p, mine),
                extra=mine)
            return found

        out.add(here, build)
        out.unmapped(k, p, PACS008_MAPPED, here)


# --- pacs.009 (core and COV) ------------------------------------------------------------------

PACS009_MAPPED = (PACS008_MAPPED - {"InstdAmt", "XchgRate", "ChrgBr", "ChrgsInf"}) | {
    "UndrlygCstmrCdtTrf"}
UNDERLYING_MAPPED = frozenset({
    "UltmtDbtr", "Dbtr", "DbtrAcct", "DbtrAgt", "DbtrAgtAcct", "PrvsInstgAgt1",
    "PrvsInstgAgt1Acct", "PrvsInstgAgt2", "PrvsInstgAgt2Acct", "PrvsInstgAgt3",
    "PrvsInstgAgt3Acct", "IntrmyAgt1", "IntrmyAgt1Acct", "IntrmyAgt2", "IntrmyAgt2Acct",
    "IntrmyAgt3", "IntrmyAgt3Acct", "CdtrAgt", "CdtrAgtAcct", "Cdtr", "CdtrAcct", "UltmtCdtr",
    "InstrForCdtrAgt", "InstrForNxtAgt", "RmtInf", "InstdAmt"})


def _underlying(el: Element, p: str, parent: dict[str, Any]) -> Message:
    k = kids(el)
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format="pacs.009cov",
        instructed_amount=money(first(el, p, "InstdAmt")),
        ultimate_debtor=party(first(el, p, "UltmtDbtr"), p),
        debtor=party(first(el, p, "Dbtr"), p, first(el, p, "DbtrAcct")),
        debtor_agent=agent(first(el, p, "DbtrAgt"), p, first(el, p, "DbtrAgtAcct")),
        previous_instructing_agents=_agents(k, p, "PrvsInstgAgt"),
        intermediary_agents=_agents(k, p, "IntrmyAgt"),
        creditor_agent=agent(first(el, p, "CdtrAgt"), p, first(el, p, "CdtrAgtAcct")),
        creditor=party(first(el, p, "Cdtr"), p, first(el, p, "CdtrAcct")),
        ultimate_creditor=party(first(el, p, "UltmtCdtr"), p),
        instructions=_instructions(el, k, p),
        remittance_info=_remittance(k, p),
    )


def read_pacs009(msg: Element, p: str, out: Out, where: str) -> None:
    g = kids(first(msg, p, "GrpHdr"))
    extra: dict[str, str] = {}
    txs = list(msg.iterchildren(p + "CdtTrfTxInf"))
    cover = any(first(tx, p, "UndrlygCstmrCdtTrf") is not None for tx in txs)
    out.format = "pacs.009cov" if cover else "pacs.009"
    base = {"kind": Kind.COVER if cover else Kind.FI_CREDIT_TRANSFER, "format": out.format,
            **_group(g, p), **_settlement(g, p, extra)}
    for i, tx in enumerate(txs, 1):
        here = f"{where}/CdtTrfTxInf[{i}]"
        mine = dict(extra)

        k = kids(tx)

        def build(tx: Element = tx, k: Kids = k, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = _transfer(k, p, g, base, mine, fi=True)
            found["instructions"] = _instructions(tx, k, p)
            undrlyg = k.get(p + "UndrlygCstmrCdtTrf")
            if undrlyg is not None:
                found["underlying"] = _underlying(undrlyg, p, found)
                found["kind"] = Kind.COVER
            found["extra"] = mine
            return found

        out.add(here, build)
        out.unmapped(tx, p, PACS009_MAPPED, here)
        undrlyg = first(tx, p, "UndrlygCstmrCdtTrf")
        if undrlyg is not None:
            out.unmapped(undrlyg, p, UNDERLYING_MAPPED, here + "/UndrlygCstmrCdtTrf")


# --- pacs.002 ---------------------------------------------------------------------------------

PACS002_MAPPED = frozenset({
    "StsId", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "TxSts", "StsRsnInf", "InstgAgt", "InstdAgt", "AccptncDtTm", "FctvIntrBkSttlmDt",
    "ClrSysRef", "OrgnlTxRef"})


def _reason(items: list[Element], p: str) -> dict[str, Any]:
    """The first reason's code and every AddtlInf line (StsRsnInf, RtrRsnInf, CxlRsnInf ...)."""
    if not items:
        return {}
    code, _ = choice(first(items[0], p, "Rsn"), p)
    lines = [line for item in items for line in texts(item, p, "AddtlInf")]
    return {"reason_code": code, "reason_text": "\n".join(lines) if lines else None}


def _original(tx: Element, p: str, extra: dict[str, str],
              group: Element | None = None) -> dict[str, Any]:
    """Original-transaction references shared by pacs.002, pacs.004, camt.056 and camt.029."""
    original = first(tx, p, "OrgnlGrpInf")
    if original is None:
        original = group
    if original is not None:
        extra.update(_extra((("iso.OrgnlMsgNmId", first_text(original, p, "OrgnlMsgNmId")),
                             ("iso.OrgnlCreDtTm", first_text(original, p, "OrgnlCreDtTm")))))
    return {
        "original_message_id": first_text(original, p, "OrgnlMsgId") if original is not None
        else None,
        "related_reference": first_text(tx, p, "OrgnlInstrId"),
        "end_to_end_id": first_text(tx, p, "OrgnlEndToEndId"),
        "transaction_id": first_text(tx, p, "OrgnlTxId"),
        "original_uetr": uuid4(first_text(tx, p, "OrgnlUETR")),
    }


def _original_reference(ref: Element | None, p: str) -> dict[str, Any]:
    """OrgnlTxRef: amount, date and the parties of the transaction the report is about."""
    if ref is None:
        return {}
    return {
        "amount": money(first(ref, p, "IntrBkSttlmAmt")),
        "settlement_date": iso_date(first_text(ref, p, "IntrBkSttlmDt")),
        "debtor": party40(first(ref, p, "Dbtr"), p),
        "debtor_agent": agent(first(ref, p, "DbtrAgt"), p),
        "creditor_agent": agent(first(ref, p, "CdtrAgt"), p),
        "creditor": party40(first(ref, p, "Cdtr"), p),
    }


def read_pacs002(msg: Element, p: str, out: Out, where: str) -> None:
    grp = first(msg, p, "GrpHdr")
    group_info = first(msg, p, "OrgnlGrpInfAndSts")
    base = {"kind": Kind.STATUS_REPORT, "format": "pacs.002", **_group(kids(grp), p)}
    txs = list(msg.iterchildren(p + "TxInfAndSts"))
    if not txs and group_info is not None:  # a group status only
        extra: dict[str, str] = {}

        def build_group() -> dict[str, Any]:
            return {**base, **_original(group_info, p, extra, group_info),
                    "status": first_text(group_info, p, "GrpSts"),
                    **_reason(list(group_info.iterchildren(p + "StsRsnInf")), p),
                    "instructing_agent": agent(first(grp, p, "InstgAgt"), p),
                    "instructed_agent": agent(first(grp, p, "InstdAgt"), p), "extra": extra}

        out.add(f"{where}/OrgnlGrpInfAndSts", build_group)
    for i, tx in enumerate(txs, 1):
        here = f"{where}/TxInfAndSts[{i}]"

        def build(tx: Element = tx) -> dict[str, Any]:
            extra: dict[str, str] = {}
            found = {**base, **_original_reference(first(tx, p, "OrgnlTxRef"), p)}
            found.update(_original(tx, p, extra, group_info))
            found.update(_reason(list(tx.iterchildren(p + "StsRsnInf")), p))
            found.update(
                instruction_id=first_text(tx, p, "StsId"),
                status=first_text(tx, p, "TxSts"),
                instructing_agent=agent(either(tx, grp, p + "InstgAgt"), p),
                instructed_agent=agent(either(tx, grp, p + "InstdAgt"), p))
            extra.update(_extra((
                ("iso.AccptncDtTm", first_text(tx, p, "AccptncDtTm")),
                ("iso.FctvIntrBkSttlmDt", text(tx, p, "FctvIntrBkSttlmDt/Dt")),
                ("iso.ClrSysRef", first_text(tx, p, "ClrSysRef")))))
            found["extra"] = extra
            return found

        out.add(here, build)
        out.unmapped(tx, p, PACS002_MAPPED, here)


# --- pacs.004 ---------------------------------------------------------------------------------

PACS004_MAPPED = frozenset({
    "RtrId", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt", "RtrdIntrBkSttlmAmt", "IntrBkSttlmDt",
    "RtrdInstdAmt", "XchgRate", "ChrgBr", "ChrgsInf", "InstgAgt", "InstdAgt", "RtrChain",
    "RtrRsnInf", "OrgnlTxRef"})


def read_pacs004(msg: Element, p: str, out: Out, where: str) -> None:
    grp = first(msg, p, "GrpHdr")
    extra: dict[str, str] = {}
    g = kids(grp)
    base = {"kind": Kind.RETURN, "format": "pacs.004", **_group(g, p),
            **_settlement(g, p, extra)}
    group_info = first(msg, p, "OrgnlGrpInf")
    for i, tx in enumerate(msg.iterchildren(p + "TxInf"), 1):
        here = f"{where}/TxInf[{i}]"
        mine = dict(extra)

        def build(tx: Element = tx, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = {**base, **_original_reference(first(tx, p, "OrgnlTxRef"), p)}
            found.update(_original(tx, p, mine, group_info))
            found.update(_reason(list(tx.iterchildren(p + "RtrRsnInf")), p))
            chain = first(tx, p, "RtrChain")
            if chain is not None:
                found.update(
                    ultimate_debtor=party40(first(chain, p, "UltmtDbtr"), p),
                    debtor=party40(first(chain, p, "Dbtr"), p),
                    debtor_agent=agent(first(chain, p, "DbtrAgt"), p),
                    previous_instructing_agents=_agents(kids(chain), p, "PrvsInstgAgt", False),
                    intermediary_agents=_agents(kids(chain), p, "IntrmyAgt", False),
                    creditor_agent=agent(first(chain, p, "CdtrAgt"), p),
                    creditor=party40(first(chain, p, "Cdtr"), p),
                    ultimate_creditor=party40(first(chain, p, "UltmtCdtr"), p))
            if (original_amount := money(first(tx, p, "OrgnlIntrBkSttlmAmt"))) is not None:
                mine["iso.OrgnlIntrBkSttlmAmt"] = f"{original_amount.currency} " \
                                                  f"{original_amount.text()}"
            if (original_date := first_text(tx, p, "OrgnlIntrBkSttlmDt")) is not None:
                mine["iso.OrgnlIntrBkSttlmDt"] = original_date
            found.update(
                instruction_id=first_text(tx, p, "RtrId"),
                amount=money(first(tx, p, "RtrdIntrBkSttlmAmt")),
                settlement_date=iso_date(first_text(tx, p, "IntrBkSttlmDt")
                                         or first_text(grp, p, "IntrBkSttlmDt")),
                instructed_amount=money(first(tx, p, "RtrdInstdAmt")),
                exchange_rate=first_text(tx, p, "XchgRate"),
                charge_bearer=_charge_bearer(first_text(tx, p, "ChrgBr")),
                charges=_charges(tx, kids(tx), p, mine),
                instructing_agent=agent(either(tx, grp, p + "InstgAgt"), p),
                instructed_agent=agent(either(tx, grp, p + "InstdAgt"), p),
                extra=mine)
            return found

        out.add(here, build)
        out.unmapped(tx, p, PACS004_MAPPED, here)


# --- camt.056 and camt.029 --------------------------------------------------------------------

def _assignment(msg: Element, p: str) -> dict[str, Any]:
    assignment = first(msg, p, "Assgnmt")
    if assignment is None:
        return {}

    def side(tag: str) -> Agent | None:
        el = first(assignment, p, tag)
        if el is None:
            return None
        found = agent(first(el, p, "Agt"), p)
        if found is None and (pty := party(first(el, p, "Pty"), p)) is not None:
            found = Agent(bic=pty.bic, name=pty.name, address=pty.address)
        return found

    return {"message_id": first_text(assignment, p, "Id"),
            "created_at": iso_datetime(first_text(assignment, p, "CreDtTm")),
            "instructing_agent": side("Assgnr"), "instructed_agent": side("Assgne")}


def _case(el: Element | None, p: str, extra: dict[str, str]) -> None:
    if el is None:
        return
    creator = agent(first(el, p, "Cretr/Agt"), p)
    member = None
    if creator is not None and creator.member_id is not None:  # "USABA:011104238"
        member = f"{creator.clearing_system or ''}:{creator.member_id}"
    extra.update(_extra((("iso.Case.Id", first_text(el, p, "Id")),
                         ("iso.Case.Cretr", (creator.bic if creator else None) or member
                          or text(el, p, "Cretr/Pty/Nm")))))


CAMT056_MAPPED = frozenset({
    "CxlId", "Case", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt", "CxlRsnInf", "OrgnlTxRef"})


def read_camt056(msg: Element, p: str, out: Out, where: str) -> None:
    extra: dict[str, str] = {}
    _case(first(msg, p, "Case"), p, extra)
    base = {"kind": Kind.CANCELLATION, "format": "camt.056", **_assignment(msg, p)}
    for u, underlying in enumerate(msg.iterchildren(p + "Undrlyg"), 1):
        group = first(underlying, p, "OrgnlGrpInfAndCxl")
        for i, tx in enumerate(underlying.iterchildren(p + "TxInf"), 1):
            here = f"{where}/Undrlyg[{u}]/TxInf[{i}]"
            mine = dict(extra)

            def build(tx: Element = tx, mine: dict[str, str] = mine,
                      group: Element | None = group) -> dict[str, Any]:
                _case(first(tx, p, "Case"), p, mine)
                found = {**base, **_original_reference(first(tx, p, "OrgnlTxRef"), p)}
                found.update(_original(tx, p, mine, group))
                found.update(_reason(list(tx.iterchildren(p + "CxlRsnInf")), p))
                found["instruction_id"] = first_text(tx, p, "CxlId")
                if (amount := money(first(tx, p, "OrgnlIntrBkSttlmAmt"))) is not None:
                    found["amount"] = amount
                if (day := first_text(tx, p, "OrgnlIntrBkSttlmDt")) is not None:
                    found["settlement_date"] = iso_date(day)
                found["extra"] = mine
                return found

            out.add(here, build)
            out.unmapped(tx, p, CAMT056_MAPPED, here)


CAMT029_MAPPED = frozenset({
    "CxlStsId", "RslvdCase", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId",
    "OrgnlUETR", "TxCxlSts", "CxlStsRsnInf", "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt",
    "OrgnlTxRef"})


def read_camt029(msg: Element, p: str, out: Out, where: str) -> None:
    extra: dict[str, str] = {}
    _case(first(msg, p, "RslvdCase"), p, extra)
    confirmation = text(msg, p, "Sts/Conf")
    base = {"kind": Kind.STATUS_REPORT, "format": "camt.029", **_assignment(msg, p),
            "status": confirmation}
    details = list(msg.iterchildren(p + "CxlDtls"))
    count = 0
    for d, detail in enumerate(details, 1):
        group = first(detail, p, "OrgnlGrpInfAndSts")
        for i, tx in enumerate(detail.iterchildren(p + "TxInfAndSts"), 1):
            here = f"{where}/CxlDtls[{d}]/TxInfAndSts[{i}]"
            count += 1
            mine = dict(extra)

            def build(tx: Element = tx, mine: dict[str, str] = mine,
                      group: Element | None = group) -> dict[str, Any]:
                _case(first(tx, p, "RslvdCase"), p, mine)
                found = {**base, **_original_reference(first(tx, p, "OrgnlTxRef"), p)}
                found.update(_original(tx, p, mine, group))
                found.update(_reason(list(tx.iterchildren(p + "CxlStsRsnInf")), p))
                found["instruction_id"] = first_text(tx, p, "CxlStsId")
                if (status := first_text(tx, p, "TxCxlSts")) is not None:
                    mine["iso.TxCxlSts"] = status
                if (amount := money(first(tx, p, "OrgnlIntrBkSttlmAmt"))) is not None:
                    found["amount"] = amount
                if (day := first_text(tx, p, "OrgnlIntrBkSttlmDt")) is not None:
                    found["settlement_date"] = iso_date(day)
                found["extra"] = mine
                return found

            out.add(here, build)
            out.unmapped(tx, p, CAMT029_MAPPED, here)
    if count == 0:
        out.add(where, lambda: {**base, "extra": extra})


# --- pain.001 ---------------------------------------------------------------------------------

PAIN001_MAPPED = frozenset({
    "PmtId", "PmtTpInf", "Amt", "ChrgBr", "UltmtDbtr", "IntrmyAgt1", "IntrmyAgt1Acct",
    "IntrmyAgt2", "IntrmyAgt2Acct", "IntrmyAgt3", "IntrmyAgt3Acct", "CdtrAgt", "CdtrAgtAcct",
    "Cdtr", "CdtrAcct", "UltmtCdtr", "InstrForCdtrAgt", "Purp", "RmtInf"})


def read_pain001(msg: Element, p: str, out: Out, where: str) -> None:
    grp = first(msg, p, "GrpHdr")
    group = _group(kids(grp), p)
    initiating = party(first(grp, p, "InitgPty"), p)
    for b, batch in enumerate(msg.iterchildren(p + "PmtInf"), 1):
        requested = first_text(batch, p, "ReqdExctnDt/Dt") or text(batch, p, "ReqdExctnDt/DtTm")
        if requested is None:
            requested = first_text(batch, p, "ReqdExctnDt")  # pain.001.001.08 and earlier: ISODate
        base = {"kind": Kind.CUSTOMER_CREDIT_TRANSFER, "format": "pain.001", **group,
                "requested_execution_date": iso_date(requested)}
        for i, tx in enumerate(batch.iterchildren(p + "CdtTrfTxInf"), 1):
            here = f"{where}/PmtInf[{b}]/CdtTrfTxInf[{i}]"

            def build(tx: Element = tx, batch: Element = batch,
                      base: dict[str, Any] = base) -> dict[str, Any]:
                extra = _extra((("iso.PmtInfId", first_text(batch, p, "PmtInfId")),
                                ("iso.PmtMtd", first_text(batch, p, "PmtMtd")),
                                ("iso.InitgPty.Nm", initiating.name if initiating else None)))
                pmt = first(tx, p, "PmtId")
                amount = money(first(tx, p, "Amt/InstdAmt"))
                if amount is None:  # an equivalent amount: debited in its currency
                    amount = money(first(tx, p, "Amt/EqvtAmt/Amt"))
                    extra["iso.CcyOfTrf"] = text(tx, p, "Amt/EqvtAmt/CcyOfTrf") or ""
                found = {**base}
                found.update(_payment_type(either(tx, batch, p + "PmtTpInf"), p, extra))
                found.update(
                    instruction_id=text(pmt, p, "InstrId"),
                    end_to_end_id=text(pmt, p, "EndToEndId"),
                    uetr=uuid4(text(pmt, p, "UETR")),
                    amount=amount, instructed_amount=amount,
                    charge_bearer=_charge_bearer(first_text(tx, p, "ChrgBr")
                                                 or first_text(batch, p, "ChrgBr")),
                    debtor=party(first(batch, p, "Dbtr"), p, first(batch, p, "DbtrAcct")),
                    debtor_agent=agent(first(batch, p, "DbtrAgt"), p,
                                       first(batch, p, "DbtrAgtAcct")),
                    ultimate_debtor=party(either(tx, batch, p + "UltmtDbtr"), p),
                    intermediary_agents=_agents(kids(tx), p, "IntrmyAgt"),
                    creditor_agent=agent(first(tx, p, "CdtrAgt"), p, first(tx, p, "CdtrAgtAcct")),
                    creditor=party(first(tx, p, "Cdtr"), p, first(tx, p, "CdtrAcct")),
                    ultimate_creditor=party(first(tx, p, "UltmtCdtr"), p),
                    instructions=_instructions(tx, kids(tx), p),
                    purpose=_purpose(first(tx, p, "Purp"), p, extra),
                    remittance_info=_remittance(kids(tx), p),
                    extra=extra)
                return found

            out.add(here, build)
            out.unmapped(tx, p, PAIN001_MAPPED, here)


READERS: dict[str, Callable[[Element, str, Out, str], None]] = {
    "pacs.008": read_pacs008,
    "pacs.009": read_pacs009,
    "pacs.002": read_pacs002,
    "pacs.004": read_pacs004,
    "camt.056": read_camt056,
    "camt.029": read_camt029,
    "pain.001": read_pain001,
}
