"""Instructions the gateway tests send."""

from __future__ import annotations

from uuid import UUID

from hub.connectors.base import Outbound
from hub.model import Kind, Message, Money, Party

KEY = "3f0b5c1e-8a4d-4f6b-9c2e-1d7a5b9e0c41"  # the key in tests/recorded/stripe/*.json
DESTINATION = "acct_1Nv0FGQ9RKHgCVdK"


def message(amount: str = "1250.00", currency: str = "EUR", *, creditor: str | None = None,
            debtor: str | None = None, email: str | None = None,
            uetr: str = KEY) -> Message:
    return Message(
        kind=Kind.CUSTOMER_CREDIT_TRANSFER, uetr=UUID(uetr), end_to_end_id="E2E-4711",
        amount=Money.parse(amount, currency), remittance_info="Invoice 4711",
        debtor=Party(name="Hub Payer Ltd", account=debtor),
        creditor=Party(name="Ana Example", account=creditor, identifier=email,
                       identifier_scheme="EMAIL" if email else None))


def outbound(msg: Message, key: str = KEY, message_id: str = "msg-0001") -> Outbound:
    return Outbound(message_id=message_id, idempotency_key=key, format="json", payload=b"{}",
                    message=msg)
