"""The dispatcher's policy: retries with backoff, dead letters, fallback, exactly-once sends."""

from __future__ import annotations

import pytest

from hub.connectors.base import Outcome
from hub.dispatch import Dispatcher, Policy, backoff
from hub.errors import ConnectorError
from hub.journal import Journal, NewEvent, OutboxRow
from hub.metrics import Metrics
from hub.model import Message, State
from hub.pipeline import Pipeline, Submission
from hub.router import NoRoute, RouteChoice, StaticPlanner
from hub.testing import ScriptedConnector
from tests.integration.core.test_journal import payment

FAST = Policy(max_attempts=3, base_delay=0.0, max_delay=0.0, poll_interval=0.01)


async def submit(journal: Journal) -> str:
    p = Pipeline(journal, StaticPlanner("bank"), metrics=Metrics(), our_bic="NVCHGB2LXXX")
    return (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0].message_id


async def drain(d: Dispatcher, journal: Journal, rounds: int = 10) -> None:
    for _ in range(rounds):
        items = await journal.claim("w", 64, 60_000_000)
        if items:
            await d.dispatch(items)


async def test_success_marks_dispatched_with_reference(journal: Journal) -> None:
    bank = ScriptedConnector("bank")
    d = Dispatcher(journal, {"bank": bank}, metrics=Metrics(), policy=FAST, worker="w")
    message_id = await submit(journal)
    await drain(d, journal)
    record = await journal.get(message_id)
    assert record is not None and record.state is State.DISPATCHED
    assert record.external_ref == "bank:1"
    assert len(bank.sent) == 1 and bank.sent[0].message.amount is not None


async def test_retryable_failures_retry_then_succeed(journal: Journal) -> None:
    bank = ScriptedConnector("bank", [ConnectorError("busy"), ConnectorError("busy")])
    d = Dispatcher(journal, {"bank": bank}, metrics=Metrics(), policy=FAST, worker="w")
    message_id = await submit(journal)
    await drain(d, journal)
    events = [e.type for e in await journal.events(message_id)]
    assert events[-3:] == ["send_failed", "send_failed", "dispatched"]
    assert (await journal.get(message_id)).state is State.DISPATCHED  # type: ignore[union-attr]


async def test_exhausted_retries_dead_letter_and_can_be_redriven(journal: Journal) -> None:
    bank = ScriptedConnector("bank", [ConnectorError("down")] * 3)
    d = Dispatcher(journal, {"bank": bank}, metrics=Metrics(), policy=FAST, worker="w")
    message_id = await submit(journal)
    await drain(d, journal)
    assert (await journal.get(message_id)).state is State.DEAD  # type: ignore[union-attr]
    assert bank.sent == []
    await journal.append(message_id, NewEvent("retry", State.QUEUED, "op"), expect={State.DEAD},
                         requeue_dead=True)
    await drain(d, journal)
    assert (await journal.get(message_id)).state is State.DISPATCHED  # type: ignore[union-attr]
    assert len(bank.sent) == 1


async def test_final_failure_falls_back_to_the_next_route(journal: Journal) -> None:
    bank = ScriptedConnector("bank", [ConnectorError("refused", retryable=False)])
    backup = ScriptedConnector("backup")

    def reroute(message: Message, exclude: frozenset[str],
                message_id: str) -> tuple[RouteChoice, OutboxRow] | NoRoute:
        if "backup" in exclude:
            return NoRoute("ROUTE.NO_PATH", "none left")
        return (RouteChoice("backup", "json", rule="fallback"),
                OutboxRow("backup", "json", b"{}", f"{message_id}-backup"))

    d = Dispatcher(journal, {"bank": bank, "backup": backup}, metrics=Metrics(), policy=FAST,
                   worker="w", reroute=reroute)
    message_id = await submit(journal)
    await drain(d, journal)
    record = await journal.get(message_id)
    assert record is not None and record.state is State.DISPATCHED
    assert record.connector == "backup"
    assert [e.type for e in await journal.events(message_id)][-2:] == ["rerouted", "dispatched"]
    assert len(backup.sent) == 1 and bank.sent == []


async def test_delivered_outcome_moves_further(journal: Journal) -> None:
    bank = ScriptedConnector("bank", [Outcome.COMPLETED])
    d = Dispatcher(journal, {"bank": bank}, metrics=Metrics(), policy=FAST, worker="w")
    message_id = await submit(journal)
    await drain(d, journal)
    assert (await journal.get(message_id)).state is State.COMPLETED  # type: ignore[union-attr]


def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    policy = Policy(base_delay=1.0, max_delay=10.0)
    assert backoff(1, policy, rng=lambda: 1.0) == pytest.approx(1.0)
    assert backoff(3, policy, rng=lambda: 1.0) == pytest.approx(4.0)
    assert backoff(3, policy, rng=lambda: 0.0) == pytest.approx(2.0)
    assert backoff(20, policy, rng=lambda: 1.0) == pytest.approx(10.0)


async def test_run_loop_sends_and_stops(journal: Journal) -> None:
    import asyncio
    bank = ScriptedConnector("bank")
    d = Dispatcher(journal, {"bank": bank}, metrics=Metrics(), policy=FAST, worker="w")
    task = asyncio.create_task(d.run())
    message_id = await submit(journal)
    d.wake()
    for _ in range(200):
        if bank.sent:
            break
        await asyncio.sleep(0.01)
    d.stop()
    await asyncio.wait_for(task, 5)
    assert bank.sent[0].message_id == message_id



class LatePlanner:
    """Planned an hour ago for a window that has since closed."""

    def choose(self, message: Message, *, at: object,
               exclude: frozenset[str] = frozenset()) -> RouteChoice:
        from datetime import UTC, datetime, timedelta
        departs = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        return RouteChoice("bank", "json", rule="same-day",
                           data={"connector": "bank", "rule": "same-day",
                                 "hops": [{"connector": "bank", "departs": departs}]})


async def test_a_missed_window_is_planned_again(journal: Journal) -> None:
    bank, other = ScriptedConnector("bank"), ScriptedConnector("other")

    def reroute(message: Message, exclude: frozenset[str],
                message_id: str) -> tuple[RouteChoice, OutboxRow] | NoRoute:
        return (RouteChoice("other", "json", rule="next-window", data={"connector": "other"}),
                OutboxRow("other", "json", b"{}", f"{message_id}-other"))

    p = Pipeline(journal, LatePlanner(), metrics=Metrics(), our_bic="NVCHGB2LXXX")
    message_id = (await p.submit(Submission(raw=payment(), channel="api"))).outcomes[0].message_id
    d = Dispatcher(journal, {"bank": bank, "other": other}, metrics=Metrics(), policy=FAST,
                   worker="w", reroute=reroute)
    await drain(d, journal)
    record = await journal.get(message_id)
    assert record is not None and record.connector == "other" and record.state is State.DISPATCHED
    assert [e.type for e in await journal.events(message_id)][-2:] == ["replanned", "dispatched"]
    assert bank.sent == [] and len(other.sent) == 1


class OpenCircuit:
    def allow(self) -> bool:
        return False

    def record_success(self) -> None: ...

    def record_failure(self) -> None: ...


async def test_open_circuit_takes_the_next_route_at_once(journal: Journal) -> None:
    bank, backup = ScriptedConnector("bank"), ScriptedConnector("backup")

    def reroute(message: Message, exclude: frozenset[str],
                message_id: str) -> tuple[RouteChoice, OutboxRow] | NoRoute:
        return (RouteChoice("backup", "json", rule="fallback"),
                OutboxRow("backup", "json", b"{}", f"{message_id}-backup"))

    d = Dispatcher(journal, {"bank": bank, "backup": backup}, metrics=Metrics(), policy=FAST,
                   worker="w", reroute=reroute, breakers={"bank": OpenCircuit()})
    message_id = await submit(journal)
    await drain(d, journal)
    record = await journal.get(message_id)
    assert record is not None and record.connector == "backup"
    assert bank.attempts == 0 and len(backup.sent) == 1
    events = await journal.events(message_id)
    assert [e.type for e in events][-2:] == ["rerouted", "dispatched"]
    assert events[-2].data["code"] == "LINK.CIRCUIT_OPEN"
