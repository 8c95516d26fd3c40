"""Every diagnostic code the ISO 20022 family emits, registered once.

XSD codes are derived from libxml2's schema-validation error types, so a pattern failure is
`XSD.cvc-pattern-valid` and a missing or unexpected element is `XSD.cvc-complex-type-2-4`.
"""

from __future__ import annotations

from lxml import etree

from hub.errors import register


def xsd_code(type_name: str) -> str:
    """'SCHEMAV_CVC_PATTERN_VALID' -> 'XSD.cvc-pattern-valid'."""
    name = type_name.removeprefix("SCHEMAV_").lower().replace("_", "-")
    return f"XSD.{name}"


XSD_CODES = {xsd_code(n): n.removeprefix("SCHEMAV_").replace("_", " ").lower()
             for n in dir(etree.ErrorTypes) if n.startswith("SCHEMAV_")}
XSD_CODES["XSD.other"] = "schema validation failure"

ISO_CODES = {
    "ISO.TOO_LARGE": "XML document larger than the ISO 20022 limit",
    "ISO.DOCTYPE": "XML document with a DOCTYPE (entities and DTDs are refused)",
    "ISO.XML_SYNTAX": "malformed XML",
    "ISO.UNKNOWN_MESSAGE": "not an ISO 20022 message this hub reads",
    "ISO.NO_DOCUMENT": "no ISO 20022 Document element",
    "ISO.NO_SCHEMA": "no XSD for this message in the schema folder (structural checks only)",
    "ISO.SCHEMA_LOAD": "an XSD in the schema folder cannot be compiled",
    "ISO.REQUIRED": "element required by the message structure is missing",
    "ISO.NB_OF_TXS": "NbOfTxs differs from the number of transactions",
    "ISO.BAH_MSGDEF": "AppHdr MsgDefIdr differs from the Document's message",
    "ISO.NOT_MAPPED": "element kept in the XML but not carried into the canonical model",
    "ISO.MAPPING": "value cannot be carried into the canonical model",
    "ISO.FORMAT_MISMATCH": "the message is not of the requested format",
    "ISO.UNKNOWN_PROFILE": "unknown profile",
    "ISO.TRUNCATED": "value cut to the element's maximum length ('+' marks the cut)",
    "ISO.DEFAULTED": "mandatory element missing from the message, written with a default",
    "ISO.CANNOT_ENCODE": "the message cannot be written as this ISO 20022 message",
    "ISO.INVALID_OUTPUT": "the written XML does not validate against its XSD",
}

PROFILE_CODES = {
    "CBPR.BAH_REQUIRED": "CBPR+ messages travel with a business application header",
    "CBPR.BIZSVC": "CBPR+ business service must be swift.cbprplus.*",
    "CBPR.UETR": "CBPR+ requires a UETR",
    "CBPR.ONE_TX": "CBPR+ messages carry exactly one transaction",
    "CBPR.FROM_AGENT": "AppHdr/Fr differs from the instructing agent",
    "CBPR.TO_AGENT": "AppHdr/To differs from the instructed agent",
    "CBPR.CHARSET": "character outside the CBPR+ restricted FIN-X set",
    "CBPR.IDENTIFIER": "CBPR+ identifier may not start or end with '/' or contain '//'",
    "CBPR.CHRGBR": "charge bearer not allowed in CBPR+",
    "CBPR.CHRGBR_CRED": "charge bearer CRED requires charges information",
    "CBPR.ADDRESS_UNSTRUCTURED": "unstructured-only postal address (refused from November 2026)",
    "CBPR.ADDRESS_HYBRID": "structured address without town name and country",
    "CBPR.ADDRESS_LINES": "too many address lines for a hybrid CBPR+ address",
    "CBPR.BIC": "CBPR+ requires a BIC for this agent",
    "CBPR.COVE_AGENT": "settlement method COVE without a reimbursement agent",
    "CBPR.ADV_STTLM_MTD": "a CBPR+ pacs.009 ADV is settled by cover: SttlmMtd must be COVE",
    "CBPR.ADV_STTLM_ACCT": "a CBPR+ pacs.009 ADV carries no settlement account",
    "CBPR.ADV_CLRSYS": "a CBPR+ pacs.009 ADV never goes through a clearing system",
    "CBPR.ADV_UNDERLYING": "a CBPR+ pacs.009 ADV carries no underlying customer transfer",
    "T2.BAH_REQUIRED": "T2 RTGS messages travel with a business application header",
    "T2.BAH_FROM": "AppHdr/Fr must be an 11-character BICFI",
    "T2.BAH_TO": "AppHdr/To must be an 11-character BICFI",
    "T2.CLRSYS": "T2 RTGS clearing system must be TGT",
    "T2.STTLM_DT": "T2 RTGS settlement date missing or before the creation date",
    "T2.STTLM_DT_AHEAD": "T2 RTGS settlement date more than ten calendar days ahead",
    "T2.CHRGBR": "charge bearer SLEV not allowed in T2 RTGS",
    "T2.CURRENCY": "T2 RTGS settles in EUR only",
    "T2.ONE_TX": "T2 RTGS messages carry exactly one transaction",
    "T2.UETR": "T2 RTGS requires a UETR",
    "T2.STTLM_MTD": "T2 RTGS settlement method must be CLRG",
    "T2.BIC": "T2 RTGS requires BICs for instructing and instructed agents",
    "T2.CHARSET": "character outside the restricted FIN-X set used by T2",
    "CHAPS.CURRENCY": "CHAPS settles in GBP only",
    "CHAPS.ONE_TX": "CHAPS messages carry exactly one transaction",
    "CHAPS.UETR": "CHAPS requires a UETR",
    "CHAPS.STTLM_MTD": "CHAPS settlement method must be CLRG",
    "CHAPS.BIC": "CHAPS requires BICs for instructing and instructed agents",
    "CHAPS.CHARSET": "character outside the restricted FIN-X set used by CHAPS",
    "CHAPS.CLRSYS": "CHAPS clearing system code differs from the CHAPS code",
    "CHAPS.SORT_CODE": "institution member id must be a six-digit GBDSC sort code",
    "CHAPS.PURPOSE": "CHAPS FI-to-FI payments require a purpose code",
    "CHAPS.LEI": "CHAPS FI-to-FI payments require the debtor and creditor institutions' LEIs",
    "CHAPS.ADDRESS_UNSTRUCTURED": "unstructured-only postal address (refused from November 2026)",
    "CHAPS.ADDRESS_HYBRID": "structured address without town name and country",
    "FED.CURRENCY": "Fedwire Funds settles in USD only",
    "FED.ONE_TX": "Fedwire Funds messages carry exactly one transaction",
    "FED.STTLM": "Fedwire Funds settlement must be CLRG through clearing system FDW",
    "FED.ABA": "agent must be identified by a valid ABA routing number (USABA)",
    "FED.MSGID": "message id must be an IMAD (YYYYMMDD + 8-character LTERM + 6-digit sequence)",
    "FED.UETR": "Fedwire Funds requires a UETR",
    "FED.BIZSVC": "Fedwire business service must be TEST or PROD",
}

TRANSLATION_CODES = {
    "XLATE.TRUNCATED": "value cut to fit the target format ('+' marks the cut)",
    "XLATE.DROPPED": "element the target format cannot carry",
    "XLATE.DEFAULTED": "element the target format requires, filled with a default",
    "XLATE.CHANGED": "element carried with a different value",
    "XLATE.UNSUPPORTED": "no translation between these formats",
    "XLATE.SOURCE": "the source message cannot be read",
}

register({**XSD_CODES, **ISO_CODES, **PROFILE_CODES, **TRANSLATION_CODES})
