"""MT fields to the canonical model (choices recorded in docs/formats/swift-mt.md).

Works on the components the grammar check already parsed, so nothing is read twice. A value
that the canonical model refuses (an amount with too many decimals, say) has already been
reported by the field checks; the mapping then leaves that element out rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from uuid import UUID

from hub.codecs.swift_mt import rejects
from hub.codecs.swift_mt.envelope import FinMessage
from hub.codecs.swift_mt.rules import View
from hub.codecs.swift_mt.syntax import date6
from hub.errors import ModelError
from hub.model import Agent, ChargeBearer, Kind, Message, Money, Party, PostalAddress

CHARGES = {"OUR": ChargeBearer.DEBT, "BEN": ChargeBearer.CRED, "SHA": ChargeBearer.SHAR}
# "//XX..." national clearing codes in party identifiers -> ISO ExternalClearingSystem codes
CLEARING = {"FW": "USABA", "CP": "USPID", "SC": "GBDSC", "BL": "DEBLZ", "AT": "ATBLZ",
            "CH": "CHSIC", "SW": "CHBCC", "ES": "ESNCC", "IT": "ITNCC", "AU": "AUBSB",
            "CC": "CACPA", "IE": "IENCC", "PT": "PTNCC", "RU": "RUCBC", "NZ": "NZNCC"}
KIND = {"mt103": Kind.CUSTOMER_CREDIT_TRANSFER, "mt202": Kind.FI_CREDIT_TRANSFER,
        "mt205": Kind.FI_CREDIT_TRANSFER, "mt202cov": Kind.COVER, "mt205cov": Kind.COVER,
        "mt760": Kind.UNDERTAKING, "mt199": Kind.FREE_FORMAT, "mt299": Kind.FREE_FORMAT,
        "mt192": Kind.CANCELLATION, "mt292": Kind.CANCELLATION, "mt196": Kind.STATUS_REPORT,
        "mt296": Kind.STATUS_REPORT, "mt900": Kind.STATUS_REPORT, "mt910": Kind.STATUS_REPORT}
_COMMON = frozenset({"20", "21", "121"})


def _money(currency: str | None, amount: str | None) -> Money | None:
    if not currency or not amount:
        return None
    try:
        return Money(value=Decimal(amount.replace(",", ".")), currency=currency)
    except (ModelError, InvalidOperation):
        return None


def _address(lines: list[str]) -> PostalAddress | None:
    return PostalAddress(lines=tuple(lines)) if lines else None


def _structured(party_lines: list[str]) -> tuple[str | None, PostalAddress | None, dict[str, str]]:
    """50F/59F numbered lines: 1/ name, 2/ address, 3/ country/town; 4-8/ go to extra."""
    names: list[str] = []
    street: list[str] = []
    town: list[str] = []
    country: str | None = None
    other: dict[str, str] = {}
    for line in party_lines:
        number, _, text = line.partition("/")
        if number == "1":
            names.append(text)
        elif number == "2":
            street.append(text)
        elif number == "3":
            if country is None:
                country, _, rest = text.partition("/")
                town.append(rest)
            else:
                town.append(text)
        else:
            other[number] = (other[number] + "\n" + text) if number in other else text
    address = None
    if street or country:
        try:
            address = PostalAddress(lines=tuple(street), country=country or None,
                                    town_name="".join(town) or None)
        except ModelError:
            address = PostalAddress(lines=tuple(street))
    return ("".join(names) or None), address, other


def party(tag: str, parts: Mapping[str, str | None] | None) -> tuple[Party | None, dict[str, str]]:
    if not parts:
        return None, {}
    letter = tag[2:]
    account = parts.get("account")
    extra: dict[str, str] = {}
    if letter == "A":
        return Party(account=account, bic=parts.get("bic")), extra
    lines = (parts.get("name_address") or "").split("\n") if parts.get("name_address") else []
    if letter == "F":
        identifier = parts.get("party_identifier")
        scheme = ident = None
        if identifier is not None:
            if identifier.startswith("/"):
                account = identifier[1:]
            else:
                code, _, rest = identifier.partition("/")
                country, _, ident = rest.partition("/")
                scheme = f"{code}/{country}"
        name, address, other = _structured(lines)
        extra = {f"mt.{tag}.{k}": v for k, v in other.items()}
        return Party(name=name, account=account, address=address, identifier=ident,
                     identifier_scheme=scheme), extra
    return Party(name=lines[0] if lines else None, account=account,
                 address=_address(lines[1:])), extra


def agent(tag: str, parts: Mapping[str, str | None] | None) -> Agent | None:
    if not parts:
        return None
    letter = tag[2:]
    if letter == "A":
        return agent_a(parts.get("bic"), parts.get("account"))
    account, clearing, member = _clearing(parts.get("account"))
    if letter == "D":
        lines = (parts.get("name_address") or "").split("\n")
        return Agent(name=lines[0] or None, account=account, address=_address(lines[1:]),
                     clearing_system=clearing, member_id=member)
    if letter == "B":
        location = parts.get("location")
        return Agent(account=account, address=_address([location] if location else []),
                     clearing_system=clearing, member_id=member)
    return Agent(account=account, clearing_system=clearing, member_id=member)


def _clearing(account: str | None) -> tuple[str | None, str | None, str | None]:
    """(account, clearing system, member id): "//FW021000018" is a clearing code, not an
    account."""
    if account and account.startswith("/") and len(account) > 3:
        code = account[1:3]
        if code in CLEARING:
            return None, CLEARING[code], account[3:]
    return account, None, None


@lru_cache(maxsize=4096)
def agent_a(bic: str | None, account: str | None) -> Agent:
    """An option A agent. Correspondents repeat, and an Agent is immutable: kept and shared."""
    account, clearing, member = _clearing(account)
    return Agent(bic=bic, account=account, clearing_system=clearing, member_id=member)


def _uetr(msg: FinMessage) -> UUID | None:
    return _uuid4(msg.user_value("121"))


def _date(text: str | None):  # type: ignore[no-untyped-def]
    return date6(text) if text else None


def to_message(format: str, msg: FinMessage, view: View) -> Message:
    """The canonical message for a checked FIN message of `format`."""
    kind = KIND[format]
    fields: dict[str, object] = {"kind": kind, "format": format, "uetr": _uetr(msg)}
    extra: dict[str, str] = {}
    sender, receiver = view.sender, view.receiver
    if sender:
        fields["instructing_agent"] = agent_a(sender, None)
    if receiver:
        fields["instructed_agent"] = agent_a(receiver, None)
    in_b = kind is Kind.COVER
    under: dict[str, object] = {}
    intermediaries: list[Agent] = []
    under_intermediaries: list[Agent] = []
    instructions: list[str] = []
    charges: list[Money] = []
    undertaking = kind is Kind.UNDERTAKING
    for tag, value, seq, parts in zip(view.tags, view.values, view.seqs, view.parts,
                                      strict=True):
        base = tag[:2]
        target = under if (in_b and seq == "B") else fields
        if undertaking:
            extra[f"mt760.{seq}.{tag}"] = value
        if parts is None:
            if seq == "?" or format in ("mt192", "mt292", "mt196", "mt296"):
                extra["mt.copy"] = extra.get("mt.copy", "") + f":{tag}:{value}\n"
            continue
        # branches in the order MT 103 fields are most often met (each tag has one branch)
        if tag == "20" and seq in ("A", "B"):
            fields["instruction_id"] = value
        elif tag == "23B" and kind is Kind.CUSTOMER_CREDIT_TRANSFER:
            if value != "CRED":
                fields["service_level"] = value
        elif tag == "32A":
            fields["settlement_date"] = date6(parts.get("date") or "")
            fields["amount"] = _money(parts.get("currency"), parts.get("amount"))
        elif base == "50" and kind is not Kind.UNDERTAKING:
            debtor, more = party(tag, parts)
            target["debtor"] = debtor
            extra.update(more)
        elif base == "52":
            if kind in (Kind.FI_CREDIT_TRANSFER, Kind.COVER) and seq == "A":
                a = agent(tag, parts)
                fields["debtor"] = Party(bic=a.bic, account=a.account, name=a.name,
                                         address=a.address) if a else None
            else:
                target["debtor_agent"] = agent(tag, parts)
        elif base == "56":
            a = agent(tag, parts)
            if a is not None:
                (under_intermediaries if target is under else intermediaries).append(a)
        elif base == "57":
            target["creditor_agent"] = agent(tag, parts)
        elif base == "59" and kind is not Kind.UNDERTAKING:
            creditor, more = party(tag, parts)
            target["creditor"] = creditor
            extra.update(more)
        elif tag == "70":
            target["remittance_info"] = value.replace("\n", "")
        elif tag == "71A":
            fields["charge_bearer"] = CHARGES.get(value)
        elif tag == "33B":
            target["instructed_amount"] = _money(parts.get("currency"), parts.get("amount"))
        elif tag == "71F":
            money = _money(parts.get("currency"), parts.get("amount"))
            if money is not None:
                charges.append(money)
        elif tag == "71G":
            fields["receiver_charges"] = _money(parts.get("currency"), parts.get("amount"))
        elif tag == "23E":
            instructions.append(value)
        elif tag in ("72", "79"):
            target["narrative"] = value
        elif tag == "21":
            fields["related_reference"] = value
        elif tag == "32B":
            fields["amount"] = _money(parts.get("currency"), parts.get("amount"))
        elif tag == "36":
            fields["exchange_rate"] = value.replace(",", ".")
        elif tag == "26T":
            fields["purpose"] = value
        elif base == "53":
            fields["instructing_reimbursement_agent"] = agent(tag, parts)
        elif base == "54":
            fields["instructed_reimbursement_agent"] = agent(tag, parts)
        elif base == "55":
            fields["third_reimbursement_agent"] = agent(tag, parts)
        elif base == "58":
            a = agent(tag, parts)
            fields["creditor"] = Party(bic=a.bic, account=a.account, name=a.name,
                                       address=a.address) if a else None
        elif tag == "76":
            fields["status"] = value[1:5] if value.startswith("/") else None
            fields["reason_text"] = value
        elif tag in ("25", "25P"):
            holder = Party(account=parts.get("account"))
            fields["debtor" if format == "mt900" else "creditor"] = holder
            if parts.get("bic"):
                extra[f"mt.{tag}.bic"] = parts["bic"] or ""
        elif tag not in _COMMON:
            extra[f"mt.{tag}"] = value if f"mt.{tag}" not in extra else \
                extra[f"mt.{tag}"] + "\n" + value
    if format == "mt900":
        fields["status"] = "DBIT"
    elif format == "mt910":
        fields["status"] = "CRDT"
    if intermediaries:
        fields["intermediary_agents"] = tuple(intermediaries)
    if instructions:
        fields["instructions"] = tuple(instructions)
    if charges:
        fields["charges"] = tuple(charges)
    if flag := msg.user_value("119"):
        extra["mt.119"] = flag
    if kind is Kind.COVER:
        if under_intermediaries:
            under["intermediary_agents"] = tuple(under_intermediaries)
        under.setdefault("amount", fields.get("amount"))
        under.setdefault("settlement_date", fields.get("settlement_date"))
        fields["underlying"] = Message(kind=Kind.CUSTOMER_CREDIT_TRANSFER, format=format,
                                       uetr=fields["uetr"], **under)  # type: ignore[arg-type]
    if format in ("mt199", "mt299"):
        _reject_return(fields, extra)
    fields["extra"] = extra
    return Message(**fields)  # type: ignore[arg-type]


def _reject_return(fields: dict[str, object], extra: dict[str, str]) -> None:
    """An MT 199/299 whose field 79 follows the reject/return guideline is the answer to the
    message it names: a status report RJCT (/REJT/) or a return (/RETN/). Field 79 stays in
    `narrative`, so the message is written back unchanged."""
    text = fields.get("narrative")
    if not isinstance(text, str) or not rejects.is_reject_return(text):
        return
    found = rejects.read(text)[0]
    if found is None:
        return  # reported as T80; the message stays free format
    rejected = found.kind == "REJT"
    fields["kind"] = Kind.STATUS_REPORT if rejected else Kind.RETURN
    fields["status"] = "RJCT" if rejected else None
    fields["reason_code"] = found.reason_code
    fields["reason_text"] = found.reason_text or None
    fields["original_message_id"] = found.mref
    fields.setdefault("related_reference", found.mref)
    if found.tref:
        fields["end_to_end_id"] = found.tref
    original = _uuid4(found.uetr) or fields.get("uetr")
    if original is not None:
        fields["original_uetr"] = original
    if found.charges is not None:
        money = _money(*found.charges)
        if money is not None:
            fields["charges"] = (money,)
    extra["mt.79.field"] = found.field


def _uuid4(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        value = UUID(text)
    except ValueError:
        return None
    return value if value.version == 4 else None


def ack_message(msg: FinMessage, acknowledged: FinMessage | None) -> Message:
    """A service 21 ACK/NAK: status ACK or NAK, 405 reason, the acknowledged message's MIR."""
    pairs = dict(msg.system_text or ())
    nak = pairs.get("451") == "1"
    mir = None
    if "177" in pairs and msg.basic is not None:
        mir = pairs["177"][:6] + msg.basic.lt_address + msg.basic.session + msg.basic.sequence
    related = None
    uetr = None
    if acknowledged is not None and acknowledged.text:
        related = next((v for t, v in acknowledged.text if t == "20"), None)
        uetr = _uetr(acknowledged)
    extra = {f"mt.ack.{k}": v for k, v in pairs.items()}
    return Message(kind=Kind.STATUS_REPORT, format="mt-ack", status="NAK" if nak else "ACK",
                   reason_code=pairs.get("405"), original_message_id=mir or pairs.get("108"),
                   related_reference=related, original_uetr=uetr, extra=extra)
