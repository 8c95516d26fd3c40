"""What EDI decoding finds: a code, a place (segment position, tag, element) and an ack code.

A `Finding` is richer than a `Diagnostic`: it remembers at which level of the envelope it was
found (interchange, group, transaction/message) and which control numbers enclose it, so that
the acknowledgement builders (997/999/TA1, CONTRL) can answer the sender in its own terms.
Every code of both families is registered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import Diagnostic, Severity, register

INTERCHANGE, GROUP, TRANSACTION = "interchange", "group", "transaction"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    position: int = 0  # segment position in the interchange, 1-based; 0 = before any segment
    tag: str = ""
    element: int | None = None  # element index in the segment, 1-based
    component: int | None = None
    severity: Severity = Severity.ERROR
    level: str = INTERCHANGE
    group: str | None = None  # enclosing GS06 / UNG 0048
    transaction: str | None = None  # enclosing ST02 / UNH 0062
    local_position: int | None = None  # position inside the transaction set / message
    ack: str = ""  # the acknowledgement's own error code (AK5/IK5, AK4, TA1 note, 0085)
    value: str = ""  # copy of the bad data for AK4/IK4 (never secrets)

    @property
    def location(self) -> str:
        if self.position <= 0:
            return "interchange start"
        where = f"segment {self.position}"
        if self.tag:
            where += f" ({self.tag})"
        if self.element is not None:
            where += f" element {self.element}"
            if self.component is not None:
                where += f" component {self.component}"
        return where

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.message, self.location, self.severity)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


X12_CODES = {
    "X12.ISA": "interchange does not start with a readable ISA segment",
    "X12.ISA_PADDING": "ISA is not the fixed 106 characters (elements not padded)",
    "X12.ISA_DELIMITERS": "ISA delimiters are missing, equal or alphanumeric",
    "X12.ISA12": "interchange control version not supported",
    "X12.ISA13": "interchange control number is not 9 digits",
    "X12.ISA14": "acknowledgment requested is not 0 or 1",
    "X12.ISA15": "usage indicator is not P, T or I",
    "X12.ISA_DATE": "interchange date or time invalid",
    "X12.IEA_MISSING": "interchange trailer IEA missing",
    "X12.IEA01": "IEA01 does not equal the number of functional groups",
    "X12.IEA02": "IEA02 does not equal ISA13",
    "X12.GS_MISSING": "transaction set outside a functional group",
    "X12.GS08": "functional group version not supported",
    "X12.GS06": "group control number missing or not numeric",
    "X12.GE_MISSING": "functional group trailer GE missing",
    "X12.GE01": "GE01 does not equal the number of transaction sets",
    "X12.GE02": "GE02 does not equal GS06",
    "X12.ST01": "transaction set not supported",
    "X12.ST02": "transaction set control number missing or not unique in the group",
    "X12.SE_MISSING": "transaction set trailer SE missing",
    "X12.SE01": "SE01 does not equal the number of segments",
    "X12.SE02": "SE02 does not equal ST02",
    "X12.SEGMENT_ID": "segment identifier invalid",
    "X12.SEGMENT_OUTSIDE": "segment outside the envelope level it belongs to",
    "X12.SEGMENT_UNEXPECTED": "segment not allowed here",
    "X12.SEGMENT_MISSING": "mandatory segment missing",
    "X12.SEGMENT_IGNORED": "segment read but not mapped",
    "X12.ELEMENT_MISSING": "mandatory data element missing",
    "X12.ELEMENT_CODE": "invalid code value",
    "X12.ELEMENT_LENGTH": "data element too long or too short",
    "X12.ELEMENT_TYPE": "data element not of its type (numeric, date, time)",
    "X12.ELEMENT_EXTRA": "more data elements than the segment defines",
    "X12.SEGMENT_REPEAT": "segment exceeds its maximum use",
    "X12.LOOP_REPEAT": "loop occurs more than its maximum",
    "X12.AMOUNT": "invalid monetary amount",
    "X12.DATE": "invalid date",
    "X12.CURRENCY": "unknown currency code",
    "X12.CHARACTER": "character not allowed in X12 data",
    "X12.TRUNCATED": "interchange ends in the middle of a segment",
    "X12.DUPLICATE_INTERCHANGE": "interchange control number already received from this partner",
    "X12.CANNOT_ENCODE": "message cannot be written as X12",
    "X12.ACK_UNKNOWN": "acknowledgement refers to nothing that can be read",
}

EDIFACT_CODES = {
    "EDIFACT.UNA": "service string advice invalid",
    "EDIFACT.UNB_MISSING": "interchange does not start with UNB",
    "EDIFACT.SYNTAX_ID": "syntax identifier not supported (UNOA-UNOY)",
    "EDIFACT.SYNTAX_VERSION": "syntax version not supported (3 or 4)",
    "EDIFACT.UNB": "interchange header element invalid",
    "EDIFACT.UNZ_MISSING": "interchange trailer UNZ missing",
    "EDIFACT.UNZ01": "UNZ01 does not equal the number of messages or groups",
    "EDIFACT.UNZ02": "UNZ02 does not equal the UNB control reference",
    "EDIFACT.UNE_MISSING": "group trailer UNE missing",
    "EDIFACT.UNE01": "UNE01 does not equal the number of messages",
    "EDIFACT.UNE02": "UNE02 does not equal the UNG group reference",
    "EDIFACT.UNH": "message header invalid",
    "EDIFACT.UNT_MISSING": "message trailer UNT missing",
    "EDIFACT.UNT01": "UNT01 does not equal the number of segments",
    "EDIFACT.UNT02": "UNT02 does not equal the UNH message reference",
    "EDIFACT.DUPLICATE_MESSAGE": "message reference not unique in the interchange",
    "EDIFACT.MIXED": "groups and messages mixed at interchange level",
    "EDIFACT.MESSAGE_UNSUPPORTED": "message type or version not supported",
    "EDIFACT.SEGMENT_TAG": "segment tag invalid",
    "EDIFACT.SEGMENT_OUTSIDE": "segment outside a message",
    "EDIFACT.SEGMENT_UNEXPECTED": "segment not allowed here",
    "EDIFACT.SEGMENT_MISSING": "mandatory segment missing",
    "EDIFACT.SEGMENT_IGNORED": "segment read but not mapped",
    "EDIFACT.ELEMENT_MISSING": "mandatory data element missing",
    "EDIFACT.ELEMENT_CODE": "invalid code value",
    "EDIFACT.ELEMENT_LENGTH": "data element too long or too short",
    "EDIFACT.ELEMENT_TYPE": "data element not of its type (numeric)",
    "EDIFACT.SEGMENT_REPEAT": "segment exceeds its maximum repetitions",
    "EDIFACT.GROUP_REPEAT": "segment group exceeds its maximum repetitions",
    "EDIFACT.AMOUNT": "invalid monetary amount or decimal mark",
    "EDIFACT.DATE": "invalid date",
    "EDIFACT.CURRENCY": "unknown currency code",
    "EDIFACT.CONTROL_TOTAL": "control total does not match",
    "EDIFACT.RELEASE": "release character not followed by a service character",
    "EDIFACT.CHARACTER": "character not in the syntax level's repertoire",
    "EDIFACT.TRUNCATED": "interchange ends in the middle of a segment",
    "EDIFACT.DUPLICATE_INTERCHANGE": "interchange reference already received from this partner",
    "EDIFACT.CANNOT_ENCODE": "message cannot be written as EDIFACT",
    "EDIFACT.ACK_UNKNOWN": "CONTRL refers to nothing that can be read",
}

register(X12_CODES)
register(EDIFACT_CODES)
