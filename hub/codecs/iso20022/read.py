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
    iso_date,
    iso_datetime,
    kids,
    money,
    party,
    party40,
    q,
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


def either(first: Element, second: Element | None, tag: str) -> Element | None:
    """The child of `first`, else of `second` (transaction level before group level)."""
    found = first.find(tag)
    if found is None and second is not None:
        found = second.find(tag)
    return found


def alt(first: Kids, second: Kids, tag: str) -> Element | None:
    """The child in `first`, else in `second` (transaction level before group level)."""
    found = first.get(tag)
    return found if found is not None else second.get(tag)


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
    found: dict[str, Any] = {"priority": el.findtext(p + "InstrPrty")}
    for tag, name in (("SvcLvl", "service_level"), ("LclInstrm", "local_instrument"),
                      ("CtgyPurp", "category_purpose")):
        value, prtry = choice(el.find(p + tag), p)
        found[name] = value
        if prtry:
            proprietary.append(tag)
    if (channel := el.findtext(p + "ClrChanl")) is not None:
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
        found.append(money(item.find(p + "Amt")))
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
    g = kids(msg.find(p + "GrpHdr"))
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
        instructed_amount=money(el.find(p + "InstdAmt")),
        ultimate_debtor=party(el.find(p + "UltmtDbtr"), p),
        debtor=party(el.find(p + "Dbtr"), p, el.find(p + "DbtrAcct")),
        debtor_agent=agent(el.find(p + "DbtrAgt"), p, el.find(p + "DbtrAgtAcct")),
        previous_instructing_agents=_agents(k, p, "PrvsInstgAgt"),
        intermediary_agents=_agents(k, p, "IntrmyAgt"),
        creditor_agent=agent(el.find(p + "CdtrAgt"), p, el.find(p + "CdtrAgtAcct")),
        creditor=party(el.find(p + "Cdtr"), p, el.find(p + "CdtrAcct")),
        ultimate_creditor=party(el.find(p + "UltmtCdtr"), p),
        instructions=_instructions(el, k, p),
        remittance_info=_remittance(k, p),
    )


def read_pacs009(msg: Element, p: str, out: Out, where: str) -> None:
    g = kids(msg.find(p + "GrpHdr"))
    extra: dict[str, str] = {}
    txs = list(msg.iterchildren(p + "CdtTrfTxInf"))
    cover = any(tx.find(p + "UndrlygCstmrCdtTrf") is not None for tx in txs)
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
        undrlyg = tx.find(p + "UndrlygCstmrCdtTrf")
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
    code, _ = choice(items[0].find(p + "Rsn"), p)
    lines = [line for item in items for line in texts(item, p, "AddtlInf")]
    return {"reason_code": code, "reason_text": "\n".join(lines) if lines else None}


def _original(tx: Element, p: str, extra: dict[str, str],
              group: Element | None = None) -> dict[str, Any]:
    """Original-transaction references shared by pacs.002, pacs.004, camt.056 and camt.029."""
    original = tx.find(p + "OrgnlGrpInf")
    if original is None:
        original = group
    if original is not None:
        extra.update(_extra((("iso.OrgnlMsgNmId", original.findtext(p + "OrgnlMsgNmId")),
                             ("iso.OrgnlCreDtTm", original.findtext(p + "OrgnlCreDtTm")))))
    return {
        "original_message_id": original.findtext(p + "OrgnlMsgId") if original is not None
        else None,
        "related_reference": tx.findtext(p + "OrgnlInstrId"),
        "end_to_end_id": tx.findtext(p + "OrgnlEndToEndId"),
        "transaction_id": tx.findtext(p + "OrgnlTxId"),
        "original_uetr": uuid4(tx.findtext(p + "OrgnlUETR")),
    }


def _original_reference(ref: Element | None, p: str) -> dict[str, Any]:
    """OrgnlTxRef: amount, date and the parties of the transaction the report is about."""
    if ref is None:
        return {}
    return {
        "amount": money(ref.find(p + "IntrBkSttlmAmt")),
        "settlement_date": iso_date(ref.findtext(p + "IntrBkSttlmDt")),
        "debtor": party40(ref.find(p + "Dbtr"), p),
        "debtor_agent": agent(ref.find(p + "DbtrAgt"), p),
        "creditor_agent": agent(ref.find(p + "CdtrAgt"), p),
        "creditor": party40(ref.find(p + "Cdtr"), p),
    }


def read_pacs002(msg: Element, p: str, out: Out, where: str) -> None:
    grp = msg.find(p + "GrpHdr")
    group_info = msg.find(p + "OrgnlGrpInfAndSts")
    base = {"kind": Kind.STATUS_REPORT, "format": "pacs.002", **_group(kids(grp), p)}
    txs = list(msg.iterfind(p + "TxInfAndSts"))
    if not txs and group_info is not None:  # a group status only
        extra: dict[str, str] = {}

        def build_group() -> dict[str, Any]:
            return {**base, **_original(group_info, p, extra, group_info),
                    "status": group_info.findtext(p + "GrpSts"),
                    **_reason(list(group_info.iterfind(p + "StsRsnInf")), p),
                    "instructing_agent": agent(grp.find(p + "InstgAgt"), p),
                    "instructed_agent": agent(grp.find(p + "InstdAgt"), p), "extra": extra}

        out.add(f"{where}/OrgnlGrpInfAndSts", build_group)
    for i, tx in enumerate(txs, 1):
        here = f"{where}/TxInfAndSts[{i}]"

        def build(tx: Element = tx) -> dict[str, Any]:
            extra: dict[str, str] = {}
            found = {**base, **_original_reference(tx.find(p + "OrgnlTxRef"), p)}
            found.update(_original(tx, p, extra, group_info))
            found.update(_reason(list(tx.iterfind(p + "StsRsnInf")), p))
            found.update(
                instruction_id=tx.findtext(p + "StsId"),
                status=tx.findtext(p + "TxSts"),
                instructing_agent=agent(either(tx, grp, p + "InstgAgt"), p),
                instructed_agent=agent(either(tx, grp, p + "InstdAgt"), p))
            extra.update(_extra((
                ("iso.AccptncDtTm", tx.findtext(p + "AccptncDtTm")),
                ("iso.FctvIntrBkSttlmDt", text(tx, p, "FctvIntrBkSttlmDt/Dt")),
                ("iso.ClrSysRef", tx.findtext(p + "ClrSysRef")))))
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
    grp = msg.find(p + "GrpHdr")
    extra: dict[str, str] = {}
    g = kids(grp)
    base = {"kind": Kind.RETURN, "format": "pacs.004", **_group(g, p),
            **_settlement(g, p, extra)}
    group_info = msg.find(p + "OrgnlGrpInf")
    for i, tx in enumerate(msg.iterfind(p + "TxInf"), 1):
        here = f"{where}/TxInf[{i}]"
        mine = dict(extra)

        def build(tx: Element = tx, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = {**base, **_original_reference(tx.find(p + "OrgnlTxRef"), p)}
            found.update(_original(tx, p, mine, group_info))
            found.update(_reason(list(tx.iterfind(p + "RtrRsnInf")), p))
            chain = tx.find(p + "RtrChain")
            if chain is not None:
                found.update(
                    ultimate_debtor=party40(chain.find(p + "UltmtDbtr"), p),
                    debtor=party40(chain.find(p + "Dbtr"), p),
                    debtor_agent=agent(chain.find(p + "DbtrAgt"), p),
                    previous_instructing_agents=_agents(kids(chain), p, "PrvsInstgAgt", False),
                    intermediary_agents=_agents(kids(chain), p, "IntrmyAgt", False),
                    creditor_agent=agent(chain.find(p + "CdtrAgt"), p),
                    creditor=party40(chain.find(p + "Cdtr"), p),
                    ultimate_creditor=party40(chain.find(p + "UltmtCdtr"), p))
            if (original_amount := money(tx.find(p + "OrgnlIntrBkSttlmAmt"))) is not None:
                mine["iso.OrgnlIntrBkSttlmAmt"] = f"{original_amount.currency} " \
                                                  f"{original_amount.text()}"
            if (original_date := tx.findtext(p + "OrgnlIntrBkSttlmDt")) is not None:
                mine["iso.OrgnlIntrBkSttlmDt"] = original_date
            found.update(
                instruction_id=tx.findtext(p + "RtrId"),
                amount=money(tx.find(p + "RtrdIntrBkSttlmAmt")),
                settlement_date=iso_date(tx.findtext(p + "IntrBkSttlmDt")
                                         or grp.findtext(p + "IntrBkSttlmDt")),
                instructed_amount=money(tx.find(p + "RtrdInstdAmt")),
                exchange_rate=tx.findtext(p + "XchgRate"),
                charge_bearer=_charge_bearer(tx.findtext(p + "ChrgBr")),
                charges=_charges(tx, kids(tx), p, mine),
                instructing_agent=agent(either(tx, grp, p + "InstgAgt"), p),
                instructed_agent=agent(either(tx, grp, p + "InstdAgt"), p),
                extra=mine)
            return found

        out.add(here, build)
        out.unmapped(tx, p, PACS004_MAPPED, here)


# --- camt.056 and camt.029 --------------------------------------------------------------------

def _assignment(msg: Element, p: str) -> dict[str, Any]:
    assignment = msg.find(p + "Assgnmt")
    if assignment is None:
        return {}

    def side(tag: str) -> Agent | None:
        el = assignment.find(p + tag)
        if el is None:
            return None
        found = agent(el.find(p + "Agt"), p)
        if found is None and (pty := party(el.find(p + "Pty"), p)) is not None:
            found = Agent(bic=pty.bic, name=pty.name, address=pty.address)
        return found

    return {"message_id": assignment.findtext(p + "Id"),
            "created_at": iso_datetime(assignment.findtext(p + "CreDtTm")),
            "instructing_agent": side("Assgnr"), "instructed_agent": side("Assgne")}


def _case(el: Element | None, p: str, extra: dict[str, str]) -> None:
    if el is None:
        return
    creator = agent(el.find(q(p, "Cretr/Agt")), p)
    member = None
    if creator is not None and creator.member_id is not None:  # "USABA:011104238"
        member = f"{creator.clearing_system or ''}:{creator.member_id}"
    extra.update(_extra((("iso.Case.Id", el.findtext(p + "Id")),
                         ("iso.Case.Cretr", (creator.bic if creator else None) or member
                          or text(el, p, "Cretr/Pty/Nm")))))


CAMT056_MAPPED = frozenset({
    "CxlId", "Case", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt", "CxlRsnInf", "OrgnlTxRef"})


def read_camt056(msg: Element, p: str, out: Out, where: str) -> None:
    extra: dict[str, str] = {}
    _case(msg.find(p + "Case"), p, extra)
    base = {"kind": Kind.CANCELLATION, "format": "camt.056", **_assignment(msg, p)}
    for u, underlying in enumerate(msg.iterfind(p + "Undrlyg"), 1):
        group = underlying.find(p + "OrgnlGrpInfAndCxl")
        for i, tx in enumerate(underlying.iterfind(p + "TxInf"), 1):
            here = f"{where}/Undrlyg[{u}]/TxInf[{i}]"
            mine = dict(extra)

            def build(tx: Element = tx, mine: dict[str, str] = mine,
                      group: Element | None = group) -> dict[str, Any]:
                _case(tx.find(p + "Case"), p, mine)
                found = {**base, **_original_reference(tx.find(p + "OrgnlTxRef"), p)}
                found.update(_original(tx, p, mine, group))
                found.update(_reason(list(tx.iterfind(p + "CxlRsnInf")), p))
                found["instruction_id"] = tx.findtext(p + "CxlId")
                if (amount := money(tx.find(p + "OrgnlIntrBkSttlmAmt"))) is not None:
                    found["amount"] = amount
                if (day := tx.findtext(p + "OrgnlIntrBkSttlmDt")) is not None:
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
    _case(msg.find(p + "RslvdCase"), p, extra)
    confirmation = text(msg, p, "Sts/Conf")
    base = {"kind": Kind.STATUS_REPORT, "format": "camt.029", **_assignment(msg, p),
            "status": confirmation}
    details = list(msg.iterfind(p + "CxlDtls"))
    count = 0
    for d, detail in enumerate(details, 1):
        group = detail.find(p + "OrgnlGrpInfAndSts")
        for i, tx in enumerate(detail.iterfind(p + "TxInfAndSts"), 1):
            here = f"{where}/CxlDtls[{d}]/TxInfAndSts[{i}]"
            count += 1
            mine = dict(extra)

            def build(tx: Element = tx, mine: dict[str, str] = mine,
                      group: Element | None = group) -> dict[str, Any]:
                _case(tx.find(p + "RslvdCase"), p, mine)
                found = {**base, **_original_reference(tx.find(p + "OrgnlTxRef"), p)}
                found.update(_original(tx, p, mine, group))
                found.update(_reason(list(tx.iterfind(p + "CxlStsRsnInf")), p))
                found["instruction_id"] = tx.findtext(p + "CxlStsId")
                if (status := tx.findtext(p + "TxCxlSts")) is not None:
                    mine["iso.TxCxlSts"] = status
                if (amount := money(tx.find(p + "OrgnlIntrBkSttlmAmt"))) is not None:
                    found["amount"] = amount
                if (day := tx.findtext(p + "OrgnlIntrBkSttlmDt")) is not None:
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
    grp = msg.find(p + "GrpHdr")
    group = _group(kids(grp), p)
    initiating = party(grp.find(p + "InitgPty"), p)
    for b, batch in enumerate(msg.iterfind(p + "PmtInf"), 1):
        requested = batch.findtext(q(p, "ReqdExctnDt/Dt")) or text(batch, p, "ReqdExctnDt/DtTm")
        if requested is None:
            requested = batch.findtext(p + "ReqdExctnDt")  # pain.001.001.08 and earlier: ISODate
        base = {"kind": Kind.CUSTOMER_CREDIT_TRANSFER, "format": "pain.001", **group,
                "requested_execution_date": iso_date(requested)}
        for i, tx in enumerate(batch.iterfind(p + "CdtTrfTxInf"), 1):
            here = f"{where}/PmtInf[{b}]/CdtTrfTxInf[{i}]"

            def build(tx: Element = tx, batch: Element = batch,
                      base: dict[str, Any] = base) -> dict[str, Any]:
                extra = _extra((("iso.PmtInfId", batch.findtext(p + "PmtInfId")),
                                ("iso.PmtMtd", batch.findtext(p + "PmtMtd")),
                                ("iso.InitgPty.Nm", initiating.name if initiating else None)))
                pmt = tx.find(p + "PmtId")
                amount = money(tx.find(q(p, "Amt/InstdAmt")))
                if amount is None:  # an equivalent amount: debited in its currency
                    amount = money(tx.find(q(p, "Amt/EqvtAmt/Amt")))
                    extra["iso.CcyOfTrf"] = text(tx, p, "Amt/EqvtAmt/CcyOfTrf") or ""
                found = {**base}
                found.update(_payment_type(either(tx, batch, p + "PmtTpInf"), p, extra))
                found.update(
                    instruction_id=text(pmt, p, "InstrId"),
                    end_to_end_id=text(pmt, p, "EndToEndId"),
                    uetr=uuid4(text(pmt, p, "UETR")),
                    amount=amount, instructed_amount=amount,
                    charge_bearer=_charge_bearer(tx.findtext(p + "ChrgBr")
                                                 or batch.findtext(p + "ChrgBr")),
                    debtor=party(batch.find(p + "Dbtr"), p, batch.find(p + "DbtrAcct")),
                    debtor_agent=agent(batch.find(p + "DbtrAgt"), p,
                                       batch.find(p + "DbtrAgtAcct")),
                    ultimate_debtor=party(either(tx, batch, p + "UltmtDbtr"), p),
                    intermediary_agents=_agents(kids(tx), p, "IntrmyAgt"),
                    creditor_agent=agent(tx.find(p + "CdtrAgt"), p, tx.find(p + "CdtrAgtAcct")),
                    creditor=party(tx.find(p + "Cdtr"), p, tx.find(p + "CdtrAcct")),
                    ultimate_creditor=party(tx.find(p + "UltmtCdtr"), p),
                    instructions=_instructions(tx, kids(tx), p),
                    purpose=_purpose(tx.find(p + "Purp"), p, extra),
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
