"""Money: a Decimal amount in a currency, never a float.

The currency table is ISO 4217 List One (data/iso4217.csv, provenance in its header). A few
digital assets that rails in the hub settle in are added with their ledger precision.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

from hub.errors import ModelError
from hub.model.construct import direct_init


def _load_iso4217() -> dict[str, int]:
    text = resources.files("hub.model").joinpath("data/iso4217.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["code"]: int(row["minor_units"]) for row in rows}


ISO4217: dict[str, int] = _load_iso4217()
"""ISO 4217 code -> minor units; -1 where the standard gives none (funds, metals)."""

# Ledger precisions of the digital assets the hub's chain rails carry (not ISO 4217 codes).
DIGITAL_ASSETS: dict[str, int] = {"XRP": 6, "NVCT": 6}

MINOR_UNITS: dict[str, int] = {**ISO4217, **DIGITAL_ASSETS}


_QUANTUM: dict[int, Decimal] = {units: Decimal(1).scaleb(-units) for units in range(0, 19)}
"""Decimal('0.01') for 2 minor units ...: the step a currency's amounts are quantised to."""
_ONE = _QUANTUM[0]


def minor_units(currency: str) -> int:
    """The currency's number of decimals; raises ModelError for unknown or unit-less codes."""
    units = MINOR_UNITS.get(currency)
    if units is None:
        raise ModelError(f"{currency!r} is not an ISO 4217 currency code", code="MODEL.CURRENCY")
    if units < 0:
        raise ModelError(f"{currency} has no minor unit and cannot carry a payment amount",
                         code="MODEL.CURRENCY")
    return units


def is_currency(code: str) -> bool:
    return MINOR_UNITS.get(code, -1) >= 0


@direct_init
@dataclass(frozen=True, kw_only=True, slots=True)
class Money:
    value: Decimal
    currency: str

    def __post_init__(self) -> None:
        value = self.value
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ModelError(f"amount {value!r} is not a finite Decimal", code="MODEL.AMOUNT",
                             location="amount.value")
        if value.is_signed() and value < 0:  # -0 is signed, not negative
            raise ModelError(f"amount {value} is negative", code="MODEL.AMOUNT",
                             location="amount.value")
        units = MINOR_UNITS.get(self.currency, -1)
        if units < 0:
            units = minor_units(self.currency)  # raises, saying why
        quantum = _QUANTUM[units]
        if value.same_quantum(_ONE) or value.same_quantum(quantum):
            return  # the usual exponents, whole units or the minor unit: nothing to round
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > units and value != value.quantize(quantum):
            raise ModelError(
                f"{value} has more decimals than {self.currency} allows ({units})",
                code="MODEL.MINOR_UNITS", location="amount.value")

    @classmethod
    def parse(cls, value: str | int | Decimal, currency: str) -> Money:
        """From a string such as '1234.50' (dot decimal); rejects floats by type."""
        if isinstance(value, float):
            raise ModelError("amounts are never floats", code="MODEL.AMOUNT")
        try:
            return cls(value=Decimal(value), currency=currency)
        except InvalidOperation:
            raise ModelError(f"{value!r} is not a number", code="MODEL.AMOUNT",
                             location="amount.value") from None

    @property
    def minor(self) -> int:
        """The amount in minor units (cents), as an int."""
        return int(self.value.scaleb(minor_units(self.currency)))

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(value=Decimal(minor).scaleb(-minor_units(currency)), currency=currency)

    def text(self) -> str:
        """The value written with exactly the currency's decimals: '1234.50'."""
        return str(self.value.quantize(_QUANTUM[minor_units(self.currency)]))

    def __str__(self) -> str:
        return f"{self.currency} {self.text()}"
