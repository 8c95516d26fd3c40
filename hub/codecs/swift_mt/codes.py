"""Every diagnostic code of the SWIFT MT family, registered once (family prefix "MT.")."""

from __future__ import annotations

from hub.errors import register

SWIFT_CODES: dict[str, str] = {
    # basic and application header (FIN Error Codes, H-codes)
    "MT.H01": "basic header missing or not in the block 1 format",
    "MT.H02": "application identifier not A (GPA), F (FIN) or L (login)",
    "MT.H03": "service identifier not 01, 03 or 21",
    "MT.H10": "invalid LT address in the basic header",
    "MT.H15": "invalid session number",
    "MT.H20": "invalid input sequence number (ISN)",
    "MT.H25": "application header missing or not in the block 2 format",
    "MT.H26": "input/output identifier neither I nor O",
    "MT.H30": "message type not three digits",
    "MT.H40": "priority not S, N or U",
    "MT.H50": "invalid destination (receiver) address",
    "MT.H80": "delivery monitoring not 1, 2 or 3",
    "MT.H81": "obsolescence period not three digits",
    # user header (FIN Error Codes, U-codes)
    "MT.U00": "user header field tag unknown",
    "MT.U01": "invalid banking priority (field 113)",
    "MT.U02": "invalid message user reference (field 108)",
    "MT.U03": "user header braces unbalanced",
    "MT.U08": "invalid validation flag (field 119) for this message type",
    "MT.U09": "validation flag (field 119) in a message type without special validation",
    "MT.U13": "unique end-to-end transaction reference (field 121) not a UUID version 4",
    # text validation (FIN Error Codes, T-codes)
    "MT.T08": "code word not allowed in this field",
    "MT.T13": "field not expected here: unknown, out of order, repeated or a mandatory one missing",
    "MT.T26": "reference starts or ends with '/' or contains '//'",
    "MT.T27": "invalid BIC",
    "MT.T38": "invalid time",
    "MT.T40": "amount without decimal comma or digits",
    "MT.T43": "amount longer than 15 characters",
    "MT.T50": "invalid date",
    "MT.T52": "invalid currency code",
    "MT.T54": "structured party line not in its line format",
    "MT.T55": "party identifier code not ARNU, CCPT, CUST, DRLC, EMPL, NIDN, SOSE or TXID",
    "MT.T56": "structured party line not numbered as the format requires",
    "MT.T73": "invalid country code",
    "MT.T80": "field 79 /REJT/ or /RETN/ not in the reject/return guideline layout",
    # network validated rules (C-, D-, E-codes)
    "MT.C02": "currency codes must be the same",
    "MT.C03": "more decimals than the currency allows",
    "MT.C06": "either field 50a or 52a must be present, not both",
    "MT.C16": "field allowed only with field 23F",
    "MT.C17": "field 50 mandatory when 22A is ISSU",
    "MT.C18": "field 49 presence depends on 22A/22D",
    "MT.C19": "sequence C and fields 48D/24E/24G depend on 22A",
    "MT.C20": "field 58a presence depends on field 49",
    "MT.C25": "field 79 or copied fields must be present",
    "MT.C31": "field 79 and copied fields must not both be present",
    "MT.C68": "in sequence B, field 56a needs field 57a",
    "MT.C81": "field 56a/57a presence dependency",
    "MT.D49": "field 33B mandatory between EU/EEA countries",
    "MT.D50": "field 71G not allowed with 71A SHA",
    "MT.D51": "field 33B mandatory when 71F or 71G is present",
    "MT.D75": "field 36 presence depends on the currencies of 33B and 32A",
    "MT.E01": "code or field not allowed with this 23B value",
    "MT.E02": "field not allowed with this 23B value",
    "MT.E03": "option or field not allowed with this 23B value",
    "MT.E04": "party identifier mandatory in 53B",
    "MT.E05": "field 54a must use option A",
    "MT.E06": "field 55a needs 53a and 54a",
    "MT.E07": "field 55a must use option A",
    "MT.E09": "field 57a option or party identifier not allowed",
    "MT.E10": "field 59a account mandatory",
    "MT.E13": "field 71F not allowed with 71A OUR",
    "MT.E15": "field 71F mandatory and 71G not allowed with 71A BEN",
    "MT.E16": "field 56a not allowed with 23B SPRI",
    "MT.E17": "field 56a must use option A or C",
    "MT.E18": "no account in 59a with 23E CHQB",
    "MT.E44": "23E TELI/PHOI needs field 56a",
    "MT.E45": "23E TELE/PHON needs field 57a",
    "MT.E46": "23E code repeated",
}

# Network rules whose text the hub follows but whose SWIFT error code could not be read from a
# published copy (docs/formats/swift-mt.md, "Network validated rules"): the hub's own code,
# named after the rule, until the code is known.
RULE_CODES: dict[str, str] = {
    "MT.760C10": "MT 760 sequence C: field 22Y needs field 22K",
    "MT.760C11": "MT 760: field 41a only with 22D STBY",
}

OWN_CODES: dict[str, str] = {
    "MT.BLOCK_SYNTAX": "text outside the FIN block structure",
    "MT.BLOCK_UNKNOWN": "unknown FIN block",
    "MT.BLOCK_ORDER": "FIN block repeated or out of order",
    "MT.BLOCK_MISSING": "mandatory FIN block missing",
    "MT.BRACES": "unbalanced braces in a FIN block",
    "MT.BLOCK3": "malformed user header field with no SWIFT code of its own",
    "MT.BLOCK5": "malformed or unknown trailer",
    "MT.BLOCK4_START": "text block does not start with a line break and a field",
    "MT.TERMINATOR": "text block terminator not on its own line",
    "MT.UNTERMINATED": "text block without terminator",
    "MT.EOL": "mixed line endings",
    "MT.FRAMING": "text outside the messages of an RJE or DOS-PCC file",
    "MT.SIZE": "message larger than the FIN limit",
    "MT.FORMAT": "field value does not match its format",
    "MT.CHARSET": "character outside the field's SWIFT character set",
    "MT.LINE_LENGTH": "field line too long",
    "MT.LINES": "too many lines in a field",
    "MT.BLANK_LINE": "empty line in a field",
    "MT.UNSUPPORTED": "message type not handled by this codec",
    "MT.FORMAT_MISMATCH": "message type differs from the requested format",
    "MT.TRUNCATED": "value cut to fit its MT field (translation)",
    "MT.TOO_LONG": "value too long for its MT field",
}

register({**SWIFT_CODES, **RULE_CODES, **OWN_CODES})
