"""Fedwire business function code rules as tables (FAIM 3rd edition, format version 30).

For each business function code ({3600}): the type/subtype codes ({1510}) it may travel with,
the tags it requires and the tags it forbids. Tag dependencies ("if {6420} is present, {6410}
and {4200} must be") and the local instrument rules of CTP ({3610}) are tables too. A required
entry "5000|5010" is satisfied by either tag.
"""

from __future__ import annotations

COVER_TAGS = frozenset({"7033", "7050", "7052", "7056", "7057", "7059", "7070", "7072"})
STRUCTURED_REMITTANCE = frozenset({"8300", "8350", "8400", "8450", "8500", "8550", "8600",
                                   "8650", "8700", "8750"})
REMITTANCE_TAGS = STRUCTURED_REMITTANCE | {"8200", "8250"}
DRAWDOWN_TAGS = frozenset({"4400", "5400", "6110"})
CTP_ONLY = frozenset({"3610", "3620", "5010"})
FX_TAGS = frozenset({"3700", "3710", "3720"})
SERVICE = frozenset({"9000"})

_TRANSFER = ("1000", "1002", "1008", "1500", "1502", "1508", "1600", "1602", "1608")
_SETTLEMENT = ("1600", "1602", "1608")

# code: (meaning, type/subtypes, required tags, prohibited tags)
BUSINESS_FUNCTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], frozenset[str]]] = {
    "BTR": ("bank transfer", _TRANSFER, (),
            CTP_ONLY | FX_TAGS | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "CKS": ("check same day settlement", _SETTLEMENT, (),
            CTP_ONLY | FX_TAGS | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "DEP": ("deposit to sender's account", _SETTLEMENT, (),
            CTP_ONLY | FX_TAGS | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "FFR": ("fed funds returned", _SETTLEMENT, (),
            CTP_ONLY | FX_TAGS | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "FFS": ("fed funds sold", _SETTLEMENT, (),
            CTP_ONLY | FX_TAGS | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "CTR": ("customer transfer", _TRANSFER, ("4200", "5000|5100"),
            CTP_ONLY | DRAWDOWN_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "CTP": ("customer transfer plus",
            ("1000", "1001", "1002", "1007", "1008", "1500", "1501", "1502", "1507", "1508",
             "1600", "1601", "1602", "1607", "1608"),
            ("3610", "4200", "5000|5010"),
            DRAWDOWN_TAGS | SERVICE | {"6100"}),
    "DRW": ("drawdown payment request", ("1032", "1632"), ("4200", "5000"),
            CTP_ONLY | FX_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "DRB": ("bank-to-bank drawdown request", ("1631", "1633"), ("4400", "5400"),
            CTP_ONLY | FX_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "DRC": ("customer or corporate drawdown request", ("1031", "1033"),
            ("4200", "4400", "5400"),
            CTP_ONLY | FX_TAGS | SERVICE | COVER_TAGS | REMITTANCE_TAGS),
    "SVC": ("service message",
            ("1001", "1007", "1033", "1090", "1501", "1507", "1590", "1601", "1607", "1633",
             "1690"), (),
            CTP_ONLY | FX_TAGS | COVER_TAGS | REMITTANCE_TAGS),
}

# {3600} element 02, the transaction type code -> the values each code refuses (None: any).
# CTR may carry one but not COV: since FAIM 3.0 a cover payment is a CTP with local instrument
# COVS, its underlying customer transfer in {7033}-{7072}. CTP and SVC carry none.
TRANSACTION_TYPES_REFUSED: dict[str, frozenset[str] | None] = {
    "CTR": frozenset({"COV"}),
    "CTP": None,
    "SVC": None,
}

# tag present -> tags that must be present too
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "3720": ("3710",),
    "4000": ("4100", "4200"),
    "4100": ("4200",),
    "5100": ("5000|5010",),
    "5200": ("5000|5010", "5100"),
    "6000": ("4200", "5000|5010"),
    "6200": ("4000", "4100", "4200"),
    "6210": ("4000", "4100", "4200"),
    "6300": ("4100", "4200"),
    "6310": ("4100", "4200"),
    "6400": ("4200",),
    "6410": ("4200",),
    "6420": ("6410", "4200"),
}

# CTP local instrument ({3610}) -> (required tags, extra tags it permits). COVS (sequence B
# cover payment structured): the reference for the beneficiary, and the ordering and the
# beneficiary customer of the underlying transfer are mandatory; every cover tag is permitted.
UNSTRUCTURED = ("ANSI", "GXML", "IXML", "NARR", "S820", "SWIF", "UEDI")
LOCAL_INSTRUMENTS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "COVS": (("4320", "7050", "7059"), COVER_TAGS),
    "RMTS": (("8300", "8350", "8400", "8450"), STRUCTURED_REMITTANCE),
    "RRMT": (("8250",), frozenset({"8250"})),
    "PROP": ((), frozenset()),
    **{code: (("8200",), frozenset({"8200"})) for code in UNSTRUCTURED},
}
# under COVS charges, the instructed amount and the exchange rate are the underlying
# transfer's: they travel in the cover tags ({7033}) instead
LOCAL_PROHIBITED: dict[str, frozenset[str]] = {"COVS": FX_TAGS}
