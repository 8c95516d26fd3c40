"""The journal: the hub's durable store (ARCHITECTURE §3)."""

from hub.journal.records import (
    AcceptOutcome,
    ApiKey,
    EventRecord,
    InputRecord,
    MessageRecord,
    NewEvent,
    NewMessage,
    OutboxItem,
    OutboxRow,
    Settlement,
    now_us,
    us_to_iso,
)
from hub.journal.store import Journal, hash_token, verify_events

__all__ = ["AcceptOutcome", "ApiKey", "EventRecord", "InputRecord", "Journal", "MessageRecord",
           "NewEvent", "NewMessage", "OutboxItem", "OutboxRow", "Settlement", "hash_token",
           "now_us", "us_to_iso", "verify_events"]
