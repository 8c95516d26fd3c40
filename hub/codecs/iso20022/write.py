"""Canonical messages -> ISO 20022 Document (and AppHdr), element order as in the XSDs.

Messages are described bottom-up with `node(tag, content)`, which drops empty optional elements.
Each node carries its value in the data form of `tree` (nested dicts) and its XML text, built
together: the text is what `tree.serialise` writes for that value, without walking the data form
again. Lengths follow the XSD facets: a value that does not fit is refused, or cut with '+' as its
last kept character when the caller asked for truncation; mandatory values the canonical message
lacks are written as 'NOTPROVIDED' (or another documented default). Both are reported, so a
translation can list everything it changed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from lxml import etree

from hub.codecs.iso20022.catalog import ENVELOPE_NS, NS_PREFIX
from hub.codecs.iso20022.profiles import Profile
from hub.codecs.iso20022.safexml import parser
from hub.codecs.iso20022.tree import Data, escape_attribute, escape_text, serialise
from hub.errors import CodecError, Diagnostic, Severity
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress
from hub.model.construct import direct_init
from hub.model.rules import looks_like_iban

Node = tuple[str, Any, str]
"""(element name, value in the data form of `tree`: text, (text, Ccy), or a dict of children;
the element as XML text)."""
NOT_PROVIDED = "NOTPROVIDED"
PERSON_SCHEMES = frozenset({"ARNU", "CCPT", "DRLC", "EMPL", "NIDN", "SOSE", "POID"})
CREDITOR_AGENT_CODES = frozenset({"CHQB", "HOLD", "PHOB", "TELB"})
FI_CREDITOR_AGENT_CODES = frozenset({"PHOB", "TELB"})
NEXT_AGENT_CODES = frozenset({"PHOA", "TELA"})
_CODE4 = re.compile(r"[A-Z0-9]{1,4}")
# Fedwire Funds Release 2025 local instrument (LclInstrm/Prtry) when the message names none:
# customer transfer (pacs.008), bank transfer (pacs.009), cover (pacs.009 COV)
FEDWIRE_LOCAL_INSTRUMENT: dict[Kind, str] = {
    Kind.CUSTOMER_CREDIT_TRANSFER: "CTRC",
    Kind.FI_CREDIT_TRANSFER: "BTRC",
    Kind.COVER: "COVS",
}


def wrap(tag: str, child: Node | None) -> Node | None:
    """An element around one child; None when the child is left out."""
    if child is None:
        return None
    name, value, xml = child
    return (tag, {name: value}, f"<{tag}>{xml}</{tag}>")


def children_of(content: Sequence[Node | None]) -> tuple[Data, str]:
    """The data form and the XML text of an element's children (None for those left out)."""
    children: Data = {}
    parts: list[str] = []
    scattered = False
    for child in content:
        if child is None:
            continue
        name, value, xml = child
        parts.append(xml)
        if name in children:  # repeated elements sit together in every ISO 20022 XSD
            old = children[name]
            if type(old) is list:
                old.append(value)
            else:
                children[name] = [old, value]
            scattered = scattered or next(reversed(children)) != name
        else:
            children[name] = value
    if scattered:  # the data form holds repeats at their first place: write it in its order
        parts = []
        serialise(children, parts)
    return children, "".join(parts)


def node(tag: str, content: Any, keep: bool = False, Ccy: str | None = None) -> Node | None:
    """An element; None when it would be empty (unless `keep`: mandatory and all-optional).
    `content` is text, or a list of child nodes (None for those left out)."""
    if content is None:
        return (tag, "", f"<{tag}/>") if keep else None
    kind = type(content)
    if kind is list:
        children, xml = children_of(content)
        if not children:
            return (tag, "", f"<{tag}/>") if keep else None
        return (tag, children, f"<{tag}>{xml}</{tag}>")
    if Ccy is not None:  # an amount
        text = str(content)
        return (tag, (text, Ccy),
                f'<{tag} Ccy="{escape_attribute(Ccy)}">{escape_text(text)}</{tag}>')
    text = content if kind is str else str(content)
    if not text:
        return (tag, text, f"<{tag}/>")
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return (tag, text, f"<{tag}>{escape_text(text)}</{tag}>")
    return (tag, text, f"<{tag}>{text}</{tag}>")


def bic_agent(tag: str, bic: str) -> Node:
    """The usual agent: a BIC alone."""
    _, _, xml = cast(Node, node("BICFI", bic))
    return (tag, {"FinInstnId": {"BICFI": bic}}, f"<{tag}><FinInstnId>{xml}</FinInstnId></{tag}>")


class Root(tuple[str, Data]):
    """The message or header element, (name, data form of its children) like a node's first
    two items, with `xml` the XML text of those children: `assemble` puts it in its
    namespace."""

    xml: str

    @classmethod
    def of(cls, tag: str, content: Sequence[Node | None]) -> Root:
        children, xml = children_of(content)
        root = cls((tag, children))
        root.xml = xml
        return root


def iso_dt(value: datetime) -> str:
    if type(value) is datetime and not value.microsecond:  # the same text, without the keyword
        return value.isoformat()
    return value.isoformat(timespec="seconds")


@dataclass(slots=True)
class Writer:
    """One encode call: options, and what was cut or defaulted."""

    profile: Profile | None
    truncate: bool = False
    report: list[Diagnostic] = field(default_factory=list)
    where: str = ""
    advice: bool = False  # a pacs.009 ADV: settled by a separate cover, SttlmMtd COVE
    fedwire: bool = field(init=False)  # the Fedwire profile: its restricted schemas apply

    def __post_init__(self) -> None:
        self.fedwire = self.profile is not None and self.profile.name == "fedwire"

    def fit(self, value: str | None, limit: int, where: str) -> str | None:
        if value is None or len(value) <= limit:
            return value
        if not self.truncate:
            raise CodecError(f"{where}: {len(value)} characters, at most {limit} allowed",
                             code="ISO.CANNOT_ENCODE", location=where)
        self.report.append(Diagnostic("ISO.TRUNCATED", f"cut to {limit} characters: {value!r}",
                                      where, Severity.WARNING))
        return value[:limit - 1] + "+"

    def default(self, value: str, where: str, why: str = "missing") -> str:
        self.report.append(Diagnostic("ISO.DEFAULTED", f"{why}; written as {value!r}", where,
                                      Severity.WARNING))
        return value

    def t(self, tag: str, value: str | None, limit: int = 35, where: str = "",
          under: str = "") -> Node | None:
        """A text element of at most `limit` characters; its location for the report is
        `where`, else `under`/tag, else the tag (built only when something is reported)."""
        if value is None:
            return None
        if type(value) is not str or len(value) > limit:
            return node(tag, self.fit(value, limit, where or (f"{under}/{tag}" if under else tag)))
        if not value:  # what `node` does with a text, inline: most texts come through here
            return (tag, value, f"<{tag}/>")
        if "&" in value or "<" in value or ">" in value or "\r" in value:
            return (tag, value, f"<{tag}>{escape_text(value)}</{tag}>")
        return (tag, value, f"<{tag}>{value}</{tag}>")

    # --- components -----------------------------------------------------------------------

    def amount(self, tag: str, money: Money | None) -> Node | None:
        if money is None:
            return None
        text = money.text()  # a Decimal's digits: nothing to escape
        return (tag, (text, money.currency),
                f'<{tag} Ccy="{escape_attribute(money.currency)}">{text}</{tag}>')

    def address(self, adr: PostalAddress | None, where: str) -> Node | None:
        if adr is None:
            return None
        children = [
            self.t("StrtNm", adr.street_name, 70, under=where),
            self.t("BldgNb", adr.building_number, 16, under=where),
            self.t("PstCd", adr.post_code, 16, under=where),
            self.t("TwnNm", adr.town_name, 35, under=where),
            self.t("CtrySubDvsn", adr.country_sub_division, 35, under=where),
            node("Ctry", adr.country),
        ]
        for line in adr.lines[:7]:
            # an empty line (a blank FAIM address line) is no AdrLine: Max70Text has minLength 1
            if line:
                children.append(self.t("AdrLine", line, 70, under=where))
        return node("PstlAdr", children)

    def account(self, tag: str, value: str | None, where: str) -> Node | None:
        if value is None:
            return None
        if looks_like_iban(value):  # capitals and digits: nothing to escape
            return (tag, {"Id": {"IBAN": value}}, f"<{tag}><Id><IBAN>{value}</IBAN></Id></{tag}>")
        _, ident, xml = cast(Node, self.t("Id", value, 34, where))  # never None for a text
        return (tag, {"Id": {"Othr": {"Id": ident}}}, f"<{tag}><Id><Othr>{xml}</Othr></Id></{tag}>")

    def clearing(self, system: str | None, member: str | None) -> Node | None:
        if member is None:
            return None
        ident = None
        if system is not None:
            ident = wrap("ClrSysId", node("Cd" if len(system) <= 5 else "Prtry", system))
        return node("ClrSysMmbId", [ident, self.t("MmbId", member)])

    def agent(self, tag: str, agent: Agent | None, keep: bool = False) -> Node | None:
        if agent is None and not keep:
            return None
        a = agent or Agent()
        if a.bic and a.name is None and a.member_id is None and a.address is None:
            return bic_agent(tag, a.bic)
        where = f"{self.where}/{tag}"
        fin = node("FinInstnId", [
            node("BICFI", a.bic),
            self.clearing(a.clearing_system, a.member_id),
            self.t("Nm", a.name, 140, under=where),
            self.address(a.address, f"{where}/PstlAdr"),
        ])
        if fin is None:
            if not keep:
                return None
            fin = node("FinInstnId", None, keep=True)  # all-optional content: valid when empty
        return wrap(tag, fin)

    def interbank(self, tag: str, agent: Agent | None) -> Node | None:
        """InstgAgt / InstdAgt. The Fedwire schemas allow only the clearing member id (the ABA
        routing number) there: a name, BIC or address the agent also has is not written."""
        if agent is None or not self.fedwire or agent.member_id is None:
            return self.agent(tag, agent)
        return wrap(tag, wrap("FinInstnId", self.clearing(agent.clearing_system,
                                                          agent.member_id)))

    def agent_account(self, tag: str, agent: Agent | None) -> Node | None:
        if agent is None or agent.account is None:
            return None
        return self.account(tag, agent.account, f"{self.where}/{tag}")

    def agents(self, stem: str, agents: Sequence[Agent], accounts: bool = True) -> list[Any]:
        found: list[Any] = []
        for n, a in enumerate(agents[:3], 1):
            found.append(self.agent(f"{stem}{n}", a))
            if accounts:
                found.append(self.agent_account(f"{stem}{n}Acct", a))
        return found

    def party_id(self, p: Party) -> Node | None:
        if p.bic is None and p.identifier is None:
            return None
        other = None
        if p.identifier is not None and p.identifier_scheme != "LEI":
            scheme = p.identifier_scheme
            other = node("Othr", [
                self.t("Id", p.identifier, 35, f"{self.where}/Id/Othr/Id"),
                node("SchmeNm", [node("Cd", scheme) if _CODE4.fullmatch(scheme)
                                 else node("Prtry", self.fit(scheme, 35, "SchmeNm/Prtry"))])
                if scheme else None])
        if p.identifier_scheme in PERSON_SCHEMES and p.bic is None:
            return node("Id", [node("PrvtId", [other])])
        lei = p.identifier if p.identifier_scheme == "LEI" else None
        return node("Id", [node("OrgId", [node("AnyBIC", p.bic), node("LEI", lei), other])])

    def party(self, tag: str, p: Party | None, keep: bool = False) -> Node | None:
        if p is None:
            return node(tag, None, keep=keep)
        where = f"{self.where}/{tag}"
        return node(tag, [
            self.t("Nm", p.name, 140, under=where),
            self.address(p.address, f"{where}/PstlAdr") if p.address is not None else None,
            self.party_id(p),
            node("CtryOfRes", p.country_of_residence),
        ], keep=keep)

    def party_account(self, tag: str, p: Party | None) -> Node | None:
        if p is None or p.account is None:
            return None
        return self.account(tag, p.account, f"{self.where}/{tag}")

    def fi_party(self, tag: str, p: Party | None, keep: bool = False) -> Node | None:
        """A financial institution in a party's place (pacs.009 Dbtr/Cdtr)."""
        if p is None:
            return self.agent(tag, None, keep)
        return self.agent(tag, Agent(bic=p.bic, name=p.name, address=p.address,
                                     clearing_system=p.identifier_scheme if p.identifier
                                     else None, member_id=p.identifier), keep)

    def party40(self, tag: str, p: Party | None, keep: bool = False) -> Node | None:
        if p is None and not keep:
            return None
        return node(tag, [self.party("Pty", p, keep=True)])

    def choice(self, tag: str, value: str | None, m: Message, limit: int = 4,
               proprietary: bool = False) -> Node | None:
        if value is None:
            return None
        proprietary = proprietary or tag in m.extra.get("iso.prtry", "").split(",") \
            or len(value) > limit
        if proprietary:
            return node(tag, [self.t("Prtry", value, 35, f"{self.where}/{tag}/Prtry")])
        return node(tag, [node("Cd", value)])

    def payment_type(self, m: Message) -> Node | None:
        priority = m.priority if m.priority in ("HIGH", "NORM") else None
        local = m.local_instrument
        fedwire = self.fedwire
        if local is None and fedwire and m.kind in FEDWIRE_LOCAL_INSTRUMENT:
            local = self.default(FEDWIRE_LOCAL_INSTRUMENT[m.kind],
                                 f"{self.where}/PmtTpInf/LclInstrm", "Fedwire local instrument")
        channel = m.extra.get("iso.ClrChanl")
        if priority is None and local is None and channel is None and \
                m.service_level is None and m.category_purpose is None:
            return None  # the usual case: nothing to write
        return node("PmtTpInf", [
            node("InstrPrty", priority),
            node("ClrChanl", channel),
            self.choice("SvcLvl", m.service_level, m),
            self.choice("LclInstrm", local, m, 35, proprietary=fedwire),
            self.choice("CtgyPurp", m.category_purpose, m),
        ])

    def instructions(self, m: Message, fi: bool = False) -> list[Any]:
        creditor_codes = FI_CREDITOR_AGENT_CODES if fi else CREDITOR_AGENT_CODES
        for_creditor: list[Any] = []
        for_next: list[Any] = []
        for i, item in enumerate(m.instructions):
            code, _, info = item.partition("/")
            where = f"{self.where}/instructions[{i}]"
            if code in creditor_codes:
                for_creditor.append(node("InstrForCdtrAgt", [
                    node("Cd", code), self.t("InstrInf", info or None, 140, where)]))
            elif code in NEXT_AGENT_CODES:
                for_next.append(node("InstrForNxtAgt", [
                    node("Cd", code), self.t("InstrInf", info or None, 140, where)]))
            else:
                for_next.append(node("InstrForNxtAgt", [self.t("InstrInf", item, 140, where)]))
        return for_creditor + for_next

    def remittance(self, m: Message) -> Node | None:
        if m.remittance_info is None:
            return None
        lines = m.remittance_info.split("\n")
        if self.fedwire:  # one Ustrd in the Fedwire schemas; FAIM {6000} lines are fixed-width
            lines = ["".join(lines)]
        where = f"{self.where}/RmtInf/Ustrd"
        return node("RmtInf", [self.t("Ustrd", line, 140, where) for line in lines])

    def charges(self, m: Message) -> list[Any]:
        found: list[Any] = []
        for i, amount in enumerate(m.charges):
            bic = m.extra.get(f"iso.ChrgsInf[{i}].Agt")
            agent = Agent(bic=bic) if bic else m.instructing_agent
            found.append(node("ChrgsInf", [self.amount("Amt", amount),
                                           self.agent("Agt", agent, keep=True)]))
        return found

    def purpose(self, m: Message) -> Node | None:
        return self.choice("Purp", m.purpose, m)

    def reason(self, tag: str, m: Message) -> Node | None:
        lines = (m.reason_text or "").split("\n") if m.reason_text else []
        return node(tag, [
            self.choice("Rsn", m.reason_code, m),
            *[self.t("AddtlInf", line, 105, f"{self.where}/{tag}/AddtlInf") for line in lines],
        ])

    def original_group(self, m: Message, tag: str = "OrgnlGrpInf",
                       default_name: str = "pacs.008.001.08") -> Node | None:
        if m.original_message_id is None:
            return None
        name = m.extra.get("iso.OrgnlMsgNmId") or self.default(
            default_name, f"{self.where}/{tag}/OrgnlMsgNmId", "original message name missing")
        return node(tag, [self.t("OrgnlMsgId", m.original_message_id),
                          self.t("OrgnlMsgNmId", name),
                          node("OrgnlCreDtTm", m.extra.get("iso.OrgnlCreDtTm"))])

    def originals(self, m: Message) -> list[Any]:
        return [self.t("OrgnlInstrId", m.related_reference),
                self.t("OrgnlEndToEndId", m.end_to_end_id),
                self.t("OrgnlTxId", m.transaction_id)]

    def settlement(self, m: Message) -> Node | None:
        method = m.extra.get("iso.SttlmMtd")
        system = m.extra.get("iso.ClrSys")
        if method is None:
            if self.advice:
                method = "COVE"
            elif self.profile is not None:
                method = self.profile.settlement_method
                system = system or self.profile.clearing_system
            elif m.instructing_reimbursement_agent or m.instructed_reimbursement_agent:
                method = "COVE"
            else:
                method = "INDA"
        if method != "CLRG":
            system = None
        return node("SttlmInf", [
            node("SttlmMtd", method),
            self.account("SttlmAcct", m.extra.get("iso.SttlmAcct"), "SttlmInf/SttlmAcct"),
            node("ClrSys", [node("Cd", system)]) if system else None,
            *self.reimbursement_agents(m),
        ], keep=True)

    def reimbursement_agents(self, m: Message) -> list[Node | None]:
        if m.instructing_reimbursement_agent is None and \
                m.instructed_reimbursement_agent is None and m.third_reimbursement_agent is None:
            return []  # the usual case: settled without reimbursement agents
        return [
            self.agent("InstgRmbrsmntAgt", m.instructing_reimbursement_agent),
            self.agent_account("InstgRmbrsmntAgtAcct", m.instructing_reimbursement_agent),
            self.agent("InstdRmbrsmntAgt", m.instructed_reimbursement_agent),
            self.agent_account("InstdRmbrsmntAgtAcct", m.instructed_reimbursement_agent),
            self.agent("ThrdRmbrsmntAgt", m.third_reimbursement_agent),
            self.agent_account("ThrdRmbrsmntAgtAcct", m.third_reimbursement_agent),
        ]

    def required_amount(self, m: Message, what: str) -> Money:
        if m.amount is None:
            raise CodecError(f"{what} needs an amount", code="ISO.CANNOT_ENCODE",
                             location=f"{self.where}/amount")
        return m.amount

    def end_to_end(self, m: Message) -> str:
        return m.end_to_end_id or self.default(NOT_PROVIDED, f"{self.where}/PmtId/EndToEndId")

    def uetr(self, m: Message) -> str | None:
        if m.uetr is None and self.fedwire:  # FED.UETR: a FAIM message never has one
            return self.default(str(uuid.uuid4()), f"{self.where}/PmtId/UETR",
                                "UETR missing; a new one assigned")
        return str(m.uetr) if m.uetr else None

    def date(self, value: date | None) -> str | None:
        return value.isoformat() if value else None


@dataclass(frozen=True)
class Group:
    """Group-level values shared by every transaction of one Document."""

    message_id: str
    created_at: datetime


# --- messages ---------------------------------------------------------------------------------

def pacs008(w: Writer, msgs: Sequence[Message], g: Group) -> Root:
    first = msgs[0]
    txs = []
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[{i}]"
        bearer = m.charge_bearer.value if m.charge_bearer else w.default(
            ChargeBearer.SHAR.value, f"{w.where}/ChrgBr", "charge bearer missing")
        txs.append(node("CdtTrfTxInf", [
            node("PmtId", [w.t("InstrId", m.instruction_id), w.t("EndToEndId", w.end_to_end(m)),
                           w.t("TxId", m.transaction_id), node("UETR", w.uetr(m)),
                           w.t("ClrSysRef", m.extra.get("iso.ClrSysRef"))]),
            w.payment_type(m),
            w.amount("IntrBkSttlmAmt", w.required_amount(m, "pacs.008")),
            node("IntrBkSttlmDt", w.date(m.settlement_date)),
            w.amount("InstdAmt", m.instructed_amount),
            node("XchgRate", m.exchange_rate),
            node("ChrgBr", bearer),
            *w.charges(m),
            *w.agents("PrvsInstgAgt", m.previous_instructing_agents),
            w.interbank("InstgAgt", m.instructing_agent),
            w.interbank("InstdAgt", m.instructed_agent),
            *w.agents("IntrmyAgt", m.intermediary_agents),
            w.party("UltmtDbtr", m.ultimate_debtor),
            w.party("Dbtr", m.debtor, keep=True),
            w.party_account("DbtrAcct", m.debtor),
            w.agent("DbtrAgt", m.debtor_agent, keep=True),
            w.agent_account("DbtrAgtAcct", m.debtor_agent),
            w.agent("CdtrAgt", m.creditor_agent, keep=True),
            w.agent_account("CdtrAgtAcct", m.creditor_agent),
            w.party("Cdtr", m.creditor, keep=True),
            w.party_account("CdtrAcct", m.creditor),
            w.party("UltmtCdtr", m.ultimate_creditor),
            *w.instructions(m),
            w.purpose(m),
            w.remittance(m),
        ]))
    w.where = "/Document/FIToFICstmrCdtTrf/GrpHdr"
    grp = node("GrpHdr", [w.t("MsgId", g.message_id), node("CreDtTm", iso_dt(g.created_at)),
                          node("NbOfTxs", str(len(msgs))), w.settlement(first)])
    return Root.of("FIToFICstmrCdtTrf", [grp, *txs])


def _underlying(w: Writer, u: Message) -> Node | None:
    base = w.where
    w.where = base + "/UndrlygCstmrCdtTrf"
    found = node("UndrlygCstmrCdtTrf", [
        w.party("UltmtDbtr", u.ultimate_debtor),
        w.party("Dbtr", u.debtor, keep=True),
        w.party_account("DbtrAcct", u.debtor),
        w.agent("DbtrAgt", u.debtor_agent, keep=True),
        w.agent_account("DbtrAgtAcct", u.debtor_agent),
        *w.agents("PrvsInstgAgt", u.previous_instructing_agents),
        *w.agents("IntrmyAgt", u.intermediary_agents),
        w.agent("CdtrAgt", u.creditor_agent, keep=True),
        w.agent_account("CdtrAgtAcct", u.creditor_agent),
        w.party("Cdtr", u.creditor, keep=True),
        w.party_account("CdtrAcct", u.creditor),
        w.party("UltmtCdtr", u.ultimate_creditor),
        *w.instructions(u),
        w.remittance(u),
        w.amount("InstdAmt", u.instructed_amount),
    ])
    w.where = base
    return found


def pacs009(w: Writer, msgs: Sequence[Message], g: Group) -> Root:
    first = msgs[0]
    txs = []
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/FICdtTrf/CdtTrfTxInf[{i}]"
        debtor = m.debtor
        if debtor is None and m.instructing_agent is not None:
            w.default(m.instructing_agent.bic or NOT_PROVIDED, f"{w.where}/Dbtr",
                      "ordering institution missing; the instructing agent is the debtor")
            debtor = Party(bic=m.instructing_agent.bic, name=m.instructing_agent.name)
        txs.append(node("CdtTrfTxInf", [
            node("PmtId", [w.t("InstrId", m.instruction_id), w.t("EndToEndId", w.end_to_end(m)),
                           w.t("TxId", m.transaction_id), node("UETR", w.uetr(m)),
                           w.t("ClrSysRef", m.extra.get("iso.ClrSysRef"))]),
            w.payment_type(m),
            w.amount("IntrBkSttlmAmt", w.required_amount(m, "pacs.009")),
            node("IntrBkSttlmDt", w.date(m.settlement_date)),
            *w.agents("PrvsInstgAgt", m.previous_instructing_agents),
            w.interbank("InstgAgt", m.instructing_agent),
            w.interbank("InstdAgt", m.instructed_agent),
            *w.agents("IntrmyAgt", m.intermediary_agents),
            w.fi_party("UltmtDbtr", m.ultimate_debtor),
            w.fi_party("Dbtr", debtor, keep=True),
            w.party_account("DbtrAcct", debtor),
            w.agent("DbtrAgt", m.debtor_agent),
            w.agent_account("DbtrAgtAcct", m.debtor_agent),
            w.agent("CdtrAgt", m.creditor_agent),
            w.agent_account("CdtrAgtAcct", m.creditor_agent),
            w.fi_party("Cdtr", m.creditor, keep=True),
            w.party_account("CdtrAcct", m.creditor),
            w.fi_party("UltmtCdtr", m.ultimate_creditor),
            *w.instructions(m, fi=True),
            w.purpose(m),
            w.remittance(m),
            _underlying(w, m.underlying) if m.underlying is not None else None,
        ]))
    w.where = "/Document/FICdtTrf/GrpHdr"
    grp = node("GrpHdr", [w.t("MsgId", g.message_id), node("CreDtTm", iso_dt(g.created_at)),
                          node("NbOfTxs", str(len(msgs))), w.settlement(first)])
    return Root.of("FICdtTrf", [grp, *txs])


def _original_reference(w: Writer, m: Message, parties: bool = True) -> Node | None:
    return node("OrgnlTxRef", [
        w.amount("IntrBkSttlmAmt", m.amount),
        node("IntrBkSttlmDt", w.date(m.settlement_date)),
        w.party40("Dbtr", m.debtor) if parties else None,
        w.agent("DbtrAgt", m.debtor_agent) if parties else None,
        w.agent("CdtrAgt", m.creditor_agent) if parties else None,
        w.party40("Cdtr", m.creditor) if parties else None,
    ])


def pacs002(w: Writer, msgs: Sequence[Message], g: Group) -> Root:
    txs = []
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/FIToFIPmtStsRpt/TxInfAndSts[{i}]"
        effective = m.extra.get("iso.FctvIntrBkSttlmDt")
        txs.append(node("TxInfAndSts", [
            w.t("StsId", m.instruction_id),
            w.original_group(m),
            *w.originals(m),
            node("OrgnlUETR", str(m.original_uetr) if m.original_uetr else None),
            node("TxSts", m.status),
            w.reason("StsRsnInf", m),
            node("AccptncDtTm", m.extra.get("iso.AccptncDtTm")),
            node("FctvIntrBkSttlmDt", [node("Dt", effective)]) if effective else None,
            w.t("ClrSysRef", m.extra.get("iso.ClrSysRef")),
            w.interbank("InstgAgt", m.instructing_agent),
            w.interbank("InstdAgt", m.instructed_agent),
            _original_reference(w, m),
        ]))
    grp = node("GrpHdr", [w.t("MsgId", g.message_id), node("CreDtTm", iso_dt(g.created_at))])
    return Root.of("FIToFIPmtStsRpt", [grp, *txs])


def pacs004(w: Writer, msgs: Sequence[Message], g: Group) -> Root:
    first = msgs[0]
    txs = []
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/PmtRtr/TxInf[{i}]"
        original_amount = m.extra.get("iso.OrgnlIntrBkSttlmAmt")
        original = None
        if original_amount:
            currency, _, value = original_amount.partition(" ")
            original = node("OrgnlIntrBkSttlmAmt", value, Ccy=currency)
        chain_parties = (m.debtor, m.creditor, m.debtor_agent, m.creditor_agent,
                         m.ultimate_debtor, m.ultimate_creditor)
        chain = node("RtrChain", [
            w.party40("UltmtDbtr", m.ultimate_debtor),
            w.party40("Dbtr", m.debtor, keep=True),
            w.agent("DbtrAgt", m.debtor_agent),
            *w.agents("PrvsInstgAgt", m.previous_instructing_agents, accounts=False),
            *w.agents("IntrmyAgt", m.intermediary_agents, accounts=False),
            w.agent("CdtrAgt", m.creditor_agent),
            w.party40("Cdtr", m.creditor, keep=True),
            w.party40("UltmtCdtr", m.ultimate_creditor),
        ]) if any(x is not None for x in chain_parties) else None
        txs.append(node("TxInf", [
            w.t("RtrId", m.instruction_id),
            w.original_group(m),
            *w.originals(m),
            node("OrgnlUETR", str(m.original_uetr) if m.original_uetr else None),
            original,
            node("OrgnlIntrBkSttlmDt", m.extra.get("iso.OrgnlIntrBkSttlmDt")),
            w.amount("RtrdIntrBkSttlmAmt", w.required_amount(m, "pacs.004")),
            node("IntrBkSttlmDt", w.date(m.settlement_date)),
            w.amount("RtrdInstdAmt", m.instructed_amount),
            node("XchgRate", m.exchange_rate),
            node("ChrgBr", m.charge_bearer.value if m.charge_bearer else None),
            *w.charges(m),
            w.interbank("InstgAgt", m.instructing_agent),
            w.interbank("InstdAgt", m.instructed_agent),
            chain,
            w.reason("RtrRsnInf", m),
        ]))
    w.where = "/Document/PmtRtr/GrpHdr"
    grp = node("GrpHdr", [w.t("MsgId", g.message_id), node("CreDtTm", iso_dt(g.created_at)),
                          node("NbOfTxs", str(len(msgs))), w.settlement(first)])
    return Root.of("PmtRtr", [grp, *txs])


def _assignment(w: Writer, g: Group, m: Message, sender: str | None,
                receiver: str | None) -> Node | None:
    w.where = "/Document/Assgnmt"
    assigner = m.instructing_agent or (Agent(bic=sender) if sender else None)
    assignee = m.instructed_agent or (Agent(bic=receiver) if receiver else None)
    return node("Assgnmt", [
        w.t("Id", g.message_id),
        node("Assgnr", [w.agent("Agt", assigner, keep=True)]),
        node("Assgne", [w.agent("Agt", assignee, keep=True)]),
        node("CreDtTm", iso_dt(g.created_at)),
    ])


def _case(w: Writer, tag: str, m: Message, g: Group) -> Node | None:
    case_id = m.extra.get("iso.Case.Id")
    if case_id is None:
        return None
    creator = m.extra.get("iso.Case.Cretr")
    if creator and ":" in creator:  # a clearing system member, "USABA:011104238"
        system, _, member = creator.partition(":")
        agent: Agent | None = Agent(clearing_system=system or None, member_id=member)
    elif creator and len(creator) in (8, 11) and creator.isalnum():
        agent = Agent(bic=creator)
    else:
        agent = m.instructing_agent
        w.default(agent.bic if agent and agent.bic else "", f"/Document/{tag}/Cretr",
                  "case creator missing; the assigner created the case")
    return node(tag, [w.t("Id", case_id), node("Cretr", [w.agent("Agt", agent, keep=True)])])


def camt056(w: Writer, msgs: Sequence[Message], g: Group, sender: str | None = None,
            receiver: str | None = None) -> Root:
    first = msgs[0]
    assignment = _assignment(w, g, first, sender, receiver)
    txs = []
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/FIToFIPmtCxlReq/Undrlyg/TxInf[{i}]"
        txs.append(node("TxInf", [
            w.t("CxlId", m.instruction_id),
            _case(w, "Case", m, g),  # CBPR+ carries the case per transaction
            w.original_group(m),
            *w.originals(m),
            node("OrgnlUETR", str(m.original_uetr) if m.original_uetr else None),
            w.amount("OrgnlIntrBkSttlmAmt", m.amount),
            node("OrgnlIntrBkSttlmDt", w.date(m.settlement_date)),
            w.reason("CxlRsnInf", m),
        ]))
    return Root.of("FIToFIPmtCxlReq", [assignment, node("Undrlyg", txs, keep=True)])


def camt029(w: Writer, msgs: Sequence[Message], g: Group, sender: str | None = None,
            receiver: str | None = None) -> Root:
    first = msgs[0]
    assignment = _assignment(w, g, first, sender, receiver)
    status = first.status or w.default("CNCL", "/Document/RsltnOfInvstgtn/Sts/Conf",
                                       "investigation status missing")
    txs = []
    for i, m in enumerate(msgs, 1):
        if m.original_message_id is None and m.related_reference is None \
                and m.original_uetr is None and m.end_to_end_id is None:
            continue
        w.where = f"/Document/RsltnOfInvstgtn/CxlDtls/TxInfAndSts[{i}]"
        txs.append(node("TxInfAndSts", [
            w.t("CxlStsId", m.instruction_id),
            _case(w, "RslvdCase", m, g),  # CBPR+ carries the case per transaction
            w.original_group(m),
            *w.originals(m),
            node("OrgnlUETR", str(m.original_uetr) if m.original_uetr else None),
            node("TxCxlSts", m.extra.get("iso.TxCxlSts")),
            w.reason("CxlStsRsnInf", m),
            w.amount("OrgnlIntrBkSttlmAmt", m.amount),
            node("OrgnlIntrBkSttlmDt", w.date(m.settlement_date)),
        ]))
    return Root.of("RsltnOfInvstgtn", [assignment, node("Sts", [node("Conf", status)]),
                                       node("CxlDtls", txs)])


def pain001(w: Writer, msgs: Sequence[Message], g: Group) -> Root:
    batches = []
    total = 0
    for i, m in enumerate(msgs, 1):
        w.where = f"/Document/CstmrCdtTrfInitn/PmtInf[{i}]"
        amount = m.instructed_amount or w.required_amount(m, "pain.001")
        total += 1
        day = m.requested_execution_date or m.settlement_date
        if day is None:
            day = g.created_at.date()
            w.default(day.isoformat(), f"{w.where}/ReqdExctnDt/Dt", "execution date missing")
        debtor_account = (m.debtor.account if m.debtor else None) or w.default(
            NOT_PROVIDED, f"{w.where}/DbtrAcct", "debtor account missing")
        tx_where = w.where
        w.where = f"{tx_where}/CdtTrfTxInf"
        tx = node("CdtTrfTxInf", [
            node("PmtId", [w.t("InstrId", m.instruction_id), w.t("EndToEndId", w.end_to_end(m)),
                           node("UETR", w.uetr(m))]),
            w.payment_type(m),
            node("Amt", [node("EqvtAmt", [w.amount("Amt", amount),
                                          node("CcyOfTrf", m.extra["iso.CcyOfTrf"])])
                         if "iso.CcyOfTrf" in m.extra else w.amount("InstdAmt", amount)]),
            node("ChrgBr", m.charge_bearer.value if m.charge_bearer else None),
            w.party("UltmtDbtr", m.ultimate_debtor),
            *w.agents("IntrmyAgt", m.intermediary_agents),
            w.agent("CdtrAgt", m.creditor_agent),
            w.agent_account("CdtrAgtAcct", m.creditor_agent),
            w.party("Cdtr", m.creditor),
            w.party_account("CdtrAcct", m.creditor),
            w.party("UltmtCdtr", m.ultimate_creditor),
            *[n for n in w.instructions(m) if n is not None and n[0] == "InstrForCdtrAgt"],
            w.purpose(m),
            w.remittance(m),
        ])
        w.where = tx_where
        batches.append(node("PmtInf", [
            w.t("PmtInfId", m.extra.get("iso.PmtInfId") or m.instruction_id or g.message_id),
            node("PmtMtd", m.extra.get("iso.PmtMtd", "TRF")),
            node("NbOfTxs", "1"),
            node("ReqdExctnDt", [node("Dt", day.isoformat())]),
            w.party("Dbtr", m.debtor, keep=True),
            w.account("DbtrAcct", debtor_account, f"{w.where}/DbtrAcct"),
            w.agent("DbtrAgt", m.debtor_agent, keep=True),
            w.agent_account("DbtrAgtAcct", m.debtor_agent),
            tx,
        ]))
    initiator = msgs[0].extra.get("iso.InitgPty.Nm") or (
        msgs[0].debtor.name if msgs[0].debtor else None)
    w.where = "/Document/CstmrCdtTrfInitn/GrpHdr"
    grp = node("GrpHdr", [w.t("MsgId", g.message_id), node("CreDtTm", iso_dt(g.created_at)),
                          node("NbOfTxs", str(total)),
                          node("InitgPty", [w.t("Nm", initiator, 140, "InitgPty/Nm")],
                               keep=True)])
    return Root.of("CstmrCdtTrfInitn", [grp, *batches])


def header(w: Writer, definition: str, head: str, sender: str | None, receiver: str | None,
           g: Group, service: str | None) -> Root:
    def party(tag: str, ident: str | None) -> Node:
        if ident is None:
            raise CodecError(f"the business application header needs a {tag} BIC "
                             f"(envelope {'sender' if tag == 'Fr' else 'receiver'}=...)",
                             code="ISO.CANNOT_ENCODE", location=f"/AppHdr/{tag}")
        if ident.isdigit():  # a clearing member id (Fedwire: ABA routing number)
            _, _, xml = cast(Node, node("MmbId", ident))
            return (tag, {"FIId": {"FinInstnId": {"ClrSysMmbId": {"MmbId": ident}}}},
                    f"<{tag}><FIId><FinInstnId><ClrSysMmbId>{xml}</ClrSysMmbId></FinInstnId>"
                    f"</FIId></{tag}>")
        _, _, xml = cast(Node, node("BICFI", ident))
        return (tag, {"FIId": {"FinInstnId": {"BICFI": ident}}},
                f"<{tag}><FIId><FinInstnId>{xml}</FinInstnId></FIId></{tag}>")

    practice = node("MktPrctc", [
        node("Regy", "www2.swift.com/mystandards/#/group/Federal_Reserve_Financial_Services/"
                     "Fedwire_Funds_Service"),
        node("Id", "frb.fedwire.01")]) if w.fedwire else None
    return Root.of("AppHdr", [
        party("Fr", sender), party("To", receiver),
        w.t("BizMsgIdr", g.message_id, 35, "/AppHdr/BizMsgIdr"),
        node("MsgDefIdr", definition),
        node("BizSvc", service),
        practice,
        node("CreDt", iso_dt(g.created_at.astimezone(UTC))),
    ])


def new_message_id() -> str:
    return uuid.uuid4().hex[:35]


def document_ns(definition: str) -> str:
    return NS_PREFIX + definition


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class Written:
    """One encoded message: its XML text and the data form it was written from."""

    text: str
    definition: str
    message_name: str
    message: dict[str, Any]  # the children of the message element (GrpHdr, CdtTrfTxInf ...)
    head: str | None = None  # the header's message definition, with `header`
    header: dict[str, Any] | None = None

    @property
    def xml(self) -> bytes:
        """The bytes lxml writes for this tree (declaration, then the UTF-8 text)."""
        return b"<?xml version='1.0' encoding='UTF-8'?>\n" + self.text.encode("utf-8")


def assemble(doc: Root, definition: str, hdr: Root | None, head: str) -> Written:
    """AppHdr + Document in the SWIFT envelope, or the bare Document, as XML text.

    The text is what libxml2 writes for the same tree (tests/unit/iso20022/test_fast_paths.py
    compares it with a tree built one SubElement at a time), so it can be sent without going
    through lxml; `encode_tree` parses it when a tree is wanted.
    """
    name, message = doc
    text = f'<Document xmlns="{document_ns(definition)}"><{name}>{doc.xml}</{name}></Document>'
    header = None
    if hdr is not None:
        header = hdr[1]
        text = (f'<Envelope xmlns="{ENVELOPE_NS}"><AppHdr xmlns="{NS_PREFIX + head}">{hdr.xml}'
                f"</AppHdr>{text}</Envelope>")
    _refuse_control_characters(text)
    return Written(text=text, definition=definition, message_name=name, message=message,
                   head=head if hdr is not None else None, header=header)


# what lxml refuses in element text: control characters other than tab, newline and return,
# and the two non-characters U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_BYTES = bytes(c for c in range(32) if chr(c) not in "\t\n\r")


def _refuse_control_characters(text: str) -> None:
    # A control character is one byte in UTF-8 (the bytes of longer sequences are all >= 0x80):
    # deleting those bytes in one C call leaves the usual text as long as it was.
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _CONTROL_BYTES)) == len(raw) and "\ufffe" not in text \
            and "\uffff" not in text:
        return
    bad = _NOT_XML.search(text)
    if bad is not None:  # the message lxml gives when such a value is assigned to an element
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes "
                         f"or control characters (found {bad.group()!r})")


def parse_written(written: Written) -> etree._Element:
    return etree.fromstring(written.text.encode("utf-8"), parser())
