"""The composition root and the daemon's life (STYLE §11).

Start: journal → schema check (or migrate) → connectors → pipeline → dispatcher → inbound links →
API last, so /readyz is true only when work can be done. SIGTERM: stop accepting, drain what is
in flight within a timeout, close in reverse order. Background tasks are named and supervised; one
dying stops the hub with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import os
import signal
import socket
import time
import tomllib
from collections.abc import Coroutine
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry

from hub import codecs, recon
from hub.api.app import ApiContext, create_admin, create_api
from hub.api.operations import routes as operation_routes
from hub.callbacks import CallbackSender
from hub.config import Settings
from hub.connectors import Connector, InboundConnector, StatusUpdate, build
from hub.connectors.base import Inbound, Outbound, WebhookReceiver
from hub.connectors.filedrop import write_atomically
from hub.dispatch import Dispatcher, Policy
from hub.errors import ConfigError, Diagnostic, HubError, JournalError
from hub.holds import load_telex_config, telex_release
from hub.interchanges import Interchanges
from hub.journal import Journal, NewEvent, OutboxRow, now_us
from hub.limits import Limits, parse_limits
from hub.metrics import Metrics
from hub.model import Kind, Message, State, can_move, from_data
from hub.operations import Operations
from hub.pipeline import HoldCheck, Pipeline, Rejected, Submission
from hub.router import NoRoute, Planner, RouteChoice, StaticPlanner
from hub.router_table import TablePlanner, explain_raw
from hub.routes import CircuitBreaker, ConnectorHealth, parse_table
from hub.routes import State as BreakerState
from hub.secrets import read as read_secret
from hub.status import OUTCOME_STATES

log = logging.getLogger(__name__)


class Hub:
    def __init__(self, settings: Settings, *, registry: CollectorRegistry | None = None) -> None:
        self.settings = settings
        self.metrics = Metrics(registry)
        self.node = settings.hub.node_id or f"{socket.gethostname()}:{os.getpid()}"
        self.journal: Journal | None = None
        self.connectors: dict[str, Connector] = {}
        self.planner: Planner | None = None
        self.pipeline: Pipeline | None = None
        self.dispatcher: Dispatcher | None = None
        self.breakers: dict[str, CircuitBreaker] = {}
        self.api_app: web.Application | None = None
        self.ack_timeouts: dict[str, float] = {}
        self.callbacks: CallbackSender | None = None
        self.screener: Any = None
        self.limits: Limits | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.runners: list[web.AppRunner] = []
        self.stopping = asyncio.Event()
        self.failure: str | None = None
        self.ready = False
        self.bootstrap_token: str | None = None
        self.api_port: int | None = None
        self.admin_port: int | None = None

    # -- start --------------------------------------------------------------------------------

    async def start(self) -> None:
        s = self.settings
        codecs.configure(schema_dir=Path(s.codecs.schema_dir) if s.codecs.schema_dir else None,
                         lenient=frozenset(s.codecs.lenient))
        codecs.formats()  # import every codec family now, not on the first request
        self.journal = journal = await Journal.open(s.journal_url,
                                                    schema=s.journal.schema or None,
                                                    pool_size=s.journal.pool_size)
        if s.journal.auto_migrate:
            await journal.migrate()
        await journal.check_schema()
        await self._bootstrap_key(journal)
        for name, table in s.connector_tables().items():
            if "ack_timeout" in table:  # the hub's own setting: how long an answer may take
                self.ack_timeouts[name] = float(table.pop("ack_timeout"))
            self.connectors[name] = build(name, table, registry=self.metrics.registry,
                                          lease=journal.lease, seen=journal.input_seen,
                                          alert=self._alert, links=self.connectors,
                                          tx_journal=journal)
        for connector in self.connectors.values():
            await connector.start()
        self.breakers = {name: CircuitBreaker(clock=time.monotonic,
                                              failure_threshold=s.dispatch.breaker_failures,
                                              open_seconds=s.dispatch.breaker_reset)
                         for name in self.connectors}
        self.planner = self._planner()
        self.limits = Limits(parse_limits(s.limits), journal, self.metrics) if s.limits else None
        if self.limits is not None:  # changes approved at run time outlive a restart
            await self.limits.replay()
        self.pipeline = Pipeline(journal, self.planner, metrics=self.metrics, our_bic=s.hub.bic,
                                 batch_max=s.journal.batch_max, on_queued=self._wake,
                                 holds=self._holds(), interchanges=Interchanges(journal),
                                 on_final=self._released, on_credit=self._credited)
        self.pipeline.start()
        self.dispatcher = Dispatcher(
            journal, self.connectors, metrics=self.metrics, worker=self.node,
            policy=s.dispatch,
            breakers=self.breakers, reroute=self._reroute, limits=self.limits)
        await journal.listen_outbox(self._wake)
        self._spawn("dispatcher", self.dispatcher.run())
        for name, connector in self.connectors.items():
            if isinstance(connector, InboundConnector) and _has_inbound(connector):
                self._spawn(f"inbound:{name}", self._inbound(connector))
        self._spawn("health", self._watch_health())
        self._spawn("acks", self._watch_acks())
        c = s.callbacks
        secret = read_secret({"secret_file": c.secret_file or None,
                              "secret_env": c.secret_env or None}, "secret",
                             where="callbacks", required=False)
        self.callbacks = CallbackSender(
            journal, secret, self.metrics, interval=c.interval, timeout=c.timeout,
            policy=Policy(max_attempts=c.max_attempts, base_delay=c.base_delay,
                          max_delay=c.max_delay))
        self._spawn("callbacks", self.callbacks.run())
        for name, connector in self.connectors.items():
            if callable(getattr(connector, "poll", None)):
                self._spawn(f"poll:{name}", self._poll(name, connector))
        if isinstance(self.planner, TablePlanner) and s.routing.watch:
            self._spawn("routing-watch", self._watch_table(self.planner))
        await self._serve()
        # What start-up built (codec tables, compiled schemas, the routing table) lives as long
        # as the process: keep it out of the collector's full passes, which then only walk what
        # requests create.
        gc.freeze()
        self.ready = True
        self.metrics.ready.set(1)
        log.info("hub ready", extra={"action": "hub.ready", "api_port": self.api_port,
                                     "admin_port": self.admin_port, "node": self.node})

    async def open_offline(self) -> None:
        """Journal, planner and renderer without links or listeners: for CLI operations."""
        s = self.settings
        self.journal = journal = await Journal.open(s.journal_url,
                                                    schema=s.journal.schema or None, pool_size=2)
        await journal.check_schema()
        self.planner = self._planner(check_connectors=False)
        self.pipeline = Pipeline(journal, self.planner, metrics=self.metrics, our_bic=s.hub.bic)

    def _planner(self, check_connectors: bool = True) -> Planner:
        table = self.settings.routing.table
        if table:
            planner = TablePlanner.load(Path(table), health=self._health)
            unknown = sorted(set(planner.table.connectors) - set(self.connectors))
            if unknown and check_connectors:
                raise ConfigError(f"routing.table: connectors {', '.join(unknown)} are not "
                                  "configured", location="routing.table")
            return planner
        outbound = [n for n, c in self.settings.connector_tables().items()
                    if c.get("type") == "filedrop" and c.get("outbound")]
        if not outbound:
            raise ConfigError("routing.table: required when no file-drop connector has an "
                              "outbound folder", location="routing.table")
        return StaticPlanner(outbound[0], "json")

    def operations(self) -> Operations:
        assert self.journal is not None and self.pipeline is not None
        assert self.planner is not None
        ops = Operations(self.journal, lambda: self._current_planner(), self.pipeline.render,
                         Decimal(self.settings.operations.four_eyes_amount), wake=self._wake)
        if isinstance(self.planner, TablePlanner) and self.planner.path is not None:
            ops.check_routing = self._check_table
            ops.change_routing = self._write_table
        if self.limits is not None:
            ops.check_limit = self.limits.changed
            ops.change_limit = self.limits.change
        ops.current = self._current_setting
        return ops

    def _current_setting(self, action: str, target: str) -> Any:
        if action == "routing_change" and isinstance(self.planner, TablePlanner) and \
                self.planner.path is not None:
            return self.planner.path.read_text("utf-8")
        if action == "limit_change" and self.limits is not None:
            limit = next((lim for lim in self.limits.limits if lim.name == target), None)
            if limit is not None:
                return {"max_single": str(limit.max_single) if limit.max_single else None,
                        "intraday": str(limit.intraday) if limit.intraday else None}
        return None

    def _check_table(self, text: str) -> None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"routing table: {exc}", location="table") from None
        parse_table(data, "proposed table", connectors=list(self.connectors) or None)

    async def _write_table(self, text: str) -> None:
        """An approved routing table: written whole, then loaded (the old one stays if not)."""
        assert isinstance(self.planner, TablePlanner) and self.planner.path is not None
        path = self.planner.path
        await asyncio.to_thread(write_atomically, path.parent, path.name, text.encode())
        if not self.reload_routing():
            raise ConfigError("the approved table was refused on load; the old one stays",
                              location=str(path))

    def _current_planner(self) -> Planner:
        assert self.planner is not None
        return self.planner

    def _holds(self) -> list[HoldCheck]:
        policies: dict[str, dict[str, Any]] = {}
        if self.settings.codecs.telex_keys_file:
            policies = load_telex_config(Path(self.settings.codecs.telex_keys_file))
        holds = [telex_release(policies)]
        s = self.settings.screening
        if s.lists or s.service_url or s.countries:
            from hub.screening import build_screener, hold_check  # needs the screening extra
            self.screener = build_screener(s)
            if self.screener is not None:
                holds.append(hold_check(self.screener, self.metrics))
        return holds

    async def _credited(self, message: Message) -> None:
        if self.limits is not None:
            await self.limits.credit(message)

    async def _released(self, message_id: str) -> None:
        if self.limits is not None:
            await self.limits.release(message_id)

    def _health(self) -> dict[str, ConnectorHealth]:
        return {name: breaker.snapshot() for name, breaker in self.breakers.items()}

    async def _watch_health(self) -> None:
        """Connector health and circuit state as metrics, every few seconds; reconciliation
        gaps for today every five minutes."""
        last_recon = 0.0
        while not self.stopping.is_set():
            if time.monotonic() - last_recon > 300 and self.journal is not None:
                last_recon = time.monotonic()
                with contextlib.suppress(JournalError):
                    gaps = await recon.report(self.journal, datetime.now(UTC).date())
                    self.metrics.recon_unmatched.set(len(gaps["unmatched_entries"]))
                    self.metrics.recon_unconfirmed.set(len(gaps["unconfirmed_messages"]))
            for name, connector in self.connectors.items():
                try:
                    health = await asyncio.wait_for(connector.health(), 5)
                    up = health.up
                except Exception:
                    up = False
                self.metrics.connector_up.labels(name).set(1 if up else 0)
                self.metrics.circuit_open.labels(name).set(
                    0 if self.breakers[name].state is BreakerState.CLOSED else 1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 5)

    async def _alert(self, channel: str, diagnostic: Diagnostic) -> None:
        log.error("link alert", extra={"action": "link.alert", "channel": channel,
                                       **diagnostic.to_json()})
        self.metrics.inbound_files.labels(channel, "alert").inc()

    async def _poll(self, name: str, connector: Any) -> None:
        """Ask a gateway about what it has not finished, and apply what it says. What it follows
        is taken from the journal each round, so sends made before a restart or by another hub
        process are followed too (webhooks still apply)."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.settings.dispatch.poll_gateways)
            try:
                await self._resume(name, connector)
                updates = await connector.poll()
            except Exception as exc:  # a poll that fails is tried again next round
                log.warning("poll failed", extra={"action": "link.poll_failed",
                                                  "connector": name, "error": repr(exc)})
                continue
            if updates:
                await self.apply_updates(name, updates)

    async def _resume(self, name: str, connector: Any) -> None:
        resume = getattr(connector, "resume", None)
        if resume is None or self.journal is None:
            return
        for sent in await self.journal.open_sends(name):
            message, _ = from_data(sent["canonical"])
            if message is not None:
                resume(sent["key"], sent["reference"], message)

    async def _watch_acks(self) -> None:
        """Sent and never answered: count them, and after the link's ack_timeout hand each to
        a person (REPAIR) with an alert."""
        assert self.journal is not None
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 1.0)
            now = now_us()
            try:
                summary = await self.journal.dispatched_summary()
                late = {name: await self.journal.dispatched_before(
                    name, now - int(limit * 1_000_000))
                    for name, limit in self.ack_timeouts.items()}
            except JournalError:
                continue
            for name, ids in late.items():
                for message_id in ids:
                    with contextlib.suppress(JournalError):
                        await self.journal.append(message_id, NewEvent(
                            "no_acknowledgement", State.REPAIR, "hub",
                            {"connector": name, "waited_s": self.ack_timeouts[name]}),
                            expect={State.DISPATCHED})
                        log.error("no acknowledgement", extra={
                            "action": "link.ack_timeout", "message_id": message_id,
                            "connector": name})
            for name in {*self.connectors, *summary}:
                count, oldest = summary.get(name, (0, now))
                self.metrics.unacknowledged.labels(name).set(count)
                self.metrics.unacknowledged_oldest_age.labels(name).set(
                    (now - oldest) / 1_000_000 if count else 0)

    def reload_routing(self) -> bool:
        if not isinstance(self.planner, TablePlanner):
            return False
        ok = self.planner.reload()
        self.metrics.routing_reloads.labels("ok" if ok else "refused").inc()
        return ok

    async def _watch_table(self, planner: TablePlanner) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.settings.routing.watch_interval)
            if planner.changed():
                self.reload_routing()

    async def _bootstrap_key(self, journal: Journal) -> None:
        """On first start with no key, create an admin key and show it once."""
        if await journal.active_key_count() > 0:
            return
        key, token = await journal.create_key("admin", "bootstrap")
        self.bootstrap_token = token
        path = self.settings.api.bootstrap_key_file
        if path:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(token + "\n")
        print(f"\nNo API key existed, so an admin key was created (id {key.id}).\n"
              f"It is shown this once and stored only as a hash:\n\n    {token}\n", flush=True)

    async def _serve(self) -> None:
        assert self.journal is not None and self.pipeline is not None
        webhooks = {n: c for n, c in self.connectors.items() if hasattr(c, "webhook_path")}
        ctx = ApiContext(journal=self.journal, pipeline=self.pipeline, metrics=self.metrics,
                         max_body_bytes=self.settings.api.max_body_bytes,
                         explain=self._explain, webhooks=_webhooks(webhooks),
                         apply_updates=self.apply_updates, ready=lambda: self.ready,
                         extra_routes=operation_routes(lambda: self.operations()))
        self.api_app = create_api(ctx)
        api = web.AppRunner(self.api_app, access_log=None, handle_signals=False)
        admin = web.AppRunner(create_admin(ctx), access_log=None, handle_signals=False)
        for runner, host, port in ((api, self.settings.api.host, self.settings.api.port),
                                   (admin, self.settings.api.admin_host,
                                    self.settings.api.admin_port)):
            await runner.setup()
            site = web.TCPSite(runner, host, port, reuse_address=True)
            await site.start()
            self.runners.append(runner)
        self.api_port = _bound_port(api)
        self.admin_port = _bound_port(admin)

    def _explain(self, raw: bytes, format: str | None, at: datetime | None) -> dict[str, Any]:
        return explain_raw(self.planner, raw, format, at or datetime.now(UTC))

    # -- background work ----------------------------------------------------------------------

    def _spawn(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=name)
        task.add_done_callback(self._supervise)
        self.tasks.append(task)

    def _supervise(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.stopping.is_set():
            return
        exc = task.exception()
        reason = f"{task.get_name()} stopped: {exc!r}" if exc else f"{task.get_name()} ended"
        log.error("background task died", extra={"action": "hub.task_died", "task":
                                                 task.get_name(), "reason": reason})
        self.failure = reason
        self.stopping.set()

    def _wake(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _reroute(self, message: Message, exclude: frozenset[str],
                 message_id: str) -> tuple[RouteChoice, OutboxRow] | NoRoute:
        assert self.planner is not None and self.pipeline is not None
        choice = self.planner.choose(message, at=datetime.now(UTC), exclude=exclude)
        if isinstance(choice, NoRoute):
            return choice
        rendered = self.pipeline.render(message, choice, message_id)
        if not isinstance(rendered, OutboxRow):
            return NoRoute("ROUTE.NO_PATH", f"fallback {choice.connector} cannot render: "
                           f"{rendered.message}")
        return choice, rendered

    async def _inbound(self, connector: InboundConnector) -> None:
        async for item in connector.receive():
            await self.take(connector, item)

    async def take(self, connector: InboundConnector, item: Inbound) -> None:
        """Journal one arrival, then ack it; reject it with its diagnostics if unreadable."""
        assert self.journal is not None and self.pipeline is not None
        digest = hashlib.sha256(item.payload).hexdigest()
        try:
            if await self.journal.input_known(item.channel, item.name, digest):
                await connector.ack(item)  # journalled before a crash; only the move was lost
                self.metrics.inbound_files.labels(item.channel, "already_journalled").inc()
                return
            result = await self.pipeline.submit(Submission(
                raw=item.payload, channel=item.channel, name=item.name,
                submitted_by=f"link:{item.channel}"))
        except Rejected as exc:
            await connector.reject(item, exc.diagnostics)
            self.metrics.inbound_files.labels(item.channel, "rejected").inc()
            await self._answer(connector, item, exc.acknowledgement)
            return
        except (JournalError, OSError) as exc:
            log.warning("inbound item not journalled; will retry",
                        extra={"action": "inbound.retry", "channel": item.channel,
                               "name": item.name, "error": str(exc)})
            forget = getattr(connector, "forget", None)
            if forget is not None:
                forget(item)
            return
        await connector.ack(item)
        self.metrics.inbound_files.labels(item.channel, "accepted").inc()
        await self._answer(connector, item, result.acknowledgement)

    async def _answer(self, connector: Connector, item: Inbound,
                      ack: tuple[str, bytes] | None) -> None:
        """Send an EDI acknowledgement back over the link the interchange came in on."""
        if ack is None or getattr(connector, "outbound", True) is None:
            return
        format, payload = ack
        key = f"ack-{hashlib.sha256(item.name.encode() + item.payload).hexdigest()[:32]}"
        try:
            await connector.send(Outbound(
                message_id=key, idempotency_key=key, format=format, payload=payload,
                message=Message(kind=Kind.STATUS_REPORT, format=format)))
        except Exception as exc:  # the interchange is journalled; the answer is best effort
            log.warning("acknowledgement not sent", extra={
                "action": "edi.ack_failed", "channel": item.channel, "error": repr(exc)})

    async def apply_updates(self, source: str, updates: list[StatusUpdate]) -> int:
        """Apply what a link reported later (webhooks, polls, receipts) to the messages."""
        assert self.journal is not None
        applied = 0
        for update in updates:
            ids: list[str] = []
            if update.key:
                ids = await self.journal.find(outbox_key=update.key)
            if not ids and update.reference:
                ids = await self.journal.find(external_ref=update.reference)
            if not ids:
                log.warning("status update for no known message", extra={
                    "action": "status.uncorrelated", "source": source, "key": update.key,
                    "reference": update.reference})
                continue
            record = await self.journal.get(ids[-1])
            if record is None:
                continue
            target = OUTCOME_STATES.get(update.outcome) or record.state
            if target != record.state and not can_move(record.state, target):
                target = record.state
            await self.journal.append(record.id, NewEvent("status", target, f"link:{source}", {
                "outcome": update.outcome.value, "reason_code": update.reason_code,
                "reason": update.reason, "reference": update.reference,
                **dict(update.detail)}))
            if self.limits is not None and target in (State.REJECTED, State.RETURNED):
                await self.limits.release(record.id)
            self.metrics.status_in.labels(source, target.value).inc()
            applied += 1
        return applied

    # -- stop ---------------------------------------------------------------------------------

    def request_stop(self) -> None:
        self.stopping.set()

    async def stop(self, timeout: float = 15.0) -> None:
        self.stopping.set()
        self.ready = False
        self.metrics.ready.set(0)
        for runner in self.runners:  # stop accepting first
            with contextlib.suppress(Exception):
                await runner.cleanup()
        self.runners.clear()
        for task in self.tasks:
            if task.get_name().startswith("inbound:"):
                task.cancel()
        if self.pipeline is not None:
            await self.pipeline.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.callbacks is not None:
            self.callbacks.stop()
        pending = [t for t in self.tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.tasks.clear()
        for connector in reversed(list(self.connectors.values())):
            with contextlib.suppress(Exception):
                await asyncio.shield(connector.close())
        if self.screener is not None:
            with contextlib.suppress(Exception):
                await self.screener.close()
        if self.journal is not None:
            await self.journal.close()
            self.journal = None
        log.info("hub stopped", extra={"action": "hub.stopped", "reason": self.failure})

    async def run_forever(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload_routing)
        try:
            await self.start()
        except HubError as exc:
            log.error("hub could not start", extra={"action": "hub.start_failed",
                                                     "code": exc.code, "error": exc.message})
            await self.stop()
            return 2
        await self.stopping.wait()
        await self.stop()
        return 1 if self.failure else 0


def _has_inbound(connector: Connector) -> bool:
    inbox = getattr(connector, "inbox", True)
    return inbox is not None


def _webhooks(found: dict[str, Connector]) -> dict[str, WebhookReceiver]:
    return {name: connector for name, connector in found.items()
            if isinstance(connector, WebhookReceiver)}


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    return None


__all__ = ["Hub"]
