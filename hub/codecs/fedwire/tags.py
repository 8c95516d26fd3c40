"""Fedwire Funds Service FAIM tags (FAIM 3rd edition, format version 30) as a table.

Each tag lists its elements in order as (name, length, kind): kind "f" is fixed width (exactly
`length` characters, no delimiter), "v" is variable (up to `length` characters, ended by `*` or
by reaching `length`; senders that pad to the full width without `*` are read the same way).
"""

from __future__ import annotations

FAIM_VERSION = "30"
FAIM_EDITION = "FAIM 3rd edition"

Element = tuple[str, int, str]

_FI = [("id_code", 1, "f"), ("identifier", 34, "v"), ("name", 35, "v"),
       ("address_1", 35, "v"), ("address_2", 35, "v"), ("address_3", 35, "v")]
_FI_INFO = [("line_1", 30, "v"), *[(f"line_{i}", 33, "v") for i in range(2, 7)]]
_ADVICE = [("advice_code", 3, "f"), ("line_1", 26, "v"),
           *[(f"line_{i}", 33, "v") for i in range(2, 7)]]
_LINES35 = [(f"line_{i}", 35, "v") for i in range(1, 7)]


def _swift(lines: int) -> list[Element]:
    return [("swift_tag", 5, "v"), *[(f"line_{i}", 35, "v") for i in range(1, lines + 1)]]


def _remit_amount() -> list[Element]:
    return [("currency", 3, "f"), ("amount", 19, "v")]


_ADDRESS = [("address_type", 4, "v"), ("department", 70, "v"), ("sub_department", 70, "v"),
            ("street_name", 70, "v"), ("building_number", 16, "v"), ("post_code", 16, "v"),
            ("town_name", 35, "v"), ("country_sub_division", 35, "v"), ("country", 2, "v"),
            *[(f"address_line_{i}", 70, "v") for i in range(1, 8)]]

TAGS: dict[str, tuple[str, list[Element]]] = {
    # Fed-appended (output) tags
    "1100": ("message disposition", [("format_version", 2, "f"), ("test_production", 1, "f"),
                                     ("duplication_code", 1, "f"), ("status_indicator", 1, "f")]),
    "1110": ("receipt time stamp", [("date", 4, "f"), ("time", 4, "f"),
                                    ("application_id", 4, "f")]),
    "1120": ("output message accountability data (OMAD)", [
        ("cycle_date", 8, "f"), ("destination_id", 8, "f"), ("sequence", 6, "f"),
        ("date", 4, "f"), ("time", 4, "f"), ("application_id", 4, "f")]),
    "1130": ("error", [("category", 1, "f"), ("code", 3, "f"), ("description", 35, "v")]),
    # mandatory for every message
    "1500": ("sender supplied information", [
        ("format_version", 2, "f"), ("user_request_correlation", 8, "f"),
        ("test_production", 1, "f"), ("duplication_code", 1, "f")]),
    "1510": ("type/subtype", [("type_code", 2, "f"), ("subtype_code", 2, "f")]),
    "1520": ("input message accountability data (IMAD)", [
        ("cycle_date", 8, "f"), ("source", 8, "f"), ("sequence", 6, "f")]),
    "2000": ("amount", [("amount", 12, "f")]),
    "3100": ("sender depository institution", [("aba", 9, "f"), ("short_name", 18, "v")]),
    "3400": ("receiver depository institution", [("aba", 9, "f"), ("short_name", 18, "v")]),
    "3600": ("business function code", [("code", 3, "f"), ("transaction_type", 3, "v")]),
    # other transfer information
    "3320": ("sender reference", [("reference", 16, "v")]),
    "3500": ("previous message identifier", [("imad", 22, "v")]),
    "3610": ("local instrument", [("code", 4, "f"), ("proprietary_code", 35, "v")]),
    "3620": ("payment notification", [
        ("indicator", 1, "f"), ("electronic_address", 2048, "v"), ("contact_name", 140, "v"),
        ("phone", 35, "v"), ("mobile", 35, "v"), ("fax", 35, "v"), ("end_to_end_id", 35, "v")]),
    "3700": ("charges", [("details", 1, "f"), ("senders_charges_1", 15, "v"),
                         ("senders_charges_2", 15, "v"), ("senders_charges_3", 15, "v"),
                         ("senders_charges_4", 15, "v")]),
    "3710": ("instructed amount", [("currency", 3, "f"), ("amount", 15, "v")]),
    "3720": ("exchange rate", [("rate", 12, "v")]),
    # beneficiary information
    "4000": ("intermediary FI", _FI),
    "4100": ("beneficiary's FI", _FI),
    "4200": ("beneficiary", _FI),
    "4320": ("reference for beneficiary", [("reference", 16, "v")]),
    "4400": ("account debited in drawdown", _FI),
    # originator information
    "5000": ("originator", _FI),
    "5010": ("originator option F", [("party_identifier", 35, "v"), ("name", 35, "v"),
                                     ("line_1", 35, "v"), ("line_2", 35, "v"),
                                     ("line_3", 35, "v")]),
    "5100": ("originator's FI", _FI),
    "5200": ("instructing FI", _FI),
    "5400": ("account credited in drawdown", [("account", 9, "v")]),
    "6000": ("originator to beneficiary information", _LINES35[:4]),
    # FI to FI information
    "6100": ("receiver FI information", _FI_INFO),
    "6110": ("drawdown debit account advice information", _ADVICE),
    "6200": ("intermediary FI information", _FI_INFO),
    "6210": ("intermediary FI advice information", _ADVICE),
    "6300": ("beneficiary's FI information", _FI_INFO),
    "6310": ("beneficiary's FI advice information", _ADVICE),
    "6400": ("beneficiary information", _FI_INFO),
    "6410": ("beneficiary advice information", _ADVICE),
    "6420": ("method of payment to beneficiary", [("method", 5, "f"),
                                                  ("additional_information", 30, "v")]),
    "6500": ("FI to FI information", _LINES35),
    # cover payment information: the underlying customer transfer, one MT 202 COV sequence B
    # field each (33B, 50a, 52a, 56a, 57a, 59a, 70, 72), its SWIFT field tag first (cover.py)
    "7033": ("currency instructed amount", [("swift_tag", 5, "v"), ("amount", 18, "v")]),
    "7050": ("ordering customer", _swift(5)),
    "7052": ("ordering institution", _swift(5)),
    "7056": ("intermediary institution", _swift(5)),
    "7057": ("account with institution", _swift(5)),
    "7059": ("beneficiary customer", _swift(5)),
    "7070": ("remittance", _swift(4)),
    "7072": ("sender to receiver information", _swift(6)),
    # unstructured addenda and related remittance
    "8200": ("unstructured addenda", [("length", 4, "f"), ("addenda", 8994, "v")]),
    "8250": ("related remittance information", [
        ("remittance_id", 35, "v"), ("method", 4, "v"), ("electronic_address", 2048, "v"),
        ("name", 140, "v"), *_ADDRESS]),
    # structured remittance
    "8300": ("remittance originator", [
        ("id_type", 2, "f"), ("id_code", 4, "f"), ("name", 140, "v"), ("id_number", 35, "v"),
        ("id_issuer", 35, "v"), ("birth_date_place", 82, "v"), *_ADDRESS,
        ("country_of_residence", 2, "v"), ("contact_name", 140, "v"), ("phone", 35, "v"),
        ("mobile", 35, "v"), ("fax", 35, "v"), ("electronic_address", 2048, "v"),
        ("contact_other", 35, "v")]),
    "8350": ("remittance beneficiary", [
        ("name", 140, "v"), ("id_type", 2, "v"), ("id_code", 4, "v"), ("id_number", 35, "v"),
        ("id_issuer", 35, "v"), ("birth_date_place", 82, "v"), *_ADDRESS,
        ("country_of_residence", 2, "v")]),
    "8400": ("primary remittance document", [
        ("document_type", 4, "f"), ("proprietary_type", 35, "v"), ("document_id", 35, "v"),
        ("issuer", 35, "v")]),
    "8450": ("actual amount paid", _remit_amount()),
    "8500": ("gross amount of remittance document", _remit_amount()),
    "8550": ("amount of negotiated discount", _remit_amount()),
    "8600": ("adjustment information", [
        ("reason_code", 2, "f"), ("credit_debit", 4, "f"), ("currency", 3, "f"),
        ("amount", 19, "v"), ("additional_information", 140, "v")]),
    "8650": ("date of remittance document", [("date", 8, "f")]),
    "8700": ("secondary remittance document", [
        ("document_type", 4, "f"), ("proprietary_type", 35, "v"), ("document_id", 35, "v"),
        ("issuer", 35, "v")]),
    "8750": ("remittance free text", [("line_1", 140, "v"), ("line_2", 140, "v"),
                                      ("line_3", 140, "v")]),
    # service message
    "9000": ("service message", [(f"line_{i}", 35, "v") for i in range(1, 13)]),
}

MANDATORY = ("1500", "1510", "1520", "2000", "3100", "3400", "3600")
OUTPUT_TAGS = frozenset({"1100", "1110", "1120", "1130"})
