"""The canonical model: imported by everyone, imports nothing of the hub but errors."""

from hub.model.jsonio import dumps, from_data, loads, to_data
from hub.model.message import (
    TRANSFER_KINDS,
    Agent,
    ChargeBearer,
    Kind,
    Message,
    Party,
    PostalAddress,
)
from hub.model.money import ISO4217, Money, is_currency, minor_units
from hub.model.state import FINAL, TRANSITIONS, State, can_move

__all__ = [
    "FINAL",
    "ISO4217",
    "TRANSFER_KINDS",
    "TRANSITIONS",
    "Agent",
    "ChargeBearer",
    "Kind",
    "Message",
    "Money",
    "Party",
    "PostalAddress",
    "State",
    "can_move",
    "dumps",
    "from_data",
    "is_currency",
    "loads",
    "minor_units",
    "to_data",
]
