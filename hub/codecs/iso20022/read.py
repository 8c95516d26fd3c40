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
    account,
    agent,
    choice,
    fi_party,
    iso_date,
    iso_datetime,
    money,
    party,
    party40,
    uuid4,
    val,
)
from hub.codecs.iso20022.tree import Data, get, many, node, text
from hub.errors import Diagnostic, ModelError, Severity
from hub.model import Agent, ChargeBearer, Kind, Message

ADVICE = "pacs.009adv"


@dataclass
class Out:
    """What reading one Document produced (`format` may be set beforehand by the caller: the
    header's business service tells a pacs.009 ADV from a core pacs.009)."""

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

    def unmapped(self, data: Data, mapped: frozenset[str], where: str) -> None:
        if data.keys() <= mapped:  # the usual case, as one C-level set comparison
            return
        for name in data:
            if name not in mapped:
                self.diagnostics.append(Diagnostic(
                    "ISO.NOT_MAPPED", f"{name} is kept in the XML only", f"{where}/{name}",
                    Severity.INFO))


def alt(near: Data, far: Data, name: str) -> Any:
    """The value in `near`, else in `far` (transaction level before group level)."""
    found = near.get(name)
    return found if found is not None else far.get(name)


def _extra(items: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    return {k: v for k, v in items if v is not None}


_CHARGE_BEARERS: dict[str, ChargeBearer] = {b.value: b for b in ChargeBearer}


def _charge_bearer(value: str | None) -> ChargeBearer | None:
    if value is None:
        return None
    found = _CHARGE_BEARERS.get(value)
    if found is not None:
        return found
    try:
        return ChargeBearer(value)
    except ValueError:
        raise ModelError(f"unknown charge bearer {value!r}", code="MODEL.ENUM") from None


def _payment_type(value: Any, extra: dict[str, str]) -> dict[str, Any]:
    if value is None:
        return {}
    pt = node(value)
    proprietary: list[str] = []
    found: dict[str, Any] = {"priority": val(pt.get("InstrPrty"))}
    for name, field_name in (("SvcLvl", "service_level"), ("LclInstrm", "local_instrument"),
                             ("CtgyPurp", "category_purpose")):
        code, prtry = choice(pt.get(name))
        found[field_name] = code
        if prtry:
            proprietary.append(name)
    if (channel := val(pt.get("ClrChanl"))) is not None:
        extra["iso.ClrChanl"] = channel
    if proprietary:
        extra["iso.prtry"] = ",".join(proprietary)
    return found


def _purpose(value: Any, extra: dict[str, str]) -> str | None:
    code, prtry = choice(value)
    if prtry:
        extra["iso.prtry"] = ",".join(filter(None, (extra.get("iso.prtry"), "Purp")))
    return code


def _instructions(tx: Data) -> tuple[str, ...]:
    """InstrForCdtrAgt / InstrForNxtAgt in MT 23E notation: CODE, CODE/text or text."""
    found: list[str] = []
    for name in ("InstrForCdtrAgt", "InstrForNxtAgt"):
        for item in many(tx.get(name)):
            item = node(item)
            code, info = val(item.get("Cd")), val(item.get("InstrInf"))
            found.append("/".join(v for v in (code, info) if v is not None))
    return tuple(found)


def _charges(tx: Data, extra: dict[str, str]) -> tuple[Any, ...]:
    found = []
    for i, item in enumerate(many(tx.get("ChrgsInf"))):
        item = node(item)
        found.append(money(item.get("Amt")))
        bic = text(item, "Agt", "FinInstnId", "BICFI")
        if bic is not None:
            extra[f"iso.ChrgsInf[{i}].Agt"] = bic
    return tuple(found)


def _agents(k: Data, stem: str, with_accounts: bool = True) -> tuple[Agent, ...]:
    found = []
    for n in (1, 2, 3):
        value = k.get(f"{stem}{n}")
        if value is None:
            break
        one = agent(value, k.get(f"{stem}{n}Acct") if with_accounts else None)
        if one is not None:
            found.append(one)
    return tuple(found)


def _settlement(g: Data, extra: dict[str, str]) -> dict[str, Any]:
    s = node(g.get("SttlmInf"))
    if not s:
        return {}
    system, _ = choice(s.get("ClrSys"))
    extra.update(_extra((("iso.SttlmMtd", val(s.get("SttlmMtd"))), ("iso.ClrSys", system),
                         ("iso.SttlmAcct", account(s.get("SttlmAcct"))))))
    if "InstgRmbrsmntAgt" not in s and "InstdRmbrsmntAgt" not in s and \
            "ThrdRmbrsmntAgt" not in s:
        return {}
    return {
        "instructing_reimbursement_agent": agent(s.get("InstgRmbrsmntAgt"),
                                                 s.get("InstgRmbrsmntAgtAcct")),
        "instructed_reimbursement_agent": agent(s.get("InstdRmbrsmntAgt"),
                                                s.get("InstdRmbrsmntAgtAcct")),
        "third_reimbursement_agent": agent(s.get("ThrdRmbrsmntAgt"),
                                           s.get("ThrdRmbrsmntAgtAcct")),
    }


def _remittance(k: Data) -> str | None:
    rmt = k.get("RmtInf")
    if rmt is None:
        return None
    unstructured = node(rmt).get("Ustrd")
    if type(unstructured) is str:  # the usual single line
        return unstructured
    lines = [v if type(v) is str else "" for v in many(unstructured)]
    return "\n".join(lines) if lines else None


def _group(g: Data) -> dict[str, Any]:
    return {"message_id": val(g.get("MsgId")),
            "created_at": iso_datetime(val(g.get("CreDtTm")))}


# --- pacs.008 ---------------------------------------------------------------------------------

PACS008_MAPPED = frozenset({
    "PmtId", "PmtTpInf", "IntrBkSttlmAmt", "IntrBkSttlmDt", "InstdAmt", "XchgRate", "ChrgBr",
    "ChrgsInf", "PrvsInstgAgt1", "PrvsInstgAgt1Acct", "PrvsInstgAgt2", "PrvsInstgAgt2Acct",
    "PrvsInstgAgt3", "PrvsInstgAgt3Acct", "InstgAgt", "InstdAgt", "IntrmyAgt1", "IntrmyAgt1Acct",
    "IntrmyAgt2", "IntrmyAgt2Acct", "IntrmyAgt3", "IntrmyAgt3Acct", "UltmtDbtr", "Dbtr",
    "DbtrAcct", "DbtrAgt", "DbtrAgtAcct", "CdtrAgt", "CdtrAgtAcct", "Cdtr", "CdtrAcct",
    "UltmtCdtr", "InstrForCdtrAgt", "InstrForNxtAgt", "Purp", "RmtInf"})


def _transfer(k: Data, g: Data, base: dict[str, Any], extra: dict[str, str],
              fi: bool) -> dict[str, Any]:
    """The fields pacs.008 and pacs.009 transactions share (k: the transaction, g: the group
    header)."""
    read_party = fi_party if fi else party
    get = k.get
    pk = node(get("PmtId"))
    found = dict(base)
    if (payment_type := alt(k, g, "PmtTpInf")) is not None:
        found.update(_payment_type(payment_type, extra))
    found["instruction_id"] = val(pk.get("InstrId"))
    found["end_to_end_id"] = val(pk.get("EndToEndId"))
    found["transaction_id"] = val(pk.get("TxId"))
    found["uetr"] = uuid4(val(pk.get("UETR")))
    found["amount"] = money(get("IntrBkSttlmAmt"))
    found["settlement_date"] = iso_date(val(alt(k, g, "IntrBkSttlmDt")))
    if "PrvsInstgAgt1" in k:
        found["previous_instructing_agents"] = _agents(k, "PrvsInstgAgt")
    found["instructing_agent"] = agent(alt(k, g, "InstgAgt"))
    found["instructed_agent"] = agent(alt(k, g, "InstdAgt"))
    if "IntrmyAgt1" in k:
        found["intermediary_agents"] = _agents(k, "IntrmyAgt")
    found["ultimate_debtor"] = read_party(get("UltmtDbtr"))
    found["debtor"] = read_party(get("Dbtr"), get("DbtrAcct"))
    found["debtor_agent"] = agent(get("DbtrAgt"), get("DbtrAgtAcct"))
    found["creditor_agent"] = agent(get("CdtrAgt"), get("CdtrAgtAcct"))
    found["creditor"] = read_party(get("Cdtr"), get("CdtrAcct"))
    found["ultimate_creditor"] = read_party(get("UltmtCdtr"))
    found["purpose"] = _purpose(get("Purp"), extra)
    found["remittance_info"] = _remittance(k)
    if (clearing_ref := val(pk.get("ClrSysRef"))) is not None:
        extra["iso.ClrSysRef"] = clearing_ref
    return found


def read_pacs008(msg: Data, out: Out, where: str) -> None:
    g = node(msg.get("GrpHdr"))
    extra: dict[str, str] = {}
    base = {"kind": Kind.CUSTOMER_CREDIT_TRANSFER, "format": "pacs.008", **_group(g),
            **_settlement(g, extra)}
    txs = many(msg.get("CdtTrfTxInf"))
    for i, tx in enumerate(txs, 1):
        here = f"{where}/CdtTrfTxInf[{i}]"
        mine = dict(extra)
        k = node(tx)

        def build(k: Data = k, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = _transfer(k, g, base, mine, fi=False)
            get = k.get
            if "InstrForCdtrAgt" in k or "InstrForNxtAgt" in k:
                found["instructions"] = _instructions(k)
            found["instructed_amount"] = money(get("InstdAmt"))
            found["exchange_rate"] = val(get("XchgRate"))
            found["charge_bearer"] = _charge_bearer(val(get("ChrgBr")))
            if "ChrgsInf" in k:
                found["charges"] = _charges(k, mine)
            found["extra"] = mine
            return found

        out.add(here, build)
        out.unmapped(k, PACS008_MAPPED, here)


# --- pacs.009 (core, COV and ADV) -------------------------------------------------------------

PACS009_MAPPED = (PACS008_MAPPED - {"InstdAmt", "XchgRate", "ChrgBr", "ChrgsInf"}) | {
    "UndrlygCstmrCdtTrf"}
UNDERLYING_MAPPED = frozenset({
    "UltmtDbtr", "Dbtr", "DbtrAcct", "DbtrAgt", "DbtrAgtAcct", "PrvsInstgAgt1",
    "PrvsInstgAgt1Acct", "PrvsInstgAgt2", "PrvsInstgAgt2Acct", "PrvsInstgAgt3",
    "PrvsInstgAgt3Acct", "IntrmyAgt1", "IntrmyAgt1Acct", "IntrmyAgt2", "IntrmyAgt2Acct",
    "IntrmyAgt3", "IntrmyAgt3Acct", "CdtrAgt", "CdtrAgtAcct", "Cdtr", "CdtrAcct", "UltmtCdtr",
    "InstrForCdtrAgt", "InstrForNxtAgt", "RmtInf", "InstdAmt"})


def _underlying(k: Data, fmt: str) -> Message:
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=fmt,
        instructed_amount=money(k.get("InstdAmt")),
        ultimate_debtor=party(k.get("UltmtDbtr")),
        debtor=party(k.get("Dbtr"), k.get("DbtrAcct")),
        debtor_agent=agent(k.get("DbtrAgt"), k.get("DbtrAgtAcct")),
        previous_instructing_agents=_agents(k, "PrvsInstgAgt"),
        intermediary_agents=_agents(k, "IntrmyAgt"),
        creditor_agent=agent(k.get("CdtrAgt"), k.get("CdtrAgtAcct")),
        creditor=party(k.get("Cdtr"), k.get("CdtrAcct")),
        ultimate_creditor=party(k.get("UltmtCdtr")),
        instructions=_instructions(k),
        remittance_info=_remittance(k),
    )


def read_pacs009(msg: Data, out: Out, where: str) -> None:
    g = node(msg.get("GrpHdr"))
    extra: dict[str, str] = {}
    txs = many(msg.get("CdtTrfTxInf"))
    if out.format != ADVICE:  # an advice is told by its header; a cover by its content
        cover = any(type(tx) is dict and "UndrlygCstmrCdtTrf" in tx for tx in txs)
        out.format = "pacs.009cov" if cover else "pacs.009"
    fmt = out.format
    base = {"kind": Kind.COVER if fmt == "pacs.009cov" else Kind.FI_CREDIT_TRANSFER,
            "format": fmt, **_group(g), **_settlement(g, extra)}
    for i, tx in enumerate(txs, 1):
        here = f"{where}/CdtTrfTxInf[{i}]"
        mine = dict(extra)
        k = node(tx)

        def build(k: Data = k, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = _transfer(k, g, base, mine, fi=True)
            found["instructions"] = _instructions(k)
            undrlyg = k.get("UndrlygCstmrCdtTrf")
            if undrlyg is not None:
                found["underlying"] = _underlying(node(undrlyg), fmt)
                if fmt != ADVICE:
                    found["kind"] = Kind.COVER
            found["extra"] = mine
            return found

        out.add(here, build)
        out.unmapped(k, PACS009_MAPPED, here)
        undrlyg = k.get("UndrlygCstmrCdtTrf")
        if undrlyg is not None:
            out.unmapped(node(undrlyg), UNDERLYING_MAPPED, here + "/UndrlygCstmrCdtTrf")


# --- pacs.002 ---------------------------------------------------------------------------------

PACS002_MAPPED = frozenset({
    "StsId", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "TxSts", "StsRsnInf", "InstgAgt", "InstdAgt", "AccptncDtTm", "FctvIntrBkSttlmDt",
    "ClrSysRef", "OrgnlTxRef"})


def _reason(items: list[Any]) -> dict[str, Any]:
    """The first reason's code and every AddtlInf line (StsRsnInf, RtrRsnInf, CxlRsnInf ...)."""
    if not items:
        return {}
    code, _ = choice(node(items[0]).get("Rsn"))
    lines = [line if type(line) is str else "" for item in items
             for line in many(node(item).get("AddtlInf"))]
    return {"reason_code": code, "reason_text": "\n".join(lines) if lines else None}


def _original(tx: Data, extra: dict[str, str], group: Data | None = None) -> dict[str, Any]:
    """Original-transaction references shared by pacs.002, pacs.004, camt.056 and camt.029."""
    original = tx.get("OrgnlGrpInf")
    original = node(original) if original is not None else group
    if original is not None:
        extra.update(_extra((("iso.OrgnlMsgNmId", val(original.get("OrgnlMsgNmId"))),
                             ("iso.OrgnlCreDtTm", val(original.get("OrgnlCreDtTm"))))))
    return {
        "original_message_id": val(original.get("OrgnlMsgId")) if original is not None
        else None,
        "related_reference": val(tx.get("OrgnlInstrId")),
        "end_to_end_id": val(tx.get("OrgnlEndToEndId")),
        "transaction_id": val(tx.get("OrgnlTxId")),
        "original_uetr": uuid4(val(tx.get("OrgnlUETR"))),
    }


def _original_reference(value: Any) -> dict[str, Any]:
    """OrgnlTxRef: amount, date and the parties of the transaction the report is about."""
    if value is None:
        return {}
    ref = node(value)
    return {
        "amount": money(ref.get("IntrBkSttlmAmt")),
        "settlement_date": iso_date(val(ref.get("IntrBkSttlmDt"))),
        "debtor": party40(ref.get("Dbtr")),
        "debtor_agent": agent(ref.get("DbtrAgt")),
        "creditor_agent": agent(ref.get("CdtrAgt")),
        "creditor": party40(ref.get("Cdtr")),
    }


def read_pacs002(msg: Data, out: Out, where: str) -> None:
    grp = node(msg.get("GrpHdr"))
    info = msg.get("OrgnlGrpInfAndSts")
    group_info = node(info) if info is not None else None
    base = {"kind": Kind.STATUS_REPORT, "format": "pacs.002", **_group(grp)}
    txs = many(msg.get("TxInfAndSts"))
    if not txs and group_info is not None:  # a group status only
        extra: dict[str, str] = {}

        def build_group() -> dict[str, Any]:
            assert group_info is not None
            return {**base, **_original(group_info, extra, group_info),
                    "status": val(group_info.get("GrpSts")),
                    **_reason(many(group_info.get("StsRsnInf"))),
                    "instructing_agent": agent(grp.get("InstgAgt")),
                    "instructed_agent": agent(grp.get("InstdAgt")), "extra": extra}

        out.add(f"{where}/OrgnlGrpInfAndSts", build_group)
    for i, value in enumerate(txs, 1):
        here = f"{where}/TxInfAndSts[{i}]"
        tx = node(value)

        def build(tx: Data = tx) -> dict[str, Any]:
            extra: dict[str, str] = {}
            found = {**base, **_original_reference(tx.get("OrgnlTxRef"))}
            found.update(_original(tx, extra, group_info))
            found.update(_reason(many(tx.get("StsRsnInf"))))
            found.update(
                instruction_id=val(tx.get("StsId")),
                status=val(tx.get("TxSts")),
                instructing_agent=agent(alt(tx, grp, "InstgAgt")),
                instructed_agent=agent(alt(tx, grp, "InstdAgt")))
            extra.update(_extra((
                ("iso.AccptncDtTm", val(tx.get("AccptncDtTm"))),
                ("iso.FctvIntrBkSttlmDt", text(tx, "FctvIntrBkSttlmDt", "Dt")),
                ("iso.ClrSysRef", val(tx.get("ClrSysRef"))))))
            found["extra"] = extra
            return found

        out.add(here, build)
        out.unmapped(tx, PACS002_MAPPED, here)


# --- pacs.004 ---------------------------------------------------------------------------------

PACS004_MAPPED = frozenset({
    "RtrId", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt", "RtrdIntrBkSttlmAmt", "IntrBkSttlmDt",
    "RtrdInstdAmt", "XchgRate", "ChrgBr", "ChrgsInf", "InstgAgt", "InstdAgt", "RtrChain",
    "RtrRsnInf", "OrgnlTxRef"})


def read_pacs004(msg: Data, out: Out, where: str) -> None:
    grp = node(msg.get("GrpHdr"))
    extra: dict[str, str] = {}
    base = {"kind": Kind.RETURN, "format": "pacs.004", **_group(grp),
            **_settlement(grp, extra)}
    info = msg.get("OrgnlGrpInf")
    group_info = node(info) if info is not None else None
    txs = many(msg.get("TxInf"))
    for i, value in enumerate(txs, 1):
        here = f"{where}/TxInf[{i}]"
        mine = dict(extra)
        tx = node(value)

        def build(tx: Data = tx, mine: dict[str, str] = mine) -> dict[str, Any]:
            found = {**base, **_original_reference(tx.get("OrgnlTxRef"))}
            found.update(_original(tx, mine, group_info))
            found.update(_reason(many(tx.get("RtrRsnInf"))))
            chain_value = tx.get("RtrChain")
            if chain_value is not None:
                chain = node(chain_value)
                found.update(
                    ultimate_debtor=party40(chain.get("UltmtDbtr")),
                    debtor=party40(chain.get("Dbtr")),
                    debtor_agent=agent(chain.get("DbtrAgt")),
                    previous_instructing_agents=_agents(chain, "PrvsInstgAgt", False),
                    intermediary_agents=_agents(chain, "IntrmyAgt", False),
                    creditor_agent=agent(chain.get("CdtrAgt")),
                    creditor=party40(chain.get("Cdtr")),
                    ultimate_creditor=party40(chain.get("UltmtCdtr")))
            if (original_amount := money(tx.get("OrgnlIntrBkSttlmAmt"))) is not None:
                mine["iso.OrgnlIntrBkSttlmAmt"] = f"{original_amount.currency} " \
                                                  f"{original_amount.text()}"
            if (original_date := val(tx.get("OrgnlIntrBkSttlmDt"))) is not None:
                mine["iso.OrgnlIntrBkSttlmDt"] = original_date
            found.update(
                instruction_id=val(tx.get("RtrId")),
                amount=money(tx.get("RtrdIntrBkSttlmAmt")),
                settlement_date=iso_date(val(tx.get("IntrBkSttlmDt"))
                                         or val(grp.get("IntrBkSttlmDt"))),
                instructed_amount=money(tx.get("RtrdInstdAmt")),
                exchange_rate=val(tx.get("XchgRate")),
                charge_bearer=_charge_bearer(val(tx.get("ChrgBr"))),
                charges=_charges(tx, mine),
                instructing_agent=agent(alt(tx, grp, "InstgAgt")),
                instructed_agent=agent(alt(tx, grp, "InstdAgt")),
                extra=mine)
            return found

        out.add(here, build)
        out.unmapped(tx, PACS004_MAPPED, here)


# --- camt.056 and camt.029 --------------------------------------------------------------------

def _assignment(msg: Data) -> dict[str, Any]:
    value = msg.get("Assgnmt")
    if value is None:
        return {}
    assignment = node(value)

    def side(name: str) -> Agent | None:
        side_value = assignment.get(name)
        if side_value is None:
            return None
        el = node(side_value)
        found = agent(el.get("Agt"))
        if found is None and (pty := party(el.get("Pty"))) is not None:
            found = Agent(bic=pty.bic, name=pty.name, address=pty.address)
        return found

    return {"message_id": val(assignment.get("Id")),
            "created_at": iso_datetime(val(assignment.get("CreDtTm"))),
            "instructing_agent": side("Assgnr"), "instructed_agent": side("Assgne")}


def _case(value: Any, extra: dict[str, str]) -> None:
    if value is None:
        return
    case = node(value)
    creator = agent(get(case, "Cretr", "Agt"))
    member = None
    if creator is not None and creator.member_id is not None:  # "USABA:011104238"
        member = f"{creator.clearing_system or ''}:{creator.member_id}"
    extra.update(_extra((("iso.Case.Id", val(case.get("Id"))),
                         ("iso.Case.Cretr", (creator.bic if creator else None) or member
                          or text(case, "Cretr", "Pty", "Nm")))))


CAMT056_MAPPED = frozenset({
    "CxlId", "Case", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId", "OrgnlUETR",
    "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt", "CxlRsnInf", "OrgnlTxRef"})


def read_camt056(msg: Data, out: Out, where: str) -> None:
    extra: dict[str, str] = {}
    _case(msg.get("Case"), extra)
    base = {"kind": Kind.CANCELLATION, "format": "camt.056", **_assignment(msg)}
    underlyings = many(msg.get("Undrlyg"))
    for u, underlying_value in enumerate(underlyings, 1):
        underlying = node(underlying_value)
        info = underlying.get("OrgnlGrpInfAndCxl")
        group = node(info) if info is not None else None
        txs = many(underlying.get("TxInf"))
        for i, value in enumerate(txs, 1):
            here = f"{where}/Undrlyg[{u}]/TxInf[{i}]"
            mine = dict(extra)
            tx = node(value)

            def build(tx: Data = tx, mine: dict[str, str] = mine,
                      group: Data | None = group) -> dict[str, Any]:
                return _about_a_cancellation(tx, mine, group, base, CAMT056_ELEMENTS)

            out.add(here, build)
            out.unmapped(tx, CAMT056_MAPPED, here)


@dataclass(frozen=True)
class CancellationElements:
    """Where a cancellation request (camt.056) or its answer (camt.029) keeps, per transaction,
    the case, the reasons, its own id and (answer only) the transaction's cancellation status."""

    case: str
    reasons: str
    own_id: str
    status: str | None = None


CAMT056_ELEMENTS = CancellationElements(case="Case", reasons="CxlRsnInf", own_id="CxlId")
CAMT029_ELEMENTS = CancellationElements(case="RslvdCase", reasons="CxlStsRsnInf",
                                        own_id="CxlStsId", status="TxCxlSts")


def _about_a_cancellation(tx: Data, extra: dict[str, str], group: Data | None,
                          base: dict[str, Any], names: CancellationElements) -> dict[str, Any]:
    """The canonical fields of one transaction a camt.056 or camt.029 is about."""
    _case(tx.get(names.case), extra)
    found = {**base, **_original_reference(tx.get("OrgnlTxRef"))}
    found.update(_original(tx, extra, group))
    found.update(_reason(many(tx.get(names.reasons))))
    found["instruction_id"] = val(tx.get(names.own_id))
    if names.status is not None and (status := val(tx.get(names.status))) is not None:
        extra[f"iso.{names.status}"] = status
    if (amount := money(tx.get("OrgnlIntrBkSttlmAmt"))) is not None:
        found["amount"] = amount
    if (day := val(tx.get("OrgnlIntrBkSttlmDt"))) is not None:
        found["settlement_date"] = iso_date(day)
    found["extra"] = extra
    return found


CAMT029_MAPPED = frozenset({
    "CxlStsId", "RslvdCase", "OrgnlGrpInf", "OrgnlInstrId", "OrgnlEndToEndId", "OrgnlTxId",
    "OrgnlUETR", "TxCxlSts", "CxlStsRsnInf", "OrgnlIntrBkSttlmAmt", "OrgnlIntrBkSttlmDt",
    "OrgnlTxRef"})


def read_camt029(msg: Data, out: Out, where: str) -> None:
    extra: dict[str, str] = {}
    _case(msg.get("RslvdCase"), extra)
    confirmation = text(msg, "Sts", "Conf")
    base = {"kind": Kind.STATUS_REPORT, "format": "camt.029", **_assignment(msg),
            "status": confirmation}
    details = many(msg.get("CxlDtls"))
    count = 0
    for d, detail_value in enumerate(details, 1):
        detail = node(detail_value)
        info = detail.get("OrgnlGrpInfAndSts")
        group = node(info) if info is not None else None
        txs = many(detail.get("TxInfAndSts"))
        for i, value in enumerate(txs, 1):
            here = f"{where}/CxlDtls[{d}]/TxInfAndSts[{i}]"
            count += 1
            mine = dict(extra)
            tx = node(value)

            def build(tx: Data = tx, mine: dict[str, str] = mine,
                      group: Data | None = group) -> dict[str, Any]:
                return _about_a_cancellation(tx, mine, group, base, CAMT029_ELEMENTS)

            out.add(here, build)
            out.unmapped(tx, CAMT029_MAPPED, here)
    if count == 0:
        out.add(where, lambda: {**base, "extra": extra})


# --- pain.001 ---------------------------------------------------------------------------------

PAIN001_MAPPED = frozenset({
    "PmtId", "PmtTpInf", "Amt", "ChrgBr", "UltmtDbtr", "IntrmyAgt1", "IntrmyAgt1Acct",
    "IntrmyAgt2", "IntrmyAgt2Acct", "IntrmyAgt3", "IntrmyAgt3Acct", "CdtrAgt", "CdtrAgtAcct",
    "Cdtr", "CdtrAcct", "UltmtCdtr", "InstrForCdtrAgt", "Purp", "RmtInf"})


def read_pain001(msg: Data, out: Out, where: str) -> None:
    grp = node(msg.get("GrpHdr"))
    group = _group(grp)
    initiating = party(grp.get("InitgPty"))
    batches = many(msg.get("PmtInf"))
    for b, batch_value in enumerate(batches, 1):
        batch = node(batch_value)
        requested = text(batch, "ReqdExctnDt", "Dt") or text(batch, "ReqdExctnDt", "DtTm")
        if requested is None:
            requested = val(batch.get("ReqdExctnDt"))  # pain.001.001.08 and earlier: ISODate
        base = {"kind": Kind.CUSTOMER_CREDIT_TRANSFER, "format": "pain.001", **group,
                "requested_execution_date": iso_date(requested)}
        txs = many(batch.get("CdtTrfTxInf"))
        for i, value in enumerate(txs, 1):
            here = f"{where}/PmtInf[{b}]/CdtTrfTxInf[{i}]"
            tx = node(value)

            def build(tx: Data = tx, batch: Data = batch,
                      base: dict[str, Any] = base) -> dict[str, Any]:
                extra = _extra((("iso.PmtInfId", val(batch.get("PmtInfId"))),
                                ("iso.PmtMtd", val(batch.get("PmtMtd"))),
                                ("iso.InitgPty.Nm", initiating.name if initiating else None)))
                pmt = node(tx.get("PmtId"))
                amount = money(get(tx, "Amt", "InstdAmt"))
                if amount is None:  # an equivalent amount: debited in its currency
                    amount = money(get(tx, "Amt", "EqvtAmt", "Amt"))
                    extra["iso.CcyOfTrf"] = text(tx, "Amt", "EqvtAmt", "CcyOfTrf") or ""
                found = {**base}
                found.update(_payment_type(alt(tx, batch, "PmtTpInf"), extra))
                found.update(
                    instruction_id=val(pmt.get("InstrId")),
                    end_to_end_id=val(pmt.get("EndToEndId")),
                    uetr=uuid4(val(pmt.get("UETR"))),
                    amount=amount, instructed_amount=amount,
                    charge_bearer=_charge_bearer(val(tx.get("ChrgBr"))
                                                 or val(batch.get("ChrgBr"))),
                    debtor=party(batch.get("Dbtr"), batch.get("DbtrAcct")),
                    debtor_agent=agent(batch.get("DbtrAgt"), batch.get("DbtrAgtAcct")),
                    ultimate_debtor=party(alt(tx, batch, "UltmtDbtr")),
                    intermediary_agents=_agents(tx, "IntrmyAgt"),
                    creditor_agent=agent(tx.get("CdtrAgt"), tx.get("CdtrAgtAcct")),
                    creditor=party(tx.get("Cdtr"), tx.get("CdtrAcct")),
                    ultimate_creditor=party(tx.get("UltmtCdtr")),
                    instructions=_instructions(tx),
                    purpose=_purpose(tx.get("Purp"), extra),
                    remittance_info=_remittance(tx),
                    extra=extra)
                return found

            out.add(here, build)
            out.unmapped(tx, PAIN001_MAPPED, here)


READERS: dict[str, Callable[[Data, Out, str], None]] = {
    "pacs.008": read_pacs008,
    "pacs.009": read_pacs009,
    "pacs.002": read_pacs002,
    "pacs.004": read_pacs004,
    "camt.056": read_camt056,
    "camt.029": read_camt029,
    "pain.001": read_pain001,
}
