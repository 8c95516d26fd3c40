"""Canonical rules every message must pass, whatever format it came in.

Reference-data checks that the constructors leave out: BIC country and registry shape, IBAN
checksum and national format (schwifty), required elements per kind, positive amounts.
Each finding is a Diagnostic located by canonical JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from hub.errors import Diagnostic
from hub.model.message import TRANSFER_KINDS, Agent, Kind, Message, Party

IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")


@lru_cache(maxsize=65536)
def bic_problem(bic: str) -> str | None:
    try:
        BIC(bic)
    except SchwiftyException as exc:
        return str(exc)
    return None


@lru_cache(maxsize=65536)
def iban_problem(account: str) -> str | None:
    try:
        IBAN(account)
    except SchwiftyException as exc:
        return str(exc)
    return None


def looks_like_iban(account: str) -> bool:
    return IBAN_SHAPE.fullmatch(account) is not None


def _holder(holder: Agent | Party | None, path: str) -> Iterator[Diagnostic]:
    """BIC and IBAN of an agent or a party (both carry a BIC and an account)."""
    if holder is None:
        return
    if holder.bic is not None and (problem := bic_problem(holder.bic)):
        yield Diagnostic("MODEL.BIC", f"{holder.bic}: {problem}", f"{path}.bic")
    if (holder.account is not None and looks_like_iban(holder.account)
            and (problem := iban_problem(holder.account))):
        yield Diagnostic("MODEL.IBAN", f"{holder.account}: {problem}", f"{path}.account")


AGENT_FIELDS = ("debtor_agent", "creditor_agent", "instructing_agent", "instructed_agent",
                "instructing_reimbursement_agent", "instructed_reimbursement_agent",
                "third_reimbursement_agent")
PARTY_FIELDS = ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor")


def check(message: Message, path: str = "") -> list[Diagnostic]:
    """Every canonical rule the message breaks (empty when it is clean)."""
    prefix = f"{path}." if path else ""
    found: list[Diagnostic] = []
    for name in AGENT_FIELDS:
        found.extend(_holder(getattr(message, name), prefix + name))
    for i, agent in enumerate(message.intermediary_agents):
        found.extend(_holder(agent, f"{prefix}intermediary_agents[{i}]"))
    for name in PARTY_FIELDS:
        found.extend(_holder(getattr(message, name), prefix + name))
    if message.kind in TRANSFER_KINDS:
        if message.amount is None:
            found.append(Diagnostic("MODEL.REQUIRED", "a transfer needs an amount",
                                    prefix + "amount"))
        elif message.amount.value <= 0:
            found.append(Diagnostic("MODEL.AMOUNT", "a transfer amount must be above zero",
                                    prefix + "amount.value"))
        if message.creditor_agent is None and message.creditor is None:
            found.append(Diagnostic("MODEL.REQUIRED",
                                    "a transfer needs a creditor or a creditor agent",
                                    prefix + "creditor_agent"))
    if message.kind is Kind.COVER and message.underlying is not None:
        found.extend(check(message.underlying, prefix + "underlying"))
    return found
