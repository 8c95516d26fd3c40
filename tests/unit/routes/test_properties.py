"""Properties over random tables: optimal, deterministic, monotone, and the fast search agrees
with the exhaustive one."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.routes import ConnectorHealth, State, explain, parse_table, plan
from hub.routes.planner import _evaluate
from hub.routes.rules import Facts, RuleIndex, match_linear
from hub.routes.table import Conditions, Rule, Weights
from tests.unit.routes.support import message

BANKS = [f"BNK{c}{cc}2XXXX" for c, cc in zip("ABCDEFG", ["GB", "DE", "DE", "FR", "US", "US",
                                                          "NL"], strict=True)]
CONNECTORS = ["swift_gw", "rtgs_gw", "batch_gw", "gate_gw", "telex_gw"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

fee = st.integers(min_value=0, max_value=3000).map(lambda c: str(Decimal(c).scaleb(-2)))


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=3, max_value=len(BANKS)))
    banks = BANKS[:n]
    rails = {
        "swift": {"connector": "swift_gw", "reach": "accounts", "format": "mt103",
                  "settlement_minutes": draw(st.integers(0, 120)), "fixed_fee": draw(fee),
                  "fee_currency": "EUR"},
        "telex": {"connector": "telex_gw", "reach": "accounts", "format": "telex",
                  "timezone": "Europe/London", "open": "09:00", "cutoff": "16:00",
                  "calendar": "GB-ENG", "settlement_minutes": 240, "fixed_fee": draw(fee),
                  "fee_currency": "EUR", "max_amount": {"EUR": "250000", "USD": "250000"}},
        "rtgs": {"connector": "rtgs_gw", "reach": "members", "format": "pacs.008",
                 "currencies": ["EUR"], "timezone": "Europe/Berlin", "open": "07:00",
                 "cutoff": "17:00", "calendar": "ECB", "settlement_minutes": 1,
                 "fixed_fee": draw(fee)},
        "batch": {"connector": "batch_gw", "reach": "members", "format": "pacs.008",
                  "kinds": ["customer_credit_transfer"], "currencies": ["EUR", "USD"],
                  "timezone": "America/New_York", "open": "21:00", "cutoff": "16:45",
                  "calendar": "FED", "settlement_days": 1, "fixed_fee": draw(fee)},
        "gate": {"connector": "gate_gw", "reach": "open", "format": "json",
                 "currencies": ["EUR", "USD"], "countries": ["US", "FR", "NL"],
                 "settlement_days": draw(st.integers(0, 2)), "fixed_fee": draw(fee),
                 "bps_fee": str(draw(st.integers(0, 300))), "fx_spread_bps": "50",
                 "max_amount": {"EUR": "20000"}},
    }
    member = st.lists(st.sampled_from(["rtgs", "batch", "swift", "telex"]), unique=True)
    bank_data: dict[str, dict[str, Any]] = {}
    for i, bic in enumerate(banks):
        own = draw(member)
        if i == 0:
            own = [*own, "gate"]
        bank_data[bic] = {"rails": own}
    bank_data[banks[0]]["fx_spread_bps"] = "10"
    pairs = st.tuples(st.sampled_from(banks), st.sampled_from(banks)).filter(
        lambda p: p[0] != p[1])
    accounts = []
    for holder, owner in draw(st.lists(pairs, max_size=10, unique=True)):
        accounts.append({
            "holder": holder, "owner": owner, "currency": draw(st.sampled_from(["EUR", "USD"])),
            "rails": draw(st.sampled_from([["swift"], ["telex"], ["swift", "telex"]])),
            "fixed_fee": draw(fee), "latency_minutes": draw(st.integers(0, 180))})
    rules = []
    if draw(st.booleans()):
        rules.append({"id": "policy", "when": {"currency": ["EUR"]},
                      "weights": {"cost": draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
                                  "time": draw(st.sampled_from([0.0, 0.1, 1.0, 10.0])),
                                  "reliability": 50.0},
                      "same_day": draw(st.booleans())})
        if draw(st.booleans()):
            rules[-1]["prefer_rails"] = [draw(st.sampled_from(sorted(rails)))]
            rules[-1]["bonus"] = draw(st.sampled_from([0.5, 5.0, 50.0]))
    if draw(st.booleans()):
        rules.append({"id": "guard", "when": {"min_amount": "50000"},
                      "forbid_rails": [draw(st.sampled_from(sorted(rails)))]})
    return {"our_bic": banks[0], "fx": {"USD": "0.9"},
            "objective": {"cost": 1.0, "time": draw(st.sampled_from([0.0, 0.5, 2.0])),
                          "reliability": 100.0},
            "rails": rails, "banks": bank_data, "correspondents": accounts, "rules": rules}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], Any, datetime, dict[str, ConnectorHealth]]:
    data = draw(tables())
    banks = list(data["banks"])
    receiver = draw(st.sampled_from(banks[1:]))
    currency = draw(st.sampled_from(["EUR", "USD"]))
    amount = str(Decimal(draw(st.integers(1, 10_000_000))).scaleb(-2))
    instructed = draw(st.sampled_from([None, None, "EUR", "USD"]))
    kind = draw(st.sampled_from(["customer_credit_transfer", "fi_credit_transfer"]))
    m = message(currency, amount, receiver, kind=kind, instructed_currency=instructed)
    at = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    health = {name: ConnectorHealth(state=draw(st.sampled_from(list(State))),
                                    success_rate=draw(st.sampled_from([0.5, 0.9, 1.0])))
              for name in draw(st.lists(st.sampled_from(CONNECTORS), unique=True))}
    return data, m, at, health


@SETTINGS
@given(cases())
def test_chosen_is_never_worse_than_an_alternative(case: Any) -> None:
    data, m, at, health = case
    p = plan(m, parse_table(data), at=at, health=health)
    if p.chosen is None:
        assert not p.alternatives
        return
    scores = [p.chosen.score] + [a.score for a in p.alternatives]
    assert scores == sorted(scores)
    for r in p.rejected:  # outranked candidates scored no better either
        if r.score is not None:
            assert r.score >= p.chosen.score


@SETTINGS
@given(cases())
def test_fast_search_agrees_with_the_exhaustive_one(case: Any) -> None:
    data, m, at, health = case
    table = parse_table(data)
    fast = plan(m, table, at=at, health=health).chosen
    full = _evaluate(table, m, at, health, frozenset(), full=True, keep=1)[0]
    assert (fast is None) == (full is None)
    if fast is not None and full is not None:
        assert (fast.id, fast.score) == (full.id, full.score)


@SETTINGS
@given(cases())
def test_plan_is_deterministic(case: Any) -> None:
    data, m, at, health = case
    first = explain(plan(m, parse_table(copy.deepcopy(data)), at=at, health=health))
    table = parse_table(data)
    assert explain(plan(m, table, at=at, health=health)) == first
    assert explain(plan(m, table, at=at, health=health)) == first


@SETTINGS
@given(cases(), st.data())
def test_removing_an_edge_never_makes_the_choice_better(case: Any, data: st.DataObject) -> None:
    table_data, m, at, health = case
    if not table_data["correspondents"]:
        return
    before = plan(m, parse_table(table_data), at=at, health=health).chosen
    smaller = copy.deepcopy(table_data)
    del smaller["correspondents"][data.draw(
        st.integers(0, len(smaller["correspondents"]) - 1))]
    after = plan(m, parse_table(smaller), at=at, health=health).chosen
    if before is None:
        assert after is None
    elif after is not None:
        assert after.score >= before.score - 1e-9


values = st.frozensets(st.sampled_from(["A", "B", "C"]), max_size=2)
bics = st.frozensets(st.sampled_from(["BNKADEFF", "BNKADEFFXXX", "BNKBFRPPXXX"]), max_size=2)
amounts = st.none() | st.integers(0, 100).map(Decimal)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(values, bics, amounts, amounts, st.booleans()), max_size=12),
       st.sampled_from(["A", "B", "C", ""]),
       st.sampled_from(["BNKADEFFXXX", "BNKADEFF500", "BNKBFRPPXXX", None]),
       st.integers(0, 100))
def test_rule_index_agrees_with_the_linear_scan(specs: Any, currency: str, receiver: Any,
                                                amount: int) -> None:
    rules = [Rule(id=f"r{i}", index=i, priority=i,
                  when=Conditions(currencies=cur, receiver_bics=rb, min_amount=lo,
                                  max_amount=hi),
                  weights=None if guard else Weights(), forbid_all=guard)
             for i, (cur, rb, lo, hi, guard) in enumerate(specs)]
    f = Facts(kind="customer_credit_transfer", currency=currency, source_currency=currency,
              amount=Decimal(amount), sender=None, receiver=receiver,
              receiver_country=receiver[4:6] if receiver else None, priority=None,
              purposes=())
    assert RuleIndex(rules).match(f) == match_linear(rules, f)
