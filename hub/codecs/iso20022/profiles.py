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
from datetime import date, timedelta
from typing import Any, NamedTuple

from lxml import etree

from hub.codecs.iso20022.components import val
from hub.codecs.iso20022.tree import Data, all_text, index_of, leaves, locate, many, node, text
from hub.errors import Diagnostic, Severity

PROFILES = ("cbpr", "t2", "chaps", "fedwire")

# transaction element(s) under the message element, per format
TRANSACTIONS: dict[str, str] = {
    "pacs.008": "CdtTrfTxInf", "pacs.009": "CdtTrfTxInf", "pacs.009cov": "CdtTrfTxInf",
    "pacs.009adv": "CdtTrfTxInf",
    "pacs.002": "TxInfAndSts", "pacs.004": "TxInf", "camt.056": "Undrlyg/TxInf",
    "camt.029": "CxlDtls/TxInfAndSts", "pain.001": "PmtInf/CdtTrfTxInf",
}
TRANSACTION_STEPS: dict[str, tuple[str, ...]] = {
    fmt: tuple(path.split("/")) for fmt, path in TRANSACTIONS.items()}
UETR_PATH: dict[str, str] = {
    "pacs.008": "PmtId/UETR", "pacs.009": "PmtId/UETR", "pacs.009cov": "PmtId/UETR",
    "pacs.009adv": "PmtId/UETR",
    "pain.001": "PmtId/UETR", "pacs.002": "OrgnlUETR", "pacs.004": "OrgnlUETR",
    "camt.056": "OrgnlUETR", "camt.029": "OrgnlUETR",
}
MESSAGE_ID_PATH: dict[str, str] = {
    "pacs.008": "GrpHdr/MsgId", "pacs.009": "GrpHdr/MsgId", "pacs.009cov": "GrpHdr/MsgId",
    "pacs.009adv": "GrpHdr/MsgId",
    "pacs.002": "GrpHdr/MsgId", "pacs.004": "GrpHdr/MsgId", "pain.001": "GrpHdr/MsgId",
    "camt.056": "Assgnmt/Id", "camt.029": "Assgnmt/Id",
}
SETTLEMENT_AMOUNTS = ("IntrBkSttlmAmt", "RtrdIntrBkSttlmAmt", "TtlIntrBkSttlmAmt",
                      "TtlRtrdIntrBkSttlmAmt")
IDENTIFIERS = ("MsgId", "InstrId", "EndToEndId", "TxId", "StsId", "RtrId", "CxlId", "CxlStsId",
               "BizMsgIdr")
WATCHED = frozenset({"PstlAdr", "FinInstnId", *SETTLEMENT_AMOUNTS, *IDENTIFIERS})
"""Names the rules look for anywhere in a message: the decoder indexes them as it reads."""
STRUCTURED = frozenset({"Dept", "SubDept", "StrtNm", "BldgNb", "BldgNm", "Flr", "PstBx", "Room",
                        "PstCd", "TwnNm", "TwnLctnNm", "DstrctNm", "CtrySubDvsn", "Ctry"})

FI_TRANSFERS = frozenset({"pacs.009", "pacs.009cov", "pacs.009adv"})
PAYMENTS = frozenset({"pacs.008", "pacs.004"}) | FI_TRANSFERS
INTERBANK = PAYMENTS | {"pacs.002"}
ALL = frozenset(TRANSACTIONS)

# SWIFT FIN-X: the restricted set for identifiers, the extended set for every other text.
FINX = r"0-9a-zA-Z/\-?:().,'+ "
FINX_EXTENDED = FINX + r"!#$%&*=^_`{|}~\";<>@\[\\\]"
_OUTSIDE_EXTENDED = re.compile(f"[^{FINX_EXTENDED}\\s]")
_OUTSIDE_EXTENDED_STRICT = re.compile(f"[^{FINX_EXTENDED}]")
_IDENTIFIER = re.compile(f"[{FINX.replace('/', '')}]+(/[{FINX.replace('/', '')}]+)*")
_IDENTIFIERS = re.compile(f"{_IDENTIFIER.pattern}(?:\n{_IDENTIFIER.pattern})*")
_IMAD = re.compile(r"[0-9]{8}[A-Z0-9]{8}[0-9]{6}")
_ABA = re.compile(r"[0-9]{9}")
_SORT_CODE = re.compile(r"[0-9]{6}")
_BIC11 = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{3}")


@dataclass
class Context:
    """What the rules look at: the message in data form (the children of FIToFICstmrCdtTrf
    ...) and the header's, with the XPath of each; the elements too when decoding XML (the
    character-set rule then reads all text in one C-level call)."""

    format: str
    data: Data
    where: str = "/Document"  # XPath of the message element
    header: Data | None = None
    header_where: str = "/AppHdr"
    lenient: frozenset[str] = frozenset()
    element: etree._Element | None = None
    header_element: etree._Element | None = None
    index: dict[str, list[Any]] | None = None  # WATCHED names -> values, in document order
    finx_text: bool = False  # the decoder saw that every character of the text is FIN-X
    # looked up once per message and shared by every rule that needs them
    _transactions: list[tuple[str, Data]] | None = field(default=None, init=False, repr=False)
    _addresses: list[Address] | None = field(default=None, init=False, repr=False)

    def transactions(self) -> list[tuple[str, Data]]:
        """(XPath, data) of every transaction, in document order."""
        if self._transactions is None:
            path = TRANSACTIONS[self.format]
            if "/" not in path:  # the usual case: the transactions are the message's children
                items = many(self.data.get(path))
                if len(items) == 1:
                    self._transactions = [(f"{self.where}/{path}", node(items[0]))]
                    return self._transactions
            found: list[tuple[str, Any]] = [(self.where, self.data)]
            for step in TRANSACTION_STEPS[self.format]:
                found = [(f"{path}/{step}[{i}]" if len(items) > 1 else f"{path}/{step}", item)
                         for path, parent in found
                         for items in (many(node(parent).get(step)),)
                         for i, item in enumerate(items, 1)]
            self._transactions = [(path, node(item)) for path, item in found]
        return self._transactions

    def indexed(self, name: str) -> list[Any]:
        """Every value of a WATCHED element, in document order."""
        if self.index is None:
            self.index = index_of(self.data, WATCHED)
        return self.index[name]

    def locate(self, value: Any) -> str:
        """The XPath of a value found through `indexed` (walks the message: for findings)."""
        return locate(self.data, value, self.where)

    def addresses(self) -> list[Address]:
        """Every PstlAdr in the message, in document order."""
        if self._addresses is None:
            found = []
            for value in self.indexed("PstlAdr"):
                adr = node(value)
                lines = many(adr.get("AdrLine"))
                found.append(Address(value, adr, not STRUCTURED.isdisjoint(adr), len(lines)))
            self._addresses = found
        return self._addresses

    def group(self, name: str) -> tuple[str, Any]:
        """(XPath, value) of a group header child."""
        return f"{self.where}/GrpHdr/{name}", self.group_value(name)

    def group_value(self, name: str) -> Any:
        """The value of a group header child (None when absent), without its XPath."""
        group = self.data.get("GrpHdr")
        return group.get(name) if type(group) is dict else node(group).get(name)

    def agent(self, tx_where: str, tx: Data, name: str) -> tuple[str, Any]:
        """An agent of a transaction, else of the group header (XPath, value or None)."""
        value = tx.get(name)
        if value is not None:
            return f"{tx_where}/{name}", value
        return self.group(name)


def xpath(el: etree._Element) -> str:
    """A readable XPath of an element: local names, with [n] where siblings share the name."""
    steps: list[str] = []
    node_: etree._Element | None = el
    while node_ is not None:
        name = node_.tag.rsplit("}", 1)[-1] if isinstance(node_.tag, str) else "node()"
        parent = node_.getparent()
        if parent is not None:
            same = [s for s in parent if s.tag == node_.tag]
            if len(same) > 1:
                name += f"[{same.index(node_) + 1}]"
        steps.append(name)
        node_ = parent
    return "/" + "/".join(reversed(steps))


class Address(NamedTuple):
    """One PstlAdr: the value (to locate it), its children and what kind of address it is."""

    value: Any
    data: Data
    structured: bool  # any element of the structured address present
    lines: int  # number of AdrLine


_IDENTIFIER_ORDER = {tag: i for i, tag in enumerate(IDENTIFIERS)}

Finding = tuple[str, str]  # (message, xpath)
Check = Callable[[Context], list[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    check: Check
    formats: frozenset[str] = ALL
    lenient_as: str | None = None  # Options.lenient name that turns an error into a warning


# --- check kinds ------------------------------------------------------------------------------

def header_present() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        if ctx.header is None:
            found.append(("the message has no business application header (AppHdr)", ctx.where))
        return found
    return run


def header_value(path: str, pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)
    names = path.split("/")

    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        if ctx.header is None:
            return found
        value = text(ctx.header, *names)
        if value is None or not compiled.fullmatch(value):
            where = f"{ctx.header_where}/{path}" if value is not None else ctx.header_where
            found.append((f"{path} {value!r} must be {what}", where))
        return found
    return run


def tx_required(paths: dict[str, str], what: str) -> Check:
    steps = {fmt: path.split("/") for fmt, path in paths.items()}

    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        names = steps.get(ctx.format)
        if names is None:
            return found
        path = paths[ctx.format]
        for where, tx in ctx.transactions():
            if _get(tx, names) is None:
                found.append((f"{what} ({path}) is missing", where))
        return found
    return run


def _get(data: Data, names: list[str]) -> Any:
    value: Any = data
    for name in names:
        value = node(value).get(name)
        if value is None:
            return None
    return value


def one_transaction() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        txs = ctx.transactions()
        if len(txs) != 1:
            found.append((f"{len(txs)} transactions; exactly one is allowed", ctx.where))
        count = val(ctx.group_value("NbOfTxs"))
        if count is not None and count.strip() != "1":
            found.append((f"NbOfTxs is {count}; it must be 1", ctx.group("NbOfTxs")[0]))
        return found
    return run


def settlement_currency(currencies: frozenset[str]) -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for tag in SETTLEMENT_AMOUNTS:
            for value in ctx.indexed(tag):
                currency = value[1] if type(value) is tuple else None
                if currency not in currencies:
                    found.append((f"settlement currency {currency} is not "
                           f"{' or '.join(sorted(currencies))}", ctx.locate(value)))
        return found
    return run


def settlement(method: str, systems: frozenset[str] | None = None,
               method_checked: bool = True) -> Check:
    """SttlmMtd `method` and, given `systems`, ClrSys/Cd one of them (when the method is
    `method`: another method is the other finding's business)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        where, sttl = ctx.group("SttlmInf")
        if sttl is None:
            return found
        given = text(sttl, "SttlmMtd")
        if not method_checked:
            if given != method:
                return found
        elif given != method:
            found.append((f"settlement method {given} must be {method}", where + "/SttlmMtd"))
        if systems is not None:
            system = text(sttl, "ClrSys", "Cd")
            if system not in systems:
                found.append((f"clearing system {system} must be {' or '.join(sorted(systems))}",
                       where + "/ClrSys/Cd"))
        return found
    return run


def message_id(pattern: re.Pattern[str], what: str) -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        path = MESSAGE_ID_PATH.get(ctx.format)
        if path is None:
            return found
        value = text(ctx.data, *path.split("/"))
        if value is not None and not pattern.fullmatch(value):
            found.append((f"{value!r} is not {what}", f"{ctx.where}/{path}"))
        return found
    return run


def agents_with_bic() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in ("InstgAgt", "InstdAgt"):
                where, value = ctx.agent(tx_where, tx, tag)
                if value is None or text(value, "FinInstnId", "BICFI") is None:
                    found.append((f"{tag} must be identified by BICFI",
                                  where if value is not None else tx_where))
        return found
    return run


def _outside_finx(text: str) -> bool:
    """Whether text may hold a character outside extended FIN-X. Extended FIN-X is printable
    ASCII, and XML text cannot hold the other ASCII controls but tab, newline and carriage
    return (whitespace, allowed here as in the XML around the values) - so only non-ASCII text
    and DEL need the character-by-character look."""
    return not text.isascii() or "\x7f" in text


def _identifiers_valid(values: list[Any]) -> bool:
    """Whether every value is restricted FIN-X: one regex call over them all, joined by
    newlines (restricted FIN-X holds none, so the joined text has exactly the joining ones
    when every value is clean)."""
    if not values:
        return True
    try:
        joined = "\n".join(values)
    except TypeError:  # an element with children where an identifier belongs
        return False
    return joined.count("\n") == len(values) - 1 and \
        _IDENTIFIERS.fullmatch(joined) is not None


def _bad_text(ctx: Context) -> list[Finding]:
    """Leaves with a character outside extended FIN-X, then identifiers that are not
    restricted FIN-X (table order, then document order)."""
    found: list[Finding] = []
    parts = ((ctx.data, ctx.where, ctx.element, True),
             (ctx.header, ctx.header_where, ctx.header_element, False))
    for data, where, element, is_message in parts:
        if data is None:
            continue
        walked = None
        if ctx.finx_text:
            pass  # the bytes were printable ASCII without character references
        elif _outside_finx(whole := etree.tostring(element, method="text", encoding=str,
                                                     with_tail=False)
                           if element is not None else all_text(data)) and \
                _OUTSIDE_EXTENDED.search(whole) is not None:
            walked = list(leaves(data, where))
            for path, _, value in walked:
                if value and (bad := _OUTSIDE_EXTENDED_STRICT.search(value)):
                    found.append((f"character {bad.group()!r} is outside the FIN-X set", path))
        if walked is None:
            if is_message:
                ctx.indexed("MsgId")  # builds the index when the reader did not
                assert ctx.index is not None
                index = ctx.index
                values: list[Any] = [v for name in IDENTIFIERS for v in index[name]]
            else:  # the header's one identifier sits at its top
                values = many(data.get("BizMsgIdr"))
            if _identifiers_valid(values):
                continue
        ids = [(path, name, value) for path, name, value in
               (walked if walked is not None else leaves(data, where))
               if name in _IDENTIFIER_ORDER]
        ids.sort(key=lambda item: _IDENTIFIER_ORDER[item[1]])
        for path, _, value in ids:
            if not _IDENTIFIER.fullmatch(value):
                found.append((f"identifier {value!r} must use FIN-X without leading, trailing or "
                       "double '/'", path))
    return found


def charset() -> Check:
    """Every text value within FIN-X (extended); identifiers within restricted FIN-X."""
    return _bad_text


# --- named cross-element rules ----------------------------------------------------------------

def _bic11(bic: str | None) -> str | None:
    return None if bic is None else (bic + "XXX" if len(bic) == 8 else bic)


def header_matches_agent(side: str, agent_tag: str) -> Check:
    """AppHdr Fr (To) equals the instructing (instructed) agent (CBPR+ rule)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        if ctx.header is None:
            return found
        txs = ctx.transactions()
        if not txs:
            return found
        tx_where, tx = txs[0]
        value = tx.get(agent_tag)
        if value is None:
            value = ctx.group_value(agent_tag)
            if value is None:
                return found
        header_bic = text(ctx.header, side, "FIId", "FinInstnId", "BICFI")
        bic = text(value, "FinInstnId", "BICFI")
        if bic != header_bic and _bic11(bic) != _bic11(header_bic):
            where, _ = ctx.agent(tx_where, tx, agent_tag)
            found.append((f"AppHdr/{side} {header_bic} differs from {agent_tag} {bic}", where))
        return found
    return run


def header_bic11(side: str) -> Check:
    """AppHdr Fr (To) identified by an 11-character BICFI (T2 RTGS addressing)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        if ctx.header is None:
            return found
        bic = text(ctx.header, side, "FIId", "FinInstnId", "BICFI")
        if bic is None or not _BIC11.fullmatch(bic):
            where = f"{ctx.header_where}/{side}"
            found.append((f"AppHdr/{side} must be an 11-character BICFI, not {bic!r}",
                   where + "/FIId/FinInstnId/BICFI" if bic is not None else where))
        return found
    return run


def charge_bearer(refused: frozenset[str]) -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            value = val(tx.get("ChrgBr"))
            if value is not None and value in refused:
                found.append((f"charge bearer {value} is not allowed", where + "/ChrgBr"))
        return found
    return run


def charges_for_cred() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            if val(tx.get("ChrgBr")) == "CRED" and tx.get("ChrgsInf") is None:
                found.append(("ChrgBr CRED requires ChrgsInf", where + "/ChrgsInf"))
        return found
    return run


def address_not_unstructured() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for adr in ctx.addresses():
            if adr.lines and not adr.structured:
                found.append(("address lines only; town name and country are required",
                              ctx.locate(adr.value)))
        return found
    return run


def address_hybrid() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for adr in ctx.addresses():
            if adr.structured and ("TwnNm" not in adr.data or "Ctry" not in adr.data):
                found.append(("a structured address needs TwnNm and Ctry", ctx.locate(adr.value)))
        return found
    return run


def address_lines(limit: int) -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for adr in ctx.addresses():
            if adr.structured and adr.lines > limit:
                found.append((f"{adr.lines} AdrLine with structured elements; at most {limit}",
                              f"{ctx.locate(adr.value)}/AdrLine[{limit + 1}]"))
        return found
    return run


def aba_valid(number: str) -> bool:
    """ABA routing number checksum: 3-7-1 weights over the nine digits, sum divisible by 10."""
    if not _ABA.fullmatch(number):
        return False
    digits = [int(c) for c in number]
    weights = (3, 7, 1) * 3
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def aba_agents() -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in ("InstgAgt", "InstdAgt"):
                where, value = ctx.agent(tx_where, tx, tag)
                if value is None:
                    if ctx.format in INTERBANK:
                        found.append((f"{tag} is required", tx_where))
                    continue
                mmb = node(node(value).get("FinInstnId")).get("ClrSysMmbId")
                if mmb is None:
                    found.append((f"{tag} must carry a clearing system member id", where))
                    continue
                mmb_where = f"{where}/FinInstnId/ClrSysMmbId"
                system = text(mmb, "ClrSysId", "Cd")
                member = text(mmb, "MmbId") or ""
                if system != "USABA":
                    found.append((f"{tag} clearing system {system} must be USABA", mmb_where))
                if not aba_valid(member):
                    found.append((f"{member!r} is not a valid ABA routing number",
                                  mmb_where + "/MmbId"))
        return found
    return run


def sort_codes() -> Check:
    """Every clearing member id under GBDSC is a six-digit sort code, and an institution given
    by member id alone uses GBDSC (CHAPS: UK domestic sort codes)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for value in ctx.indexed("FinInstnId"):
            fin = node(value)
            mmb = fin.get("ClrSysMmbId")
            if mmb is None:
                continue
            system = text(mmb, "ClrSysId", "Cd")
            member = text(mmb, "MmbId") or ""
            if system == "GBDSC" and not _SORT_CODE.fullmatch(member):
                found.append((f"{member!r} is not a six-digit sort code",
                       f"{ctx.locate(value)}/ClrSysMmbId/MmbId"))
            elif system != "GBDSC" and fin.get("BICFI") is None:
                found.append((f"an institution without BICFI must be identified by a GBDSC "
                              f"sort code, not {system}", f"{ctx.locate(value)}/ClrSysMmbId"))
        return found
    return run


def clearing_system(systems: frozenset[str]) -> Check:
    """SttlmInf/ClrSys, when present, names the rail's own clearing system."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        where, sttl = ctx.group("SttlmInf")
        if sttl is None or node(sttl).get("ClrSys") is None:
            return found
        system = text(sttl, "ClrSys", "Cd")
        if system not in systems:
            found.append((f"clearing system {system} must be {' or '.join(sorted(systems))}",
                   where + "/ClrSys"))
        return found
    return run


def _settlement_dates(ctx: Context) -> Iterator[tuple[str, str, str | None, date | None]]:
    """(transaction XPath, XPath of its settlement date, the date, the creation date)."""
    created = text(ctx.data, "GrpHdr", "CreDtTm")
    try:
        day = date.fromisoformat(created[:10]) if created else None
    except ValueError:
        day = None
    for tx_where, tx in ctx.transactions():
        where, value = f"{tx_where}/IntrBkSttlmDt", tx.get("IntrBkSttlmDt")
        if value is None:
            where, value = ctx.group("IntrBkSttlmDt")
        yield tx_where, where, val(value), day


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None  # the XSD reports the format


def settlement_date_present() -> Check:
    """IntrBkSttlmDt present and not before the message's creation date."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for tx_where, where, settle, created in _settlement_dates(ctx):
            if settle is None:
                found.append(("the interbank settlement date is missing", tx_where))
            elif created is not None and (when := _day(settle)) is not None and when < created:
                found.append((f"settlement date {settle} is before the creation date {created}",
                              where))
        return found
    return run


def settlement_date_ahead(days: int) -> Check:
    """IntrBkSttlmDt at most `days` calendar days after the creation date (T2 keeps
    warehoused payments for up to ten calendar days)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for _, where, settle, created in _settlement_dates(ctx):
            when = _day(settle) if settle is not None else None
            if created is not None and when is not None and when > created + timedelta(days):
                found.append((f"settlement date {settle} is more than {days} days after the "
                              f"creation date {created}", where))
        return found
    return run


def purpose_required() -> Check:
    """Purp (or CtgyPurp) on every transaction (CHAPS: FI-to-FI payments since May 2025)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            if tx.get("Purp") is None and _get(tx, ["PmtTpInf", "CtgyPurp"]) is None and \
                    text(ctx.data, "GrpHdr", "PmtTpInf", "CtgyPurp", "Cd") is None:
                found.append(("a purpose code (Purp or PmtTpInf/CtgyPurp) is required", where))
        return found
    return run


def lei_required(tags: tuple[str, ...]) -> Check:
    """FinInstnId/LEI of the named institutions (CHAPS: debtor and creditor institution of an
    FI-to-FI payment since May 2025)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in tags:
                value = tx.get(tag)
                if value is not None and text(value, "FinInstnId", "LEI") is None:
                    found.append((f"{tag} must carry its LEI", f"{tx_where}/{tag}/FinInstnId"))
        return found
    return run


def settlement_method(methods: frozenset[str]) -> Check:
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        where, sttl = ctx.group("SttlmInf")
        given = text(sttl, "SttlmMtd") if sttl is not None else None
        if given not in methods:
            found.append((f"settlement method {given} must be {' or '.join(sorted(methods))}",
                   where + "/SttlmMtd"))
        return found
    return run


def absent(path: str, why: str, in_group: bool = True) -> Check:
    """An element the usage guideline removes."""
    names = path.split("/")

    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        places = [(f"{ctx.where}/GrpHdr", node(ctx.data.get("GrpHdr")))] if in_group \
            else ctx.transactions()
        for where, data in places:
            if _get(data, names) is not None:
                found.append((f"{path} is not allowed: {why}", f"{where}/{path}"))
        return found
    return run


def reimbursement_agent() -> Check:
    """SttlmMtd COVE names the reimbursement route (ISO 20022 rule SettlementMethodCover)."""
    def run(ctx: Context) -> list[Finding]:
        found: list[Finding] = []
        sttl = ctx.group_value("SttlmInf")
        if sttl is None or text(sttl, "SttlmMtd") != "COVE":
            return found
        if node(sttl).get("InstgRmbrsmntAgt") is None and \
                node(sttl).get("InstdRmbrsmntAgt") is None:
            found.append(("SttlmMtd COVE needs InstgRmbrsmntAgt or InstdRmbrsmntAgt",
                          ctx.group("SttlmInf")[0]))
        return found
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
    _by_format: dict[str, tuple[Rule, ...]] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def rules_for(self, fmt: str) -> tuple[Rule, ...]:
        """The rules that apply to a format, in table order (worked out once per format)."""
        found = self._by_format.get(fmt)
        if found is None:
            found = self._by_format[fmt] = tuple(r for r in self.rules if fmt in r.formats)
        return found


ADVICE = frozenset({"pacs.009adv"})
CUSTOMER = frozenset({"pacs.008"})

CBPR = Profile("cbpr", "SWIFT CBPR+ (SR2025, structured addresses from November 2026)", (
    Rule("CBPR.BAH_REQUIRED", header_present()),
    Rule("CBPR.BIZSVC", header_value("BizSvc", r"swift\.cbprplus\.[a-z0-9.]+",
                                     "a swift.cbprplus.* service")),
    Rule("CBPR.UETR", tx_required(UETR_PATH, "the UETR"), frozenset(ALL - {"pain.001"})),
    Rule("CBPR.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("CBPR.FROM_AGENT", header_matches_agent("Fr", "InstgAgt"), INTERBANK),
    Rule("CBPR.TO_AGENT", header_matches_agent("To", "InstdAgt"), INTERBANK),
    Rule("CBPR.CHARSET", charset()),
    Rule("CBPR.CHRGBR", charge_bearer(frozenset({"SLEV"})), frozenset({"pacs.008", "pacs.004"})),
    Rule("CBPR.CHRGBR_CRED", charges_for_cred(), CUSTOMER),
    Rule("CBPR.ADDRESS_UNSTRUCTURED", address_not_unstructured(),
         lenient_as="cbpr_unstructured_address"),
    Rule("CBPR.ADDRESS_HYBRID", address_hybrid()),
    Rule("CBPR.ADDRESS_LINES", address_lines(2)),
    Rule("CBPR.COVE_AGENT", reimbursement_agent(), PAYMENTS - {"pacs.004"}),
    # pacs.009 ADV: an advice of funds that a separate pacs.009 core settles
    Rule("CBPR.ADV_STTLM_MTD", settlement_method(frozenset({"COVE"})), ADVICE),
    Rule("CBPR.ADV_STTLM_ACCT", absent("SttlmInf/SttlmAcct", "an advice settles nothing"),
         ADVICE),
    Rule("CBPR.ADV_CLRSYS", absent("SttlmInf/ClrSys", "an advice never goes through a "
                                   "clearing system"), ADVICE),
    Rule("CBPR.ADV_UNDERLYING", absent("UndrlygCstmrCdtTrf", "an advice has no underlying "
                                       "customer transfer (that is pacs.009 COV)", False),
         ADVICE),
), business_service="swift.cbprplus.03")

T2 = Profile("t2", "Eurosystem T2 RTGS (UDFS, RTGS usage guidelines)", (
    Rule("T2.BAH_REQUIRED", header_present()),
    Rule("T2.BAH_FROM", header_bic11("Fr")),
    Rule("T2.BAH_TO", header_bic11("To")),
    Rule("T2.CURRENCY", settlement_currency(frozenset({"EUR"})), PAYMENTS),
    Rule("T2.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("T2.UETR", tx_required(UETR_PATH, "the UETR"), PAYMENTS),
    Rule("T2.STTLM_MTD", settlement("CLRG"), PAYMENTS),
    Rule("T2.CLRSYS", settlement("CLRG", frozenset({"TGT"}), method_checked=False), PAYMENTS),
    Rule("T2.STTLM_DT", settlement_date_present(), PAYMENTS - {"pacs.004"}),
    Rule("T2.STTLM_DT_AHEAD", settlement_date_ahead(10), PAYMENTS - {"pacs.004"}),
    Rule("T2.CHRGBR", charge_bearer(frozenset({"SLEV"})), frozenset({"pacs.008", "pacs.004"})),
    Rule("T2.BIC", agents_with_bic(), INTERBANK),
    Rule("T2.CHARSET", charset()),
), business_service="ESMIG", settlement_method="CLRG", clearing_system="TGT")

CHAPS = Profile("chaps", "Bank of England CHAPS (ISO 20022, enhanced data)", (
    Rule("CHAPS.CURRENCY", settlement_currency(frozenset({"GBP"})), PAYMENTS),
    Rule("CHAPS.ONE_TX", one_transaction(), frozenset(ALL - {"pain.001"})),
    Rule("CHAPS.UETR", tx_required(UETR_PATH, "the UETR"), INTERBANK),
    Rule("CHAPS.STTLM_MTD", settlement("CLRG"), PAYMENTS),
    Rule("CHAPS.CLRSYS", clearing_system(frozenset({"CHP"})), PAYMENTS),
    Rule("CHAPS.BIC", agents_with_bic(), INTERBANK),
    Rule("CHAPS.SORT_CODE", sort_codes()),
    Rule("CHAPS.PURPOSE", purpose_required(), FI_TRANSFERS),
    Rule("CHAPS.LEI", lei_required(("Dbtr", "Cdtr")), FI_TRANSFERS),
    Rule("CHAPS.ADDRESS_UNSTRUCTURED", address_not_unstructured(),
         lenient_as="chaps_unstructured_address"),
    Rule("CHAPS.ADDRESS_HYBRID", address_hybrid()),
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
    lenient = ctx.lenient
    for rule in profile.rules_for(ctx.format):
        findings = rule.check(ctx)
        if findings:
            severity = Severity.WARNING if rule.lenient_as in lenient else Severity.ERROR
            found.extend(Diagnostic(rule.code, message, where, severity)
                         for message, where in findings)
    return found
