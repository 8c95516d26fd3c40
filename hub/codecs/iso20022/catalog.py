"""The messages this family reads and writes, as a table (ISO 20022 message definitions)."""

from __future__ import annotations

from dataclasses import dataclass

NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


@dataclass(frozen=True, slots=True)
class MessageDef:
    definition: str  # message definition identifier, e.g. pacs.008.001.08
    format: str  # the hub's format name
    root: str  # the message element under Document

    @property
    def namespace(self) -> str:
        return NS_PREFIX + self.definition


MESSAGES: tuple[MessageDef, ...] = (
    MessageDef("pacs.008.001.08", "pacs.008", "FIToFICstmrCdtTrf"),
    MessageDef("pacs.009.001.08", "pacs.009", "FICdtTrf"),
    MessageDef("pacs.002.001.10", "pacs.002", "FIToFIPmtStsRpt"),
    MessageDef("pacs.004.001.09", "pacs.004", "PmtRtr"),
    MessageDef("pacs.004.001.10", "pacs.004", "PmtRtr"),  # Fedwire Funds Release 2025
    MessageDef("camt.056.001.08", "camt.056", "FIToFIPmtCxlReq"),
    MessageDef("camt.029.001.09", "camt.029", "RsltnOfInvstgtn"),
    MessageDef("pain.001.001.09", "pain.001", "CstmrCdtTrfInitn"),
    MessageDef("pain.001.001.08", "pain.001", "CstmrCdtTrfInitn"),  # read only
)

BY_NAMESPACE: dict[str, MessageDef] = {m.namespace: m for m in MESSAGES}

FORMATS: tuple[str, ...] = ("pacs.008", "pacs.009", "pacs.009cov", "pacs.009adv", "pacs.002",
                            "pacs.004", "camt.056", "camt.029", "pain.001")

WRITE_DEFINITION: dict[str, str] = {
    "pacs.008": "pacs.008.001.08",
    "pacs.009": "pacs.009.001.08",
    "pacs.009cov": "pacs.009.001.08",
    "pacs.009adv": "pacs.009.001.08",
    "pacs.002": "pacs.002.001.10",
    "pacs.004": "pacs.004.001.09",
    "camt.056": "camt.056.001.08",
    "camt.029": "camt.029.001.09",
    "pain.001": "pain.001.001.09",
}
"""The definition written for each format (profiles may override, see profiles.WRITE_OVERRIDES)."""

ADVICE_SERVICE = b"swift.cbprplus.adv."
"""BizSvc prefix of the CBPR+ pacs.009 ADV usage guideline (.02 before SR2023, .03 SR2023 to
SR2025, .04 from SR2026): the same pacs.009.001.08 Document, told apart by its header only."""
ADVICE_SERVICE_WRITTEN = "swift.cbprplus.adv.03"

HEAD_CBPR = "head.001.001.02"
HEAD_FEDWIRE = "head.001.001.03"
HEAD_NAMESPACES = frozenset({NS_PREFIX + HEAD_CBPR, NS_PREFIX + HEAD_FEDWIRE,
                             NS_PREFIX + "head.001.001.01"})
ENVELOPE_NS = "urn:swift:xsd:envelope"
