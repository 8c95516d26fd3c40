"""The ROUTE.* codes: why a table was refused or a candidate route was set aside.

Registered once here; planner, loader and explain use the constants, never string literals.
"""

from __future__ import annotations

from hub.errors import register

# plan outcomes: reasons a candidate was set aside, and the one for no route at all
NO_PATH = "ROUTE.NO_PATH"
CUTOFF_PASSED = "ROUTE.CUTOFF_PASSED"
NO_WINDOW = "ROUTE.NO_WINDOW"
LIMIT_EXCEEDED = "ROUTE.LIMIT_EXCEEDED"
CURRENCY_UNSUPPORTED = "ROUTE.CURRENCY_UNSUPPORTED"
KIND_UNSUPPORTED = "ROUTE.KIND_UNSUPPORTED"
CONNECTOR_DOWN = "ROUTE.CONNECTOR_DOWN"
FORBIDDEN_BY_RULE = "ROUTE.FORBIDDEN_BY_RULE"
EXCLUDED = "ROUTE.EXCLUDED"
NOT_REACHED = "ROUTE.NOT_REACHED"
NO_SOURCE = "ROUTE.NO_SOURCE"
OUTRANKED = "ROUTE.OUTRANKED"
# table problems, each reported with the path of the offending key
TABLE_INVALID = "ROUTE.TABLE_INVALID"
TABLE_SYNTAX = "ROUTE.TABLE_SYNTAX"
UNKNOWN_KEY = "ROUTE.UNKNOWN_KEY"
MISSING_KEY = "ROUTE.MISSING_KEY"
BAD_VALUE = "ROUTE.BAD_VALUE"
BAD_TIME = "ROUTE.BAD_TIME"
BAD_TIMEZONE = "ROUTE.BAD_TIMEZONE"
BAD_CALENDAR = "ROUTE.BAD_CALENDAR"
UNKNOWN_CONNECTOR = "ROUTE.UNKNOWN_CONNECTOR"
UNKNOWN_BANK = "ROUTE.UNKNOWN_BANK"
UNKNOWN_RAIL = "ROUTE.UNKNOWN_RAIL"
UNKNOWN_CURRENCY = "ROUTE.UNKNOWN_CURRENCY"
NO_RATE = "ROUTE.NO_RATE"
RULE_UNREACHABLE = "ROUTE.RULE_UNREACHABLE"
RULE_OVERLAP = "ROUTE.RULE_OVERLAP"

register({
    NO_PATH: "no route to the creditor agent",
    CUTOFF_PASSED: "cannot settle by the required date: cut-off passed",
    NO_WINDOW: "rail has no operating window within the planning horizon",
    LIMIT_EXCEEDED: "amount outside the rail's or account's limits",
    CURRENCY_UNSUPPORTED: "rail does not carry the currency",
    KIND_UNSUPPORTED: "rail does not carry this kind of message",
    CONNECTOR_DOWN: "connector circuit is open",
    FORBIDDEN_BY_RULE: "a routing rule forbids this route",
    EXCLUDED: "route or connector excluded by the caller",
    NOT_REACHED: "rail does not reach the receiver",
    NO_SOURCE: "no debtor agent and no own BIC to start from",
    OUTRANKED: "usable, but ranked below the routes kept",
    TABLE_INVALID: "routing table invalid",
    TABLE_SYNTAX: "routing table is not valid TOML",
    UNKNOWN_KEY: "unknown key in the routing table",
    MISSING_KEY: "required key missing in the routing table",
    BAD_VALUE: "value not allowed in the routing table",
    BAD_TIME: "not a time of day (HH:MM)",
    BAD_TIMEZONE: "unknown IANA time zone",
    BAD_CALENDAR: "unknown holiday calendar",
    UNKNOWN_CONNECTOR: "rail names an unknown connector",
    UNKNOWN_BANK: "reference to a bank not in the table",
    UNKNOWN_RAIL: "reference to a rail not in the table",
    UNKNOWN_CURRENCY: "not an ISO 4217 currency",
    NO_RATE: "currency has no rate to the base currency",
    RULE_UNREACHABLE: "rule can never match",
    RULE_OVERLAP: "rules of equal priority match the same messages",
})
