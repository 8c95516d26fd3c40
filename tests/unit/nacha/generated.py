"""A generated NACHA file of mixed debits and credits, for tests and bench/codec_nacha.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.codecs.base import Options
from hub.codecs.nacha import CODEC
from hub.codecs.nacha.records import check_digit
from hub.model import Agent, Kind, Message, Money, Party


def ach_file(count: int, *, companies: int = 2, remittance_every: int = 3) -> bytes:
    """`count` entries: a third of them debits, every `remittance_every`-th with an addenda 05;
    one batch per company (the ODFI is 021000021, the RDFIs have valid check digits)."""
    messages = []
    for i in range(count):
        rdfi = f"{(i * 7919) % 10**8:08d}"
        debit = i % 3 == 0
        receiver = Party(name=f"RECEIVER {i}", account=f"{i:012d}", identifier=f"ID{i}")
        company = Party(name=f"COMPANY {i % companies}",
                        identifier=f"12345678{i % companies:02d}")
        rdfi_agent = Agent(clearing_system="USABA", member_id=rdfi + check_digit(rdfi))
        odfi = Agent(clearing_system="USABA", member_id="021000021")
        roles = ({"debtor": receiver, "debtor_agent": rdfi_agent, "creditor": company,
                  "creditor_agent": odfi} if debit else
                 {"debtor": company, "debtor_agent": odfi, "creditor": receiver,
                  "creditor_agent": rdfi_agent})
        messages.append(Message(
            kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.from_minor(1000 + i, "USD"),
            requested_execution_date=date(2025, 3, 3),
            remittance_info=f"INVOICE {i}" if i % remittance_every == 1 else None,
            extra={"ach.transaction_code": "27" if debit else "22"}, **roles))
    return CODEC.encode(messages, "nacha", Options(), immediate_destination="091000019",
                        immediate_origin="021000021",
                        creation=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))
