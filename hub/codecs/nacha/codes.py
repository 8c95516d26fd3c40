"""The ACH.* diagnostic codes, registered once."""

from __future__ import annotations

from hub.errors import Diagnostic, Severity, register

CODES: dict[str, str] = {
    "ACH.RECORD_LENGTH": "record is not 94 characters",
    "ACH.RECORD_TYPE": "unknown record type code",
    "ACH.SEQUENCE": "record out of order",
    "ACH.TRUNCATED": "file ends before its controls",
    "ACH.TOO_LARGE": "file has more records than the reader accepts",
    "ACH.VALUE": "field does not hold its fixed value",
    "ACH.NUMERIC": "numeric field holds other characters",
    "ACH.CHARSET": "character outside printable ASCII",
    "ACH.DATE": "invalid date or time",
    "ACH.REQUIRED": "mandatory field is blank",
    "ACH.SERVICE_CLASS": "service class code wrong or not matching the entries",
    "ACH.SEC_CODE": "standard entry class code not supported",
    "ACH.TRANSACTION_CODE": "unknown transaction code",
    "ACH.CHECK_DIGIT": "routing number check digit is wrong",
    "ACH.TRACE_ORDER": "trace numbers not ascending",
    "ACH.ADDENDA": "addenda record wrong for its entry",
    "ACH.ADDENDA_TRACE": "addenda trace number differs from its entry",
    "ACH.ENTRY_COUNT": "entry/addenda count does not match",
    "ACH.ENTRY_HASH": "entry hash does not match",
    "ACH.TOTAL_DEBIT": "total debit amount does not match",
    "ACH.TOTAL_CREDIT": "total credit amount does not match",
    "ACH.BATCH_COUNT": "batch count does not match",
    "ACH.BLOCK_COUNT": "block count does not match",
    "ACH.BLOCKING": "record count is not a multiple of the blocking factor",
    "ACH.BATCH_MISMATCH": "batch control differs from its batch header",
    "ACH.MAPPING": "entry cannot be expressed as a canonical message",
}
register(CODES)


def diag(code: str, message: str, location: str,
         severity: Severity = Severity.ERROR) -> Diagnostic:
    assert code in CODES, code
    return Diagnostic(code, message, location, severity)
