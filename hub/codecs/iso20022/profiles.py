"""Rail profiles: the usage-guideline rules each market infrastructure adds to the base XSD.

A profile is a table of rules; each rule is a code, the formats it applies to and one check
taken from a small set of check kinds (required element, allowed values, pattern, one
transaction, character set ...). A few cross-element rules (header versus agents, postal
addresses, ABA checksums) are named functions. Every failure carries its own code and the XPath
of the offending element.

Sources: SWIFT CBPR+ usage guidelines SR2025 (incl. the November 2026 structured-address
rule), ECB T2 RTGS UDFS, Bank of England CHAPS ISO 20022 message specifications, Federal Reserve
Fedwire Funds Service ISO 20022 Release 2025 technical guide. The Fedwire restricted XSDs are
applied in addition to these rules (see schemas.PROFILE_FILES).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from hub.codecs.iso20022.components import Children, Element, steps
from hub.errors import Diagnostic, Severity

PROFILES = ("cbpr", "t2", "chaps", "fedwire")

# transaction element(s) under the message element, per format
TRANSACTIONS: dict[str, str] = {
    "pacs.008": "CdtTrfTxInf", "pacs.009": "CdtTrfTxInf", "pacs.009cov": "CdtTrfTxInf",
    "pacs.002": "TxInfAndSts", "pacs.004": "TxInf", "camt.056": "Undrlyg/TxInf",
    "camt.029": "CxlDtls/TxInfAndSts", "pain.001": "PmtInf/CdtTrfTxInf",
}
UETR_PATH: dict[str, str] = {
    "pacs.008": "PmtId/UETR", "pacs.009": "PmtId/UETR", "pacs.009cov": "PmtId/UETR",
    "pain.001": "PmtId/UETR", "pacs.002": "OrgnlUETR", "pacs.004": "OrgnlUETR",
    "camt.056": "OrgnlUETR", "camt.029": "OrgnlUETR",
}
MESSAGE_ID_PATH: dict[str, str] = {
    "pacs.008": "GrpHdr/MsgId", "pacs.009": "GrpHdr/MsgId", "pacs.009cov": "GrpHdr/MsgId",
    "pacs.002": "GrpHdr/MsgId", "pacs.004": "GrpHdr/MsgId", "pain.001": "GrpHdr/MsgId",
    "camt.056": "Assgnmt/Id", "camt.029": "Assgnmt/Id",
}
SETTLEMENT_AMOUNTS = ("IntrBkSttlmAmt", "RtrdIntrBkSttlmAmt", "TtlIntrBkSttlmAmt",
                      "TtlRtrdIntrBkSttlmAmt")
IDENTIFIERS = ("MsgId", "InstrId", "EndToEndId", "TxId", "StsId", "RtrId", "CxlId", "CxlStsId",
               "BizMsgIdr")
STRUCTURED = ("Dept", "SubDept", "StrtNm", "BldgNb", "BldgNm", "Flr", "PstBx", "Room", "PstCd",
              "TwnNm", "TwnLctnNm", "DstrctNm", "CtrySubDvsn", "Ctry")

PAYMENTS = frozenset({"pacs.008", "pacs.009", "pacs.009cov", "pacs.004"})
INTERBANK = PAYMENTS | {"pacs.002"}
ALL = frozenset(TRANSACTIONS)

# SWIFT FIN-X: the restricted set for identifiers, the extended set for every other text.
FINX = r"0-9a-zA-Z/\-?:().,'+ "
FINX_EXTENDED = FINX + r"!#$%&*=^_`{|}~\";<>@\[\\\]"
_OUTSIDE_EXTENDED = re.compile(f"[^{FINX_EXTENDED}\\s]")
_OUTSIDE_EXTENDED_STRICT = re.compile(f"[^{FINX_EXTENDED}]")
_IDENTIFIER = re.compile(f"[{FINX.replace('/', '')}]+(/[{FINX.replace('/', '')}]+)*")
_IMAD = re.compile(r"[0-9]{8}[A-Z0-9]{8}[0-9]{6}")
_ABA = re.compile(r"[0-9]{9}")


@dataclass
class Context:
    """What the rules look at: the message element, its namespace prefix, the header."""

    format: str
    message: Element  # the element under Document (FIToFICstmrCdtTrf ...)
    p: str
    header: Element | None = None
    hp: str = ""
    lenient: frozenset[str] = frozenset()
    where: str = "/Document"
    find: Children = field(default_factory=Children)  # shared with the decode that made us
    # looked up once per message and shared by every rule that needs them
    _transactions: list[Element] | None = field(default=None, init=False, repr=False)
    _addresses: list[Address] | None = field(default=None, init=False, repr=False)

    def transactions(self) -> list[Element]:
        if self._transactions is None:
            found = [self.message]
            for tag in steps(self.p, TRANSACTIONS[self.format]):  # iterfind, without ElementPath
                found = [child for parent in found for child in parent.iterchildren(tag)]
            self._transactions = found
        return self._transactions

    def addresses(self) -> list[Address]:
        """Every PstlAdr in the message with its children's tags, in document order."""
        if self._addresses is None:
            line = self.p + "AdrLine"
            structured = _structured_tags(self.p)
            found = []
            for adr in self.message.iter(self.p + "PstlAdr"):
                tags = {child.tag for child in adr}
                found.append(Address(adr, tags, bool(tags & structured),
                                     [c for c in adr if c.tag == line] if line in tags else []))
            self._addresses = found
        return self._addresses

    def path(self, el: Element) -> str:
        return xpath(el)


def xpath(el: Element) -> str:
    """A readable XPath: local names, with [n] where siblings share the name."""
    steps: list[str] = []
    node: Element | None = el
    while node is not None:
        name = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else "node()"
        parent = node.getparent()
        if parent is not None:
            same = [s for s in parent if s.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


@dataclass(frozen=True, slots=True)
class Address:
    """One PstlAdr: the element, its children's (namespaced) tags, and its AdrLine elements."""

    element: Element
    tags: set[str]
    structured: bool  # any element of the structured address present
    lines: list[Element]


@lru_cache(maxsize=64)
def _structured_tags(p: str) -> frozenset[str]:
    return frozenset(p + tag for tag in STRUCTURED)


@lru_cache(maxsize=64)
def _identifier_order(p: str) -> dict[str, int]:
    return {p + tag: i for i, tag in enumerate(IDENTIFIERS)}


Finding = tuple[str, str]  # (message, xpath)
Check = Callable[[Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    check: Check
    formats: frozenset[str] = ALL
    lenient_as: str | None = None  # Options.lenient name that turns an error into a warning


# --- check kinds ------------------------------------------------------------------------------

def header_present() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        if ctx.header is None:
            yield "the message has no business application header (AppHdr)", ctx.where
    return run


def header_value(path: str, pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)

    def run(ctx: Context) -> Iterator[Finding]:
        if ctx.header is None:
            return
        el = ctx.find.first(ctx.header, ctx.hp, path)
        if el is None or not compiled.fullmatch(el.text or ""):
            value = None if el is None else el.text
            yield f"{path} {value!r} must be {what}", xpath(el if el is not None else ctx.header)
    return run


def tx_required(paths: dict[str, str], what: str) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        path = paths.get(ctx.format)
        if path is None:
            return
        for tx in ctx.transactions():
            if ctx.find.first(tx, ctx.p, path) is None:
                yield f"{what} ({path}) is missing", xpath(tx)
    return run


def one_transaction() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        txs = ctx.transactions()
        if len(txs) != 1:
            yield f"{len(txs)} transactions; exactly one is allowed", xpath(ctx.message)
        count = ctx.find.first(ctx.message, ctx.p, "GrpHdr/NbOfTxs")
        if count is not None and (count.text or "").strip() != "1":
            yield f"NbOfTxs is {count.text}; it must be 1", xpath(count)
    return run


def settlement_currency(currencies: frozenset[str]) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for tag in SETTLEMENT_AMOUNTS:
            for el in ctx.message.iter(ctx.p + tag):
                if el.get("Ccy") not in currencies:
                    yield (f"settlement currency {el.get('Ccy')} is not "
                           f"{' or '.join(sorted(currencies))}", xpath(el))
    return run


def settlement(method: str, systems: frozenset[str] | None = None) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        sttl = ctx.find.first(ctx.message, ctx.p, "GrpHdr/SttlmInf")
        if sttl is None:
            return
        found = ctx.find.text(sttl, ctx.p, "SttlmMtd")
        if found != method:
            yield f"settlement method {found} must be {method}", xpath(sttl) + "/SttlmMtd"
        if systems is not None:
            system = ctx.find.text(sttl, ctx.p, "ClrSys/Cd")
            if system not in systems:
                yield (f"clearing system {system} must be {' or '.join(sorted(systems))}",
                       xpath(sttl) + "/ClrSys/Cd")
    return run


def message_id(pattern: re.Pattern[str], what: str) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        path = MESSAGE_ID_PATH.get(ctx.format)
        el = ctx.find.first(ctx.message, ctx.p, path) if path else None
        if el is not None and not pattern.fullmatch(el.text or ""):
            yield f"{el.text!r} is not {what}", xpath(el)
    return run


def agents_with_bic() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for tx in ctx.transactions():
            for tag in ("InstgAgt", "InstdAgt"):
                el = ctx.find.first(tx, ctx.p, tag)
                if el is None:
                    el = ctx.find.first(ctx.message, ctx.p, f"GrpHdr/{tag}")
                if el is None or ctx.find.first(el, ctx.p, "FinInstnId/BICFI") is None:
                    yield f"{tag} must be identified by BICFI", xpath(el if el is not None else tx)
    return run


def charset() -> Check:
    """Every text value within FIN-X (extended); identifiers within restricted FIN-X."""
    def run(ctx: Context) -> Iterator[Finding]:
        for root, p in ((ctx.message, ctx.p), (ctx.header, ctx.hp)):
            if root is None:
                continue
            # all text in one C-level call; element by element only when something is outside
            if _OUTSIDE_EXTENDED.search(etree.tostring(root, method="text", encoding=str,
                                                       with_tail=False)) is not None:
                for el in root.iter():
                    value = el.text if len(el) == 0 else None
                    if value and (bad := _OUTSIDE_EXTENDED_STRICT.search(value)):
                        yield (f"character {bad.group()!r} is outside the FIN-X set",
                               xpath(el))
            order = _identifier_order(p)
            # one walk for every identifier tag, reported tag by tag as the table lists them
            found = sorted(root.iter(*order), key=lambda e: order[e.tag])
            for el in found:
                if not _IDENTIFIER.fullmatch(el.text or ""):
                    yield (f"identifier {el.text!r} must use FIN-X without leading, trailing "
                           "or double '/'", xpath(el))
    return run


# --- named cross-element rules ----------------------------------------------------------------

def _bic11(bic: str | None) -> str | None:
    return None if bic is None else (bic + "XXX" if len(bic) == 8 else bic)


def header_matches_agent(side: str, agent_tag: str) -> Check:
    """AppHdr Fr (To) equals the instructing (instructed) agent (CBPR+ rule)."""
    def run(ctx: Context) -> Iterator[Finding]:
        if ctx.header is None:
            return
        header_bic = ctx.find.text(ctx.header, ctx.hp, f"{side}/FIId/FinInstnId/BICFI")
        for tx in ctx.transactions()[:1]:
            el = ctx.find.first(tx, ctx.p, agent_tag)
            if el is None:
                el = ctx.find.first(ctx.message, ctx.p, f"GrpHdr/{agent_tag}")
            if el is None:
                continue
            bic = ctx.find.text(el, ctx.p, "FinInstnId/BICFI")
            if _bic11(bic) != _bic11(header_bic):
                yield (f"AppHdr/{side} {header_bic} differs from {agent_tag} {bic}",
                       xpath(el))
    return run


def charge_bearer(refused: frozenset[str]) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for tx in ctx.transactions():
            el = ctx.find.first(tx, ctx.p, "ChrgBr")
            if el is not None and el.text in refused:
                yield f"charge bearer {el.text} is not allowed", xpath(el)
    return run


def charges_for_cred() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for tx in ctx.transactions():
            if ctx.find.text(tx, ctx.p, "ChrgBr") == "CRED" and \
                    ctx.find.first(tx, ctx.p, "ChrgsInf") is None:
                yield "ChrgBr CRED requires ChrgsInf", xpath(tx) + "/ChrgsInf"
    return run


def address_not_unstructured() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for adr in ctx.addresses():
            if adr.lines and not adr.structured:
                yield "address lines only; town name and country are required", \
                    xpath(adr.element)
    return run


def address_hybrid() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        town, country = ctx.p + "TwnNm", ctx.p + "Ctry"
        for adr in ctx.addresses():
            if adr.structured and (town not in adr.tags or country not in adr.tags):
                yield "a structured address needs TwnNm and Ctry", xpath(adr.element)
    return run


def address_lines(limit: int) -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for adr in ctx.addresses():
            if adr.structured and len(adr.lines) > limit:
                yield f"{len(adr.lines)} AdrLine with structured elements; at most {limit}", \
                    xpath(adr.lines[limit])
    return run


def aba_valid(number: str) -> bool:
    """ABA routing number checksum: 3-7-1 weights over the nine digits, sum divisible by 10."""
    if not _ABA.fullmatch(number):
        return False
    digits = [int(c) for c in number]
    weights = (3, 7, 1) * 3
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def aba_agents() -> Check:
    def run(ctx: Context) -> Iterator[Finding]:
        for tx in ctx.transactions():
            for tag in ("InstgAgt", "InstdAgt"):
                el = ctx.find.first(tx, ctx.p, tag)
                if el is None:
                    el = ctx.find.first(ctx.message, ctx.p, f"GrpHdr/{tag}")
                if el is None:
                    if ctx.format in INTERBANK:
                        yield f"{tag} is required", xpath(tx)
                    continue
                mmb = ctx.find.first(el, ctx.p, "FinInstnId/ClrSysMmbId")
                if mmb is None:
                    yield f"{tag} must carry a clearing system member id", xpath(el)
                    continue
                system = ctx.find.text(mmb, ctx.p, "ClrSysId/Cd")
                member = ctx.find.text(mmb, ctx.p, "MmbId") or ""
                if system != "USABA":
                    yield f"{tag} clearing system {system} must be USABA", xpath(mmb)
                if not aba_valid(member):
                    yield f"{member!r} is not a valid ABA routing number", \
                        xpath(mmb) + "/MmbId"
    return run


# --- the profiles -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    rules: tuple[Rule, ...]
    business_service: str | None = None  # BAH BizSvc written by default
    settlement_method: str = "INDA"
    clearing_system: str | None = None
    head: str = "head.001.001.02"
    write_overrides: dict[str, str] = field(default_factory=dict)


CBPR = Profile("cbpr", "SWIFT CBPR+ (SR2025, structured addresses from November 2026)", (
    Rule("CBPR.BAH_REQUIRED", header_present()),
    Rule("CBPR.BIZSVC", header_value("BizSvc", r"swift\.cbprplus\.[a-z0-9.]+",
                                     "a swift.cbprplus.* service")),
    Rule("CBPR.UETR", tx_required(UETR_PATH, "the UETR"),
         frozenset({"pacs.008", "pacs.009", "pacs.009cov", "pacs.004", "pacs.002", "camt.056",
                    "camt.029"})),
    Rule("CBPR.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("CBPR.FROM_AGENT", header_matches_agent("Fr", "InstgAgt"), INTERBANK),
    Rule("CBPR.TO_AGENT", header_matches_agent("To", "InstdAgt"), INTERBANK),
    Rule("CBPR.CHARSET", charset()),
    Rule("CBPR.CHRGBR", charge_bearer(frozenset({"SLEV"})), frozenset({"pacs.008", "pacs.004"})),
    Rule("CBPR.CHRGBR_CRED", charges_for_cred(), frozenset({"pacs.008"})),
    Rule("CBPR.ADDRESS_UNSTRUCTURED", address_not_unstructured(),
         lenient_as="cbpr_unstructured_address"),
    Rule("CBPR.ADDRESS_HYBRID", address_hybrid()),
    Rule("CBPR.ADDRESS_LINES", address_lines(2)),
), business_service="swift.cbprplus.03")

T2 = Profile("t2", "Eurosystem T2 RTGS (UDFS)", (
    Rule("T2.CURRENCY", settlement_currency(frozenset({"EUR"})), PAYMENTS),
    Rule("T2.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("T2.UETR", tx_required(UETR_PATH, "the UETR"), PAYMENTS),
    Rule("T2.STTLM_MTD", settlement("CLRG"), PAYMENTS),
    Rule("T2.BIC", agents_with_bic(), INTERBANK),
    Rule("T2.CHARSET", charset()),
), business_service="ESMIG", settlement_method="CLRG", clearing_system="TGT")

CHAPS = Profile("chaps", "Bank of England CHAPS (ISO 20022)", (
    Rule("CHAPS.CURRENCY", settlement_currency(frozenset({"GBP"})), PAYMENTS),
    Rule("CHAPS.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("CHAPS.UETR", tx_required(UETR_PATH, "the UETR"), PAYMENTS),
    Rule("CHAPS.STTLM_MTD", settlement("CLRG"), PAYMENTS),
    Rule("CHAPS.BIC", agents_with_bic(), INTERBANK),
    Rule("CHAPS.CHARSET", charset()),
), business_service="boe.chaps.01", settlement_method="CLRG", clearing_system="CHP")

FEDWIRE = Profile("fedwire", "Federal Reserve Fedwire Funds Service (ISO 20022 Release 2025)", (
    Rule("FED.CURRENCY", settlement_currency(frozenset({"USD"})), PAYMENTS),
    Rule("FED.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("FED.STTLM", settlement("CLRG", frozenset({"FDW"})), PAYMENTS),
    Rule("FED.ABA", aba_agents(), INTERBANK),
    Rule("FED.MSGID", message_id(_IMAD, "an IMAD"), frozenset(ALL - {"pain.001"})),
    Rule("FED.UETR", tx_required(UETR_PATH, "the UETR"), PAYMENTS),
    Rule("FED.BIZSVC", header_value("BizSvc", r"TEST|PROD", "TEST or PROD")),
), business_service="PROD", settlement_method="CLRG", clearing_system="FDW",
    head="head.001.001.03", write_overrides={"pacs.004": "pacs.004.001.10"})

BY_NAME: dict[str, Profile] = {p.name: p for p in (CBPR, T2, CHAPS, FEDWIRE)}


def check(profile: Profile, ctx: Context) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    fmt = ctx.format
    for rule in profile.rules:
        if fmt not in rule.formats:
            continue
        severity = Severity.WARNING if rule.lenient_as in ctx.lenient else Severity.ERROR
        for message, where in rule.check(ctx):
            found.append(Diagnostic(rule.code, message, where, severity))
    return found
