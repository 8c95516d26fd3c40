"""The STMT.* diagnostics of the statement family (MT940/MT950, camt.053/camt.054)."""

from hub.errors import register

register({
    "STMT.SYNTAX": "statement text cannot be split into fields",
    "STMT.MT_TYPE": "FIN message that is not an MT940 or MT950",
    "STMT.NOT_STATEMENT": "XML document that is not a camt.053 or camt.054",
    "STMT.FIELD": "statement field does not match its format",
    "STMT.UNEXPECTED": "field or element not allowed here",
    "STMT.REQUIRED": "mandatory statement field or element missing",
    "STMT.AMOUNT": "invalid amount",
    "STMT.DATE": "invalid date",
    "STMT.CURRENCY": "unknown currency, or currencies that disagree",
    "STMT.BALANCE": "opening balance plus entries is not the closing balance",
    "STMT.UETR": "UETR that is not a UUID version 4",
    "STMT.BATCH": "batch entry whose transactions do not add up to it",
})
