"""Rail profiles: the usage-guideline rules each market infrastructure adds to the base XSD.

A profile is a table of rules; each rule is a code, the formats it applies to and one check
taken from a small set of check kinds (required element, allowed values, pattern, one
transaction, character set ...). A few cross-element rules (header versus agents, postal
addresses, ABA checksums) are named functions. Every failure carries its own code and the XPath
of the offending element.

A check returns NONE (a shared empty tuple) when it finds nothing, and works out XPaths only
for what it reports. What several rules look at (the transactions, the postal addresses, the
settlement dates) is looked up once per message by the Context and shared.

Sources: SWIFT CBPR+ usage guidelines SR2025 (incl. the November 2026 structured-address
rule), ECB T2 RTGS UDFS, Bank of England CHAPS ISO 20022 message specifications, Federal Reserve
Fedwire Funds Service ISO 20022 Release 2025 technical guide. The Fedwire restricted XSDs are
applied in addition to these rules (see schemas.PROFILE_FILES).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
AGENTS = ("InstgAgt", "InstdAgt")

FI_TRANSFERS = frozenset({"pacs.009", "pacs.009cov", "pacs.009adv"})
PAYMENTS = frozenset({"pacs.008", "pacs.004"}) | FI_TRANSFERS
INTERBANK = PAYMENTS | {"pacs.002"}
ALL = frozenset(TRANSACTIONS)

# SWIFT FIN-X: the restricted set for identifiers, the extended set for every other text.
FINX = r"0-9a-zA-Z/\-?:().,'+ "
FINX_EXTENDED = FINX + r"!#$%&*=^_`{|}~\";<>@\[\\\]"
_OUTSIDE_EXTENDED = re.compile(f"[^{FINX_EXTENDED}\\s]")
_OUTSIDE_EXTENDED_STRICT = re.compile(f"[^{FINX_EXTENDED}]")
_IDENTIFIER = re.compile(f"[{FINX.replace('/', '')}]+(?:/[{FINX.replace('/', '')}]+)*")
_IMAD = re.compile(r"[0-9]{8}[A-Z0-9]{8}[0-9]{6}")
_SORT_CODE = re.compile(r"[0-9]{6}")
_BIC11 = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{3}")

Finding = tuple[str, str]  # (message, xpath)
NONE: tuple[Finding, ...] = ()
"""What a check returns when it finds nothing."""


class SettlementDate(NamedTuple):
    """One transaction's interbank settlement date (its own, else the group header's)."""

    tx_where: str
    tx: Data
    value: str | None  # None when absent
    day: date | None  # None when absent or not a date (the XSD reports the format)
    created: date | None  # the message's creation date


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
    # the PstlAdr values with AdrLine and no structured element, and those with one
    _line_only: list[Any] | None = field(default=None, init=False, repr=False)
    _structured: list[Data] | None = field(default=None, init=False, repr=False)
    _dates: list[SettlementDate] | None = field(default=None, init=False, repr=False)
    group_header: Data = field(init=False, repr=False)  # the GrpHdr children ({} if none)

    def __post_init__(self) -> None:
        self.group_header = node(self.data.get("GrpHdr"))

    def transactions(self) -> list[tuple[str, Data]]:
        """(XPath, data) of every transaction, in document order."""
        found = self._transactions
        if found is None:
            path = TRANSACTIONS[self.format]
            value = self.data.get(path)  # None for a path of two steps
            if type(value) is dict:  # the usual case: one transaction under the message
                found = [(self.where + "/" + path, value)]
            else:
                found = self._find_transactions()
            self._transactions = found
        return found

    def _find_transactions(self) -> list[tuple[str, Data]]:
        found: list[tuple[str, Any]] = [(self.where, self.data)]
        for step in TRANSACTION_STEPS[self.format]:
            found = [(f"{path}/{step}[{i}]" if len(items) > 1 else f"{path}/{step}", item)
                     for path, parent in found
                     for items in (many(node(parent).get(step)),)
                     for i, item in enumerate(items, 1)]
        return [(path, node(item)) for path, item in found]

    def watched(self) -> dict[str, list[Any]]:
        """WATCHED names -> values, in document order (from the data when the reader did not
        index them)."""
        index = self.index
        if index is None:
            index = self.index = index_of(self.data, WATCHED)
        return index

    def indexed(self, name: str) -> list[Any]:
        """Every value of a WATCHED element, in document order."""
        return self.watched()[name]

    def identifiers(self) -> list[Any]:
        """Every IDENTIFIERS value in the message: table order, then document order."""
        index = self.watched()
        values: list[Any] = []
        for name in IDENTIFIERS:
            values += index[name]
        return values

    def locate(self, value: Any) -> str:
        """The XPath of a value found through `indexed` (walks the message: for findings)."""
        return locate(self.data, value, self.where)

    def line_only_addresses(self) -> list[Any]:
        """Every PstlAdr with AdrLine and no element of the structured address."""
        found = self._line_only
        if found is None:
            found = self._sort_addresses()[0]
        return found

    def structured_addresses(self) -> list[Data]:
        """Every PstlAdr with an element of the structured address."""
        found = self._structured
        if found is None:
            found = self._sort_addresses()[1]
        return found

    def _sort_addresses(self) -> tuple[list[Any], list[Data]]:
        line_only: list[Any] = []
        structured: list[Data] = []
        for value in self.indexed("PstlAdr"):
            if type(value) is not dict:
                continue  # an empty PstlAdr: no line, no element
            if not STRUCTURED.isdisjoint(value):
                structured.append(value)
            elif value.get("AdrLine") is not None:
                line_only.append(value)
        self._line_only = line_only
        self._structured = structured
        return line_only, structured

    def settlement_dates(self) -> list[SettlementDate]:
        """The settlement date of every transaction, in document order."""
        found = self._dates
        if found is None:
            created = _day(text(self.data, "GrpHdr", "CreDtTm") or "")
            found = self._dates = []
            for tx_where, tx in self.transactions():
                value = tx.get("IntrBkSttlmDt")
                settle = val(value if value is not None else self.group_value("IntrBkSttlmDt"))
                found.append(SettlementDate(tx_where, tx, settle,
                                            _day(settle) if settle is not None else None,
                                            created))
        return found

    def group(self, name: str) -> tuple[str, Any]:
        """(XPath, value) of a group header child."""
        return self.group_where(name), self.group_value(name)

    def group_where(self, name: str) -> str:
        return f"{self.where}/GrpHdr/{name}"

    def group_value(self, name: str) -> Any:
        """The value of a group header child (None when absent), without its XPath."""
        return self.group_header.get(name)

    def agent(self, tx_where: str, tx: Data, name: str) -> tuple[str, Any]:
        """An agent of a transaction, else of the group header (XPath, value or None)."""
        value = tx.get(name)
        if value is not None:
            return f"{tx_where}/{name}", value
        return self.group(name)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None  # the XSD reports the format


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


_IDENTIFIER_ORDER = {tag: i for i, tag in enumerate(IDENTIFIERS)}

Check = Callable[[Context], Sequence[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    check: Check
    formats: frozenset[str] = ALL
    lenient_as: str | None = None  # Options.lenient name that turns an error into a warning


def _get(data: Any, names: tuple[str, ...]) -> Any:
    """The value at a path, through the first occurrence of each step (None when absent)."""
    value = data
    for name in names:
        value = (value if type(value) is dict else node(value)).get(name)
        if value is None:
            return None
    return value


def _either(values: frozenset[str]) -> str:
    return " or ".join(sorted(values))


# --- check kinds ------------------------------------------------------------------------------

def header_present() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        if ctx.header is None:
            return [("the message has no business application header (AppHdr)", ctx.where)]
        return NONE
    return run


def header_value(name: str, pattern: str, what: str) -> Check:
    """A child of the header's top matching `pattern`."""
    compiled = re.compile(pattern)

    def run(ctx: Context) -> Sequence[Finding]:
        header = ctx.header
        if header is None:
            return NONE
        value = header.get(name)
        if type(value) is not str:  # absent, repeated or not a leaf
            value = text(header, name)
        if value is not None and compiled.fullmatch(value):
            return NONE
        where = f"{ctx.header_where}/{name}" if value is not None else ctx.header_where
        return [(f"{name} {value!r} must be {what}", where)]
    return run


def tx_required(paths: dict[str, str], what: str) -> Check:
    steps = {fmt: tuple(path.split("/")) for fmt, path in paths.items()}

    def run(ctx: Context) -> Sequence[Finding]:
        names = steps.get(ctx.format)
        if names is None:
            return NONE
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            if _get(tx, names) is None:
                found.append((f"{what} ({paths[ctx.format]}) is missing", where))
        return found or NONE
    return run


def one_transaction() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        count = len(ctx.transactions())
        if count != 1:
            found.append((f"{count} transactions; exactly one is allowed", ctx.where))
        given = ctx.group_header.get("NbOfTxs")
        if type(given) is not str:
            given = val(given)
        if given is not None and given.strip() != "1":
            found.append((f"NbOfTxs is {given}; it must be 1", ctx.group_where("NbOfTxs")))
        return found or NONE
    return run


def settlement_currency(currencies: frozenset[str]) -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        index = ctx.watched()
        for tag in SETTLEMENT_AMOUNTS:
            for value in index[tag]:
                currency = value[1] if type(value) is tuple else None
                if currency not in currencies:
                    found.append((f"settlement currency {currency} is not "
                                  f"{_either(currencies)}", ctx.locate(value)))
        return found or NONE
    return run


def settlement(method: str, systems: frozenset[str] | None = None,
               method_checked: bool = True) -> Check:
    """SttlmMtd `method` and, given `systems`, ClrSys/Cd one of them (when the method is
    `method`: another method is the other finding's business)."""
    def run(ctx: Context) -> Sequence[Finding]:
        sttl = ctx.group_header.get("SttlmInf")
        if sttl is None:
            return NONE
        found: list[Finding] = []
        given = text(sttl, "SttlmMtd")
        if given != method:
            if not method_checked:
                return NONE
            found.append((f"settlement method {given} must be {method}",
                          ctx.group_where("SttlmInf") + "/SttlmMtd"))
        if systems is not None:
            system = text(sttl, "ClrSys", "Cd")
            if system not in systems:
                found.append((f"clearing system {system} must be {_either(systems)}",
                              ctx.group_where("SttlmInf") + "/ClrSys/Cd"))
        return found or NONE
    return run


def message_id(pattern: re.Pattern[str], what: str) -> Check:
    steps = {fmt: tuple(path.split("/")) for fmt, path in MESSAGE_ID_PATH.items()}

    def run(ctx: Context) -> Sequence[Finding]:
        names = steps.get(ctx.format)
        if names is None:
            return NONE
        parent, name = names
        value = ctx.data.get(parent)
        value = value.get(name) if type(value) is dict else None
        if type(value) is not str:  # absent, repeated or not a leaf
            value = text(ctx.data, parent, name)
        if value is None or pattern.fullmatch(value):
            return NONE
        return [(f"{value!r} is not {what}", f"{ctx.where}/{MESSAGE_ID_PATH[ctx.format]}")]
    return run


def agents_with_bic() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in AGENTS:
                value = tx.get(tag)
                if value is None:
                    value = ctx.group_header.get(tag)
                if value is None:
                    found.append((f"{tag} must be identified by BICFI", tx_where))
                elif text(value, "FinInstnId", "BICFI") is None:
                    found.append((f"{tag} must be identified by BICFI",
                                  ctx.agent(tx_where, tx, tag)[0]))
        return found or NONE
    return run


def _outside_finx(text: str) -> bool:
    """Whether text may hold a character outside extended FIN-X. Extended FIN-X is printable
    ASCII, and XML text cannot hold the other ASCII controls but tab, newline and carriage
    return (whitespace, allowed here as in the XML around the values) - so only non-ASCII text
    and DEL need the character-by-character look."""
    return not text.isascii() or "\x7f" in text


def _identifiers_valid(values: list[Any]) -> bool:
    """Whether every value is restricted FIN-X, in one regex call: joined by '/', they make
    one identifier exactly when none is empty or has a leading, trailing or double '/'."""
    if not values:
        return True
    try:
        joined = "/".join(values)
    except TypeError:  # an element with children where an identifier belongs
        return False
    return _IDENTIFIER.fullmatch(joined) is not None


def _parts(ctx: Context) -> tuple[tuple[Data | None, str, etree._Element | None, bool], ...]:
    """(data, XPath, element, is the message) of the message, then of the header."""
    return ((ctx.data, ctx.where, ctx.element, True),
            (ctx.header, ctx.header_where, ctx.header_element, False))


def _text_within_finx(ctx: Context) -> bool:
    """Whether every text of the message and the header is extended FIN-X."""
    for data, _, element, _ in _parts(ctx):
        if data is not None and _text_outside_finx(data, element):
            return False
    return True


def _text_outside_finx(data: Data, element: etree._Element | None) -> bool:
    whole = etree.tostring(element, method="text", encoding=str, with_tail=False) \
        if element is not None else all_text(data)
    return _outside_finx(whole) and _OUTSIDE_EXTENDED.search(whole) is not None


def _bad_text(ctx: Context) -> Sequence[Finding]:
    """Leaves with a character outside extended FIN-X, then identifiers that are not
    restricted FIN-X (table order, then document order); message, then header."""
    # the usual case first: all text within FIN-X (known from the bytes, else read in one
    # C-level call per part) and the identifiers, the header's too, checked together
    if ctx.finx_text or _text_within_finx(ctx):
        values = ctx.identifiers()
        header = ctx.header
        if header is not None and (header_id := header.get("BizMsgIdr")) is not None:
            values += many(header_id)
        if _identifiers_valid(values):
            return NONE
    found: list[Finding] = []
    for data, where, element, is_message in _parts(ctx):
        if data is not None:
            found.extend(_bad_text_of(ctx, data, where, element, is_message))
    return found


def _bad_text_of(ctx: Context, data: Data, where: str, element: etree._Element | None,
                 is_message: bool) -> list[Finding]:
    """The findings of one part (the message or the header)."""
    found: list[Finding] = []
    walked = None
    if not ctx.finx_text and _text_outside_finx(data, element):
        walked = list(leaves(data, where))
        for path, _, value in walked:
            if value and (bad := _OUTSIDE_EXTENDED_STRICT.search(value)):
                found.append((f"character {bad.group()!r} is outside the FIN-X set", path))
    else:
        values = ctx.identifiers() if is_message else many(data.get("BizMsgIdr"))
        if _identifiers_valid(values):
            return found
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
    def run(ctx: Context) -> Sequence[Finding]:
        if ctx.header is None:
            return NONE
        txs = ctx.transactions()
        if not txs:
            return NONE
        tx_where, tx = txs[0]
        value = tx.get(agent_tag)
        if value is None:
            value = ctx.group_header.get(agent_tag)
        if value is None:
            return NONE
        header_bic = text(ctx.header, side, "FIId", "FinInstnId", "BICFI")
        bic = text(value, "FinInstnId", "BICFI")
        if bic == header_bic or _bic11(bic) == _bic11(header_bic):
            return NONE
        return [(f"AppHdr/{side} {header_bic} differs from {agent_tag} {bic}",
                 ctx.agent(tx_where, tx, agent_tag)[0])]
    return run


def header_bic11(side: str) -> Check:
    """AppHdr Fr (To) identified by an 11-character BICFI (T2 RTGS addressing)."""
    def run(ctx: Context) -> Sequence[Finding]:
        if ctx.header is None:
            return NONE
        bic = text(ctx.header, side, "FIId", "FinInstnId", "BICFI")
        if bic is not None and _BIC11.fullmatch(bic):
            return NONE
        where = f"{ctx.header_where}/{side}"
        return [(f"AppHdr/{side} must be an 11-character BICFI, not {bic!r}",
                 where + "/FIId/FinInstnId/BICFI" if bic is not None else where)]
    return run


def charge_bearer(refused: frozenset[str]) -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            value = tx.get("ChrgBr")
            if type(value) is not str:
                value = val(value)
            if value in refused:
                found.append((f"charge bearer {value} is not allowed", where + "/ChrgBr"))
        return found or NONE
    return run


def charges_for_cred() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            value = tx.get("ChrgBr")
            if type(value) is not str:
                value = val(value)
            if value == "CRED" and tx.get("ChrgsInf") is None:
                found.append(("ChrgBr CRED requires ChrgsInf", where + "/ChrgsInf"))
        return found or NONE
    return run


def address_not_unstructured() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for value in ctx.line_only_addresses():
            found.append(("address lines only; town name and country are required",
                          ctx.locate(value)))
        return found or NONE
    return run


def address_hybrid() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for adr in ctx.structured_addresses():
            if "TwnNm" not in adr or "Ctry" not in adr:
                found.append(("a structured address needs TwnNm and Ctry", ctx.locate(adr)))
        return found or NONE
    return run


def address_lines(limit: int) -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for adr in ctx.structured_addresses():
            lines = adr.get("AdrLine")
            count = len(lines) if type(lines) is list else 0 if lines is None else 1
            if count > limit:
                found.append((f"{count} AdrLine with structured elements; at most {limit}",
                              f"{ctx.locate(adr)}/AdrLine[{limit + 1}]"))
        return found or NONE
    return run


def aba_valid(number: str) -> bool:
    """ABA routing number checksum: 3-7-1 weights over the nine digits, sum divisible by 10."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    d = number.encode()  # the code points: 48 + each digit
    weighted = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]
    return (weighted - 48 * (3 + 7 + 1) * 3) % 10 == 0


def aba_agents() -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in AGENTS:
                value = tx.get(tag)
                if value is None:
                    value = ctx.group_header.get(tag)
                if value is None:
                    if ctx.format in INTERBANK:
                        found.append((f"{tag} is required", tx_where))
                    continue
                mmb = _get(value, ("FinInstnId", "ClrSysMmbId"))
                if mmb is None:
                    found.append((f"{tag} must carry a clearing system member id",
                                  ctx.agent(tx_where, tx, tag)[0]))
                    continue
                system, member = _clearing_member(mmb)
                if system != "USABA":
                    found.append((f"{tag} clearing system {system} must be USABA",
                                  _member_where(ctx, tx_where, tx, tag)))
                if not aba_valid(member):
                    found.append((f"{member!r} is not a valid ABA routing number",
                                  _member_where(ctx, tx_where, tx, tag) + "/MmbId"))
        return found or NONE
    return run


def _member_where(ctx: Context, tx_where: str, tx: Data, tag: str) -> str:
    return ctx.agent(tx_where, tx, tag)[0] + "/FinInstnId/ClrSysMmbId"


def _clearing_member(mmb: Any) -> tuple[str | None, str]:
    """(ClrSysId/Cd, MmbId or '') of a ClrSysMmbId: read directly in the usual shape (leaves
    under dicts), else through `text`."""
    if type(mmb) is dict:
        system_id = mmb.get("ClrSysId")
        system = system_id.get("Cd") if type(system_id) is dict else None
        member = mmb.get("MmbId")
        if type(system) is str and type(member) is str:
            return system, member
    return text(mmb, "ClrSysId", "Cd"), text(mmb, "MmbId") or ""


def sort_codes() -> Check:
    """Every clearing member id under GBDSC is a six-digit sort code, and an institution given
    by member id alone uses GBDSC (CHAPS: UK domestic sort codes)."""
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for value in ctx.indexed("FinInstnId"):
            fin = value if type(value) is dict else node(value)
            mmb = fin.get("ClrSysMmbId")
            if mmb is None:
                continue
            system, member = _clearing_member(mmb)
            if system == "GBDSC":
                if not _SORT_CODE.fullmatch(member):
                    found.append((f"{member!r} is not a six-digit sort code",
                                  f"{ctx.locate(value)}/ClrSysMmbId/MmbId"))
            elif fin.get("BICFI") is None:
                found.append((f"an institution without BICFI must be identified by a GBDSC "
                              f"sort code, not {system}", f"{ctx.locate(value)}/ClrSysMmbId"))
        return found or NONE
    return run


def clearing_system(systems: frozenset[str]) -> Check:
    """SttlmInf/ClrSys, when present, names the rail's own clearing system."""
    def run(ctx: Context) -> Sequence[Finding]:
        sttl = ctx.group_header.get("SttlmInf")
        if sttl is None or node(sttl).get("ClrSys") is None:
            return NONE
        system = text(sttl, "ClrSys", "Cd")
        if system in systems:
            return NONE
        return [(f"clearing system {system} must be {_either(systems)}",
                 ctx.group_where("SttlmInf") + "/ClrSys")]
    return run


def _date_where(ctx: Context, date_: SettlementDate) -> str:
    if date_.tx.get("IntrBkSttlmDt") is not None:
        return f"{date_.tx_where}/IntrBkSttlmDt"
    return ctx.group_where("IntrBkSttlmDt")


def settlement_date_present() -> Check:
    """IntrBkSttlmDt present and not before the message's creation date."""
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for date_ in ctx.settlement_dates():
            if date_.value is None:
                found.append(("the interbank settlement date is missing", date_.tx_where))
            elif date_.created is not None and date_.day is not None and \
                    date_.day < date_.created:
                found.append((f"settlement date {date_.value} is before the creation date "
                              f"{date_.created}", _date_where(ctx, date_)))
        return found or NONE
    return run


def settlement_date_ahead(days: int) -> Check:
    """IntrBkSttlmDt at most `days` calendar days after the creation date (T2 keeps
    warehoused payments for up to ten calendar days)."""
    ahead = timedelta(days)

    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for date_ in ctx.settlement_dates():
            if date_.created is not None and date_.day is not None and \
                    date_.day > date_.created + ahead:
                found.append((f"settlement date {date_.value} is more than {days} days after "
                              f"the creation date {date_.created}", _date_where(ctx, date_)))
        return found or NONE
    return run


def purpose_required() -> Check:
    """Purp (or CtgyPurp) on every transaction (CHAPS: FI-to-FI payments since May 2025)."""
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for where, tx in ctx.transactions():
            if tx.get("Purp") is None and _get(tx, ("PmtTpInf", "CtgyPurp")) is None and \
                    text(ctx.data, "GrpHdr", "PmtTpInf", "CtgyPurp", "Cd") is None:
                found.append(("a purpose code (Purp or PmtTpInf/CtgyPurp) is required", where))
        return found or NONE
    return run


def lei_required(tags: tuple[str, ...]) -> Check:
    """FinInstnId/LEI of the named institutions (CHAPS: debtor and creditor institution of an
    FI-to-FI payment since May 2025)."""
    def run(ctx: Context) -> Sequence[Finding]:
        found: list[Finding] = []
        for tx_where, tx in ctx.transactions():
            for tag in tags:
                value = tx.get(tag)
                if value is not None and text(value, "FinInstnId", "LEI") is None:
                    found.append((f"{tag} must carry its LEI", f"{tx_where}/{tag}/FinInstnId"))
        return found or NONE
    return run


def settlement_method(methods: frozenset[str]) -> Check:
    def run(ctx: Context) -> Sequence[Finding]:
        sttl = ctx.group_header.get("SttlmInf")
        given = text(sttl, "SttlmMtd") if sttl is not None else None
        if given in methods:
            return NONE
        return [(f"settlement method {given} must be {_either(methods)}",
                 ctx.group_where("SttlmInf") + "/SttlmMtd")]
    return run


def absent(path: str, why: str, in_group: bool = True) -> Check:
    """An element the usage guideline removes."""
    names = tuple(path.split("/"))

    def run(ctx: Context) -> Sequence[Finding]:
        if in_group:
            if _get(ctx.data.get("GrpHdr"), names) is None:
                return NONE
            return [(f"{path} is not allowed: {why}", f"{ctx.where}/GrpHdr/{path}")]
        return [(f"{path} is not allowed: {why}", f"{where}/{path}")
                for where, tx in ctx.transactions() if _get(tx, names) is not None] or NONE
    return run


def reimbursement_agent() -> Check:
    """SttlmMtd COVE names the reimbursement route (ISO 20022 rule SettlementMethodCover)."""
    def run(ctx: Context) -> Sequence[Finding]:
        sttl = ctx.group_header.get("SttlmInf")
        if sttl is None or text(sttl, "SttlmMtd") != "COVE":
            return NONE
        sttl = node(sttl)
        if sttl.get("InstgRmbrsmntAgt") is not None or sttl.get("InstdRmbrsmntAgt") is not None:
            return NONE
        return [("SttlmMtd COVE needs InstgRmbrsmntAgt or InstdRmbrsmntAgt",
                 ctx.group_where("SttlmInf"))]
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
