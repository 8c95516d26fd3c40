"""The canonical message: one kind per business meaning, ISO 20022 semantics, snake_case names.

Frozen keyword-only dataclasses that check their own invariants on construction: money is a
Decimal within the currency's minor units, date-times carry a time zone, UETRs are UUID v4, BICs
have the ISO 9362 shape. Checks that need reference data (BIC country, IBAN checksum) live in
`hub.model.rules` and report diagnostics, so that a message from a bank can still be held for
repair and shown to a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from hub.errors import ModelError
from hub.model.construct import direct_init
from hub.model.money import Money

BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
COUNTRY_SHAPE = re.compile(r"[A-Z]{2}")


class Kind(StrEnum):
    CUSTOMER_CREDIT_TRANSFER = "customer_credit_transfer"
    FI_CREDIT_TRANSFER = "fi_credit_transfer"
    COVER = "cover"
    UNDERTAKING = "undertaking"
    STATUS_REPORT = "status_report"
    FREE_FORMAT = "free_format"
    CANCELLATION = "cancellation"
    RETURN = "return"


TRANSFER_KINDS = frozenset({Kind.CUSTOMER_CREDIT_TRANSFER, Kind.FI_CREDIT_TRANSFER, Kind.COVER})


class ChargeBearer(StrEnum):
    DEBT = "DEBT"  # MT 71A OUR
    CRED = "CRED"  # MT 71A BEN
    SHAR = "SHAR"  # MT 71A SHA
    SLEV = "SLEV"  # service level (SEPA)


def _check_bic(bic: str, where: str) -> None:
    if not BIC_SHAPE.fullmatch(bic):
        raise ModelError(f"{bic!r} is not a BIC (4!a2!a2!c[3!c])", code="MODEL.BIC", location=where)


# UUID.version reads the variant first (a property each): for a plain UUID one mask says both,
# the RFC 4122 variant (bits 10) and version 4
_V4_MASK = (0xF << 76) | (0xC << 60)
_V4_BITS = (0x4 << 76) | (0x8 << 60)


def _check_uuid4(value: object, where: str) -> None:
    if type(value) is UUID and value.int & _V4_MASK == _V4_BITS:
        return
    if not isinstance(value, UUID) or value.version != 4:
        raise ModelError(f"{value} is not a UUID version 4", code="MODEL.UETR", location=where)


def _check_aware(value: datetime, where: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ModelError(f"{value.isoformat()} has no time zone", code="MODEL.DATETIME_NAIVE",
                         location=where)


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class PostalAddress:
    """Structured where the source is structured; `lines` holds unstructured address lines."""

    street_name: str | None = None
    building_number: str | None = None
    post_code: str | None = None
    town_name: str | None = None
    country_sub_division: str | None = None
    country: str | None = None
    lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.country is not None and not COUNTRY_SHAPE.fullmatch(self.country):
            raise ModelError(f"{self.country!r} is not an ISO 3166 alpha-2 code",
                             code="MODEL.COUNTRY", location="address.country")

    @property
    def is_structured(self) -> bool:
        return self.town_name is not None and self.country is not None


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class Party:
    """A debtor or creditor: a person or an organisation, with the account it holds."""

    name: str | None = None
    account: str | None = None
    address: PostalAddress | None = None
    bic: str | None = None  # AnyBIC identifying a non-bank party
    identifier: str | None = None  # other identification (customer number, national id ...)
    identifier_scheme: str | None = None
    country_of_residence: str | None = None

    def __post_init__(self) -> None:
        if self.bic is not None:
            _check_bic(self.bic, "bic")


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class Agent:
    """A financial institution in the chain, with the account held there where one is named."""

    bic: str | None = None
    name: str | None = None
    account: str | None = None
    clearing_system: str | None = None  # e.g. USABA, GBDSC, CHIPS (ISO ExternalClearingSystem)
    member_id: str | None = None  # ABA routing number, sort code ...
    address: PostalAddress | None = None

    def __post_init__(self) -> None:
        if self.bic is not None:
            _check_bic(self.bic, "bic")


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class Message:
    """One payment instruction, status or notice in the hub's own terms.

    The JSON names of these fields are a public contract (ARCHITECTURE §3); see
    `hub.model.jsonio` and `docs/canonical.schema.json`.
    """

    kind: Kind
    format: str = "json"
    # identifiers
    uetr: UUID | None = None
    message_id: str | None = None  # the whole message (pacs GrpHdr/MsgId, NACHA file id ...)
    instruction_id: str | None = None  # MT field 20, pacs InstrId
    end_to_end_id: str | None = None
    transaction_id: str | None = None
    related_reference: str | None = None  # MT field 21, the reference this answers or covers
    # money and dates
    amount: Money | None = None  # interbank settlement amount (MT 32A)
    instructed_amount: Money | None = None  # MT 33B
    exchange_rate: str | None = None  # decimal text, MT 36
    settlement_date: date | None = None
    created_at: datetime | None = None
    requested_execution_date: date | None = None
    # parties and agents
    debtor: Party | None = None
    debtor_agent: Agent | None = None
    creditor: Party | None = None
    creditor_agent: Agent | None = None
    instructing_agent: Agent | None = None  # the sender of this message
    instructed_agent: Agent | None = None  # the receiver of this message
    intermediary_agents: tuple[Agent, ...] = ()
    instructing_reimbursement_agent: Agent | None = None  # MT 53a
    instructed_reimbursement_agent: Agent | None = None  # MT 54a
    third_reimbursement_agent: Agent | None = None  # MT 55a
    previous_instructing_agents: tuple[Agent, ...] = ()
    ultimate_debtor: Party | None = None
    ultimate_creditor: Party | None = None
    # instructions
    charge_bearer: ChargeBearer | None = None
    charges: tuple[Money, ...] = ()  # MT 71F (sender's) and 71G (receiver's)
    receiver_charges: Money | None = None
    priority: str | None = None  # NORM, HIGH, URGP
    service_level: str | None = None
    local_instrument: str | None = None
    category_purpose: str | None = None
    purpose: str | None = None
    instructions: tuple[str, ...] = ()  # coded instructions (MT 23E, InstrForNxtAgt ...)
    remittance_info: str | None = None
    narrative: str | None = None  # free text (MT 79, MT 72 sender-to-receiver information)
    # status, return and cancellation
    status: str | None = None  # ACCP, ACSC, RJCT, PDNG ... (pacs.002 TxSts)
    reason_code: str | None = None
    reason_text: str | None = None
    original_message_id: str | None = None
    original_uetr: UUID | None = None
    # the customer transfer a cover (MT 202 COV, pacs.009 COV) carries
    underlying: Message | None = None
    # format-specific data with no canonical home, under a namespaced key ("mt760.23B")
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            raise ModelError(f"unknown kind {self.kind!r}", code="MODEL.ENUM", location="kind")
        if self.uetr is not None:
            _check_uuid4(self.uetr, "uetr")
        if self.original_uetr is not None:
            _check_uuid4(self.original_uetr, "original_uetr")
        if self.created_at is not None:
            _check_aware(self.created_at, "created_at")
        if self.charge_bearer is not None and not isinstance(self.charge_bearer, ChargeBearer):
            raise ModelError(f"unknown charge bearer {self.charge_bearer!r}", code="MODEL.ENUM",
                             location="charge_bearer")
        if not isinstance(self.extra, MappingProxyType):
            object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def reference(self) -> str | None:
        """The sender's reference a person would quote."""
        return self.instruction_id or self.end_to_end_id or self.message_id
