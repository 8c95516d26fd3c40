"""The fast translation path agrees with the reference one.

- `translate` (the written tree read back, no XSD) and `translate(..., verify=True)` (the bytes
  decoded again with the XSD, as their receiver would) give the same output, report and
  diagnostics: on every sample pair, both directions, and on generated messages.
- `compare` (equal fields skipped first) reports what `compare_all` (the canonical JSON walked
  key by key) reports, on every pair of decoded samples and on generated pairs.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub import codecs
from hub.codecs.base import Options
from hub.codecs.translate import compare, compare_all, translate
from hub.errors import Diagnostic, HubError
from hub.model import Agent, Message, Money, Party, to_data
from tests.support import vector_files
from tests.unit.iso20022.strategies import pacs008_message
from tests.unit.translate.test_translate import MT_OF, target_of

PAIRS = vector_files("iso20022", "samples", "cbpr-mt-mx", pattern="*.fin")
MX_SAMPLES = vector_files("iso20022", "samples", pattern="**/*.xml")
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _view(found: list[Diagnostic]) -> list[tuple[str, str, str, str]]:
    return [(d.code, d.message, d.location, d.severity.value) for d in found]


def _agree(raw: bytes, target: str, options: Options, **kwargs: Any) -> None:
    fast = translate(raw, target, options=options, **kwargs)
    reference = translate(raw, target, options=options, verify=True, **kwargs)
    assert fast.output == reference.output
    assert _view(fast.report) == _view(reference.report)
    assert _view(fast.diagnostics) == _view(reference.diagnostics)


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_mt_to_mx_agrees_with_verify(path: Path, options: Options) -> None:
    _agree(path.read_bytes(), target_of(path), options)
    _agree(path.read_bytes(), target_of(path), replace(options, profile="cbpr"))


@pytest.mark.parametrize("path", [p for p in MX_SAMPLES if p.parent.name == "cbpr-mt-mx"],
                         ids=lambda p: p.stem)
def test_mx_to_mt_agrees_with_verify(path: Path, options: Options) -> None:
    _agree(path.read_bytes(), MT_OF[target_of(path)], options)


def _fits_mt(message: Message) -> Message:
    """What an MT103 carries in full (as in test_translate's property test)."""
    def party(p: Party | None) -> Party | None:
        if p is None:
            return None
        address = p.address and replace(p.address, street_name=None, post_code=None,
                                        lines=p.address.lines[:1])
        return replace(p, name=(p.name or "")[:30].strip(), address=address,
                       account=p.account or "12345678")
    return replace(message, instruction_id=(message.instruction_id or "REF")[:16],
                   remittance_info=None, intermediary_agents=message.intermediary_agents[:1],
                   purpose=None, debtor=party(message.debtor), creditor=party(message.creditor))


class _Clock(datetime):
    """A clock that stands still: an MT without a header date gets CreDtTm 'now'."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Clock:
        return cls(2026, 11, 16, 9, 30, tzinfo=tz)


@SETTINGS
@given(pacs008_message())
def test_generated_mt103_agrees_with_verify(options: Options, monkeypatch: pytest.MonkeyPatch,
                                            message: Message) -> None:
    monkeypatch.setattr("hub.codecs.iso20022.codec.datetime", _Clock)
    mt = codecs.encode(_fits_mt(message), "mt103")
    _agree(mt, "pacs.008", options, from_format="mt103")


# --- compare against compare_all --------------------------------------------------------------

def _decoded_samples(options: Options) -> list[Message]:
    found: list[Message] = []
    for path in MX_SAMPLES:
        found.extend(codecs.decode(path.read_bytes(), options=options).messages)
    return found


def test_compare_equals_compare_all_on_every_pair_of_samples(options: Options) -> None:
    messages = _decoded_samples(options)
    if not messages:
        pytest.skip("shared vectors not present")
    for a, b in itertools.product(messages, repeat=2):
        assert _view(compare(a, b, "x")) == _view(compare_all(a, b, "x"))


def test_compare_sees_an_instant_written_at_another_offset(options: Options) -> None:
    message = _decoded_samples(options)[0]
    assert message.created_at is not None
    moved = replace(message, created_at=message.created_at.astimezone(
        timezone(timedelta(hours=5))))
    assert moved == message  # the same instant ...
    found = compare(message, moved, "x")  # ... written differently
    assert _view(found) == _view(compare_all(message, moved, "x"))
    assert [d.code for d in found] == ["XLATE.CHANGED"]
    cover = next((m for m in _decoded_samples(options) if m.underlying is not None), None)
    if cover is not None and cover.underlying is not None:
        inner = replace(cover.underlying, created_at=message.created_at)
        moved_inner = replace(inner, created_at=moved.created_at)
        a, b = replace(cover, underlying=inner), replace(cover, underlying=moved_inner)
        assert _view(compare(a, b, "x")) == _view(compare_all(a, b, "x")) != []


@SETTINGS
@given(pacs008_message(), pacs008_message(), st.data())
def test_compare_equals_compare_all_on_generated_pairs(first: Message, second: Message,
                                                       data: st.DataObject) -> None:
    # a mix: some fields of the first, some of the second, some cut with '+' or emptied
    changes = {}
    for name in ("uetr", "message_id", "end_to_end_id", "amount", "debtor", "creditor",
                 "intermediary_agents", "remittance_info", "extra", "charge_bearer"):
        pick = data.draw(st.sampled_from(["keep", "other", "none"]))
        if pick == "other":
            changes[name] = getattr(second, name)
        elif pick == "none" and name not in ("extra", "intermediary_agents"):
            changes[name] = None
    if data.draw(st.booleans()) and first.remittance_info:
        changes["remittance_info"] = first.remittance_info[:5] + "+"
    if data.draw(st.booleans()):
        changes["debtor_agent"] = Agent(bic=(first.debtor_agent.bic or "")[:8] or None) \
            if first.debtor_agent else None
    if data.draw(st.booleans()) and first.amount is not None:
        changes["amount"] = Money(value=first.amount.value, currency=first.amount.currency)
    result = replace(first, **changes)
    assert _view(compare(first, result, "pacs.008")) == _view(
        compare_all(first, result, "pacs.008"))


# --- the replace of the canonical types -------------------------------------------------------

@SETTINGS
@given(pacs008_message())
def test_replace_equals_dataclasses_replace(message: Message) -> None:
    import dataclasses

    from hub.codecs.translate import replace as fast_replace
    changes: dict[str, Any] = {"message_id": "OTHER", "narrative": None,
                               "intermediary_agents": ()}
    assert to_data(fast_replace(message, **changes)) == to_data(
        dataclasses.replace(message, **changes))
    if message.debtor is not None:
        assert fast_replace(message.debtor, bic="BANKGB2LXXX") == dataclasses.replace(
            message.debtor, bic="BANKGB2LXXX")
    agent = Agent(bic="BANKGB2L", name="Bank")
    assert fast_replace(agent, bic="BANKGB2LXXX") == dataclasses.replace(agent,
                                                                       bic="BANKGB2LXXX")
    with pytest.raises(HubError):  # the constructor's checks still run
        fast_replace(agent, bic="not a bic")


def test_bic8_agents_become_bic11_agents() -> None:
    import dataclasses

    from hub.codecs.iso20022.components import bic_agent
    from hub.codecs.translate import _bic11
    alone = Agent(bic="BANKGB2L")
    assert _bic11(alone) == dataclasses.replace(alone, bic="BANKGB2LXXX")
    assert _bic11(alone) is bic_agent("BANKGB2LXXX")  # a BIC alone: the one shared agent
    named = Agent(bic="BANKGB2L", name="Bank", account="12345678")
    assert _bic11(named) == dataclasses.replace(named, bic="BANKGB2LXXX")
    eleven = Agent(bic="BANKGB2LXXX")
    assert _bic11(eleven) is eleven and _bic11(None) is None
