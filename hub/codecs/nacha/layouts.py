"""NACHA record layouts as tables (NACHA Operating Rules 2025, Appendix Three).

Each row is (field name, start position, length, type, rule) in the rules' own 1-based positions.
Types: N numeric (digits, zero-filled, right-justified), A alphanumeric (printable ASCII, space
padded, left-justified), B reserved (written blank, never checked on read).
Rules: "=X" the field is always X; "computed" the writer fills it and the reader verifies it;
"date" YYMMDD; "date?" YYMMDD or blank; "time?" HHMM or blank; "julian?" day of year or blank;
"tc" a transaction code; "" free.

One interpreter (records.py) reads and writes every layout; no offset is written twice.
"""

from __future__ import annotations

RULES_YEAR = 2025
RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
FILLER = "9" * RECORD_LENGTH

Row = tuple[str, int, int, str, str]

FILE_HEADER: list[Row] = [
    ("record_type", 1, 1, "N", "=1"),
    ("priority_code", 2, 2, "N", ""),
    ("immediate_destination", 4, 10, "A", ""),
    ("immediate_origin", 14, 10, "A", ""),
    ("file_creation_date", 24, 6, "N", "date"),
    ("file_creation_time", 30, 4, "A", "time?"),
    ("file_id_modifier", 34, 1, "A", ""),
    ("record_size", 35, 3, "N", "=094"),
    ("blocking_factor", 38, 2, "N", "=10"),
    ("format_code", 40, 1, "N", "=1"),
    ("immediate_destination_name", 41, 23, "A", ""),
    ("immediate_origin_name", 64, 23, "A", ""),
    ("reference_code", 87, 8, "A", ""),
]

BATCH_HEADER: list[Row] = [
    ("record_type", 1, 1, "N", "=5"),
    ("service_class_code", 2, 3, "N", ""),
    ("company_name", 5, 16, "A", ""),
    ("company_discretionary_data", 21, 20, "A", ""),
    ("company_id", 41, 10, "A", ""),
    ("sec_code", 51, 3, "A", ""),
    ("company_entry_description", 54, 10, "A", ""),
    ("company_descriptive_date", 64, 6, "A", ""),
    ("effective_entry_date", 70, 6, "A", "date?"),
    ("settlement_date", 76, 3, "A", "julian?"),
    ("originator_status_code", 79, 1, "A", ""),
    ("odfi", 80, 8, "N", ""),
    ("batch_number", 88, 7, "N", ""),
]

IAT_BATCH_HEADER: list[Row] = [
    ("record_type", 1, 1, "N", "=5"),
    ("service_class_code", 2, 3, "N", ""),
    ("iat_indicator", 5, 16, "A", ""),
    ("foreign_exchange_indicator", 21, 2, "A", ""),
    ("foreign_exchange_reference_indicator", 23, 1, "A", ""),
    ("foreign_exchange_reference", 24, 15, "A", ""),
    ("destination_country", 39, 2, "A", ""),
    ("company_id", 41, 10, "A", ""),
    ("sec_code", 51, 3, "A", "=IAT"),
    ("company_entry_description", 54, 10, "A", ""),
    ("originating_currency", 64, 3, "A", ""),
    ("destination_currency", 67, 3, "A", ""),
    ("effective_entry_date", 70, 6, "A", "date?"),
    ("settlement_date", 76, 3, "A", "julian?"),
    ("originator_status_code", 79, 1, "A", ""),
    ("odfi", 80, 8, "N", ""),
    ("batch_number", 88, 7, "N", ""),
]

# PPD, CCD, WEB, TEL and the other SEC codes that share the PPD positions.
ENTRY: list[Row] = [
    ("record_type", 1, 1, "N", "=6"),
    ("transaction_code", 2, 2, "N", "tc"),
    ("rdfi", 4, 8, "N", ""),
    ("check_digit", 12, 1, "N", "computed"),
    ("dfi_account", 13, 17, "A", ""),
    ("amount", 30, 10, "N", ""),
    ("receiver_id", 40, 15, "A", ""),
    ("receiver_name", 55, 22, "A", ""),
    ("discretionary_data", 77, 2, "A", ""),
    ("addenda_indicator", 79, 1, "N", "computed"),
    ("trace_number", 80, 15, "N", ""),
]

CTX_ENTRY: list[Row] = [
    ("record_type", 1, 1, "N", "=6"),
    ("transaction_code", 2, 2, "N", "tc"),
    ("rdfi", 4, 8, "N", ""),
    ("check_digit", 12, 1, "N", "computed"),
    ("dfi_account", 13, 17, "A", ""),
    ("amount", 30, 10, "N", ""),
    ("receiver_id", 40, 15, "A", ""),
    ("addenda_count", 55, 4, "N", "computed"),
    ("receiver_name", 59, 16, "A", ""),
    ("reserved", 75, 2, "B", ""),
    ("discretionary_data", 77, 2, "A", ""),
    ("addenda_indicator", 79, 1, "N", "computed"),
    ("trace_number", 80, 15, "N", ""),
]

IAT_ENTRY: list[Row] = [
    ("record_type", 1, 1, "N", "=6"),
    ("transaction_code", 2, 2, "N", "tc"),
    ("rdfi", 4, 8, "N", ""),
    ("check_digit", 12, 1, "N", "computed"),
    ("addenda_count", 13, 4, "N", "computed"),
    ("reserved", 17, 13, "B", ""),
    ("amount", 30, 10, "N", ""),
    ("dfi_account", 40, 35, "A", ""),
    ("reserved2", 75, 2, "B", ""),
    ("ofac_gateway_indicator", 77, 1, "A", ""),
    ("ofac_secondary_indicator", 78, 1, "A", ""),
    ("addenda_indicator", 79, 1, "N", "computed"),
    ("trace_number", 80, 15, "N", ""),
]

ADDENDA_05: list[Row] = [
    ("record_type", 1, 1, "N", "=7"),
    ("addenda_type", 2, 2, "N", "=05"),
    ("payment_related_information", 4, 80, "A", ""),
    ("addenda_sequence", 84, 4, "N", "computed"),
    ("entry_sequence", 88, 7, "N", "computed"),
]

ADDENDA_98: list[Row] = [
    ("record_type", 1, 1, "N", "=7"),
    ("addenda_type", 2, 2, "N", "=98"),
    ("change_code", 4, 3, "A", ""),
    ("original_trace", 7, 15, "N", ""),
    ("reserved", 22, 6, "B", ""),
    ("original_rdfi", 28, 8, "N", ""),
    ("corrected_data", 36, 29, "A", ""),
    ("reserved2", 65, 15, "B", ""),
    ("trace_number", 80, 15, "N", ""),
]

ADDENDA_99: list[Row] = [
    ("record_type", 1, 1, "N", "=7"),
    ("addenda_type", 2, 2, "N", "=99"),
    ("return_reason_code", 4, 3, "A", ""),
    ("original_trace", 7, 15, "N", ""),
    ("date_of_death", 22, 6, "A", "date?"),
    ("original_rdfi", 28, 8, "N", ""),
    ("addenda_information", 36, 44, "A", ""),
    ("trace_number", 80, 15, "N", ""),
]

_ENTRY_SEQ: Row = ("entry_sequence", 88, 7, "N", "computed")

IAT_ADDENDA: dict[str, list[Row]] = {
    "10": [("transaction_type_code", 4, 3, "A", ""),
           ("foreign_payment_amount", 7, 18, "N", ""),
           ("foreign_trace_number", 25, 22, "A", ""),
           ("receiver_name", 47, 35, "A", ""),
           ("reserved", 82, 6, "B", ""), _ENTRY_SEQ],
    "11": [("originator_name", 4, 35, "A", ""),
           ("originator_street", 39, 35, "A", ""),
           ("reserved", 74, 14, "B", ""), _ENTRY_SEQ],
    "12": [("originator_city_state", 4, 35, "A", ""),
           ("originator_country_postal", 39, 35, "A", ""),
           ("reserved", 74, 14, "B", ""), _ENTRY_SEQ],
    "13": [("odfi_name", 4, 35, "A", ""),
           ("odfi_id_qualifier", 39, 2, "A", ""),
           ("odfi_identification", 41, 34, "A", ""),
           ("odfi_branch_country", 75, 3, "A", ""),
           ("reserved", 78, 10, "B", ""), _ENTRY_SEQ],
    "14": [("rdfi_name", 4, 35, "A", ""),
           ("rdfi_id_qualifier", 39, 2, "A", ""),
           ("rdfi_identification", 41, 34, "A", ""),
           ("rdfi_branch_country", 75, 3, "A", ""),
           ("reserved", 78, 10, "B", ""), _ENTRY_SEQ],
    "15": [("receiver_id_number", 4, 15, "A", ""),
           ("receiver_street", 19, 35, "A", ""),
           ("reserved", 54, 34, "B", ""), _ENTRY_SEQ],
    "16": [("receiver_city_state", 4, 35, "A", ""),
           ("receiver_country_postal", 39, 35, "A", ""),
           ("reserved", 74, 14, "B", ""), _ENTRY_SEQ],
    "17": [("payment_related_information", 4, 80, "A", ""),
           ("addenda_sequence", 84, 4, "N", "computed"), _ENTRY_SEQ],
    "18": [("correspondent_name", 4, 35, "A", ""),
           ("correspondent_id_qualifier", 39, 2, "A", ""),
           ("correspondent_identification", 41, 34, "A", ""),
           ("correspondent_branch_country", 75, 3, "A", ""),
           ("reserved", 78, 6, "B", ""),
           ("addenda_sequence", 84, 4, "N", "computed"), _ENTRY_SEQ],
}
for _code, _rows in IAT_ADDENDA.items():
    _rows[:0] = [("record_type", 1, 1, "N", "=7"), ("addenda_type", 2, 2, "N", f"={_code}")]

BATCH_CONTROL: list[Row] = [
    ("record_type", 1, 1, "N", "=8"),
    ("service_class_code", 2, 3, "N", ""),
    ("entry_addenda_count", 5, 6, "N", "computed"),
    ("entry_hash", 11, 10, "N", "computed"),
    ("total_debit", 21, 12, "N", "computed"),
    ("total_credit", 33, 12, "N", "computed"),
    ("company_id", 45, 10, "A", ""),
    ("message_authentication_code", 55, 19, "A", ""),
    ("reserved", 74, 6, "B", ""),
    ("odfi", 80, 8, "N", ""),
    ("batch_number", 88, 7, "N", ""),
]

FILE_CONTROL: list[Row] = [
    ("record_type", 1, 1, "N", "=9"),
    ("batch_count", 2, 6, "N", "computed"),
    ("block_count", 8, 6, "N", "computed"),
    ("entry_addenda_count", 14, 8, "N", "computed"),
    ("entry_hash", 22, 10, "N", "computed"),
    ("total_debit", 32, 12, "N", "computed"),
    ("total_credit", 44, 12, "N", "computed"),
    ("reserved", 56, 39, "B", ""),
]

# Transaction codes (Appendix Three, 3.2.3): second digit 1-4 credit, 5-9 debit.
TRANSACTION_CODES: frozenset[str] = frozenset({
    "21", "22", "23", "24", "26", "27", "28", "29",
    "31", "32", "33", "34", "36", "37", "38", "39",
    "41", "42", "43", "44", "46", "47", "48", "49",
    "51", "52", "53", "54", "55", "56",
})
PRENOTE_CODES = frozenset({"23", "28", "33", "38", "43", "48", "53"})

# Which addenda each SEC code may carry on a forward entry, and how many (Appendix Three 3.1).
# Returns (99) and NOCs (98) may follow any entry.
SEC_ADDENDA: dict[str, tuple[frozenset[str], int]] = {
    "PPD": (frozenset({"05"}), 1),
    "CCD": (frozenset({"05"}), 1),
    "WEB": (frozenset({"05"}), 1),
    "TEL": (frozenset(), 0),
    "CTX": (frozenset({"05"}), 9999),
    "IAT": (frozenset({"10", "11", "12", "13", "14", "15", "16", "17", "18"}), 14),
    "COR": (frozenset({"98"}), 1),
}
IAT_MANDATORY = ("10", "11", "12", "13", "14", "15", "16")
IAT_REPEATS = {"17": 2, "18": 5}

# Service class codes: mixed, credits only, debits only.
SERVICE_CLASSES = frozenset({"200", "220", "225", "280"})
