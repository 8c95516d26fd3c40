"""The HTTP API (aiohttp): submit, query, explain; problem+json errors; auth on every route.

The admin app (metrics, health, readiness) runs on its own port so the payment API and the
operators' scrape traffic never share a listener.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.auth import ADMIN, AUDIT, OPERATE, READ, SUBMIT, Caller, KeyCache, Role
from hub.api.problems import problem
from hub.connectors.base import StatusUpdate, WebhookReceiver
from hub.errors import ConnectorError, Diagnostic, HubError, JournalError
from hub.journal import Journal, now_us, us_to_iso
from hub.metrics import Metrics
from hub.model import State
from hub.pipeline import Pipeline, Rejected, Submission

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ApiContext:
    journal: Journal
    pipeline: Pipeline
    metrics: Metrics
    max_body_bytes: int
    explain: Callable[[bytes, str | None, datetime | None], dict[str, Any]] | None = None
    webhooks: Mapping[str, WebhookReceiver] = field(default_factory=dict)
    apply_updates: Callable[[str, list[StatusUpdate]], Awaitable[int]] | None = None
    ready: Callable[[], bool] = lambda: False
    extra_routes: list[tuple[str, str, Handler, frozenset[Role]]] = field(default_factory=list)


CTX: web.AppKey[ApiContext] = web.AppKey("ctx", ApiContext)
KEYS: web.AppKey[KeyCache] = web.AppKey("keys", KeyCache)
PERMISSIONS: web.AppKey[dict[tuple[str, str], frozenset[Role]]] = web.AppKey("permissions", dict)

PUBLIC = frozenset({"/v1/webhooks/{connector}"})  # authenticated by the link's own signature


CALLER: web.RequestKey[Caller] = web.RequestKey("caller", Caller)


def caller(request: web.Request) -> Caller:
    return request[CALLER]


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return problem(413, "API.TOO_LARGE", "request body over the configured limit",
                       instance=request.path)
    except web.HTTPNotFound:
        return problem(404, "API.NOT_FOUND", f"no route {request.path}", instance=request.path)
    except web.HTTPMethodNotAllowed:
        return problem(405, "API.BAD_REQUEST", f"{request.method} not allowed on this route",
                       instance=request.path)
    except JournalError as exc:
        status = 404 if exc.code == "JOURNAL.NOT_FOUND" else (
            409 if exc.code == "JOURNAL.TRANSITION" else 503)
        return problem(status, exc.code, exc.message, instance=request.path)
    except HubError as exc:
        return problem(exc.http_status if 400 <= exc.http_status < 600 else 500, exc.code,
                       exc.message, diagnostics=exc.diagnostics, instance=request.path)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("request failed", extra={"action": "api.error", "path": request.path})
        return problem(500, "HUB.ERROR", "internal error", instance=request.path)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    if canonical in PUBLIC:
        return await handler(request)
    allowed = request.app[PERMISSIONS].get((request.method, canonical))
    if allowed is None:
        return await handler(request)  # 404/405 fall through to the router's answer
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return problem(401, "AUTH.UNAUTHORIZED", "send Authorization: Bearer <api key>",
                       instance=request.path)
    found = await request.app[KEYS].lookup(token.strip())
    if found is None:
        return problem(401, "AUTH.UNAUTHORIZED", "unknown or revoked API key",
                       instance=request.path)
    if found.role not in allowed:
        return problem(403, "AUTH.FORBIDDEN",
                       f"role {found.role.value} may not {request.method} {canonical}",
                       instance=request.path)
    request[CALLER] = found
    return await handler(request)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


async def post_message(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    raw = await request.read()
    who = caller(request)
    content_type = request.content_type
    format = request.query.get("format")
    if format is None and content_type == "application/json":
        format = "json"
    callback = request.headers.get("Callback-URL")
    if callback is not None and not callback.startswith(("https://", "http://")):
        return _bad(request, "Callback-URL must be an http(s) URL", "header.Callback-URL")
    submission = Submission(raw=raw, channel="api", format=format,
                            profile=request.query.get("profile"), submitted_by=who.actor,
                            idempotency_key=request.headers.get("Idempotency-Key"),
                            callback_url=callback)
    try:
        result = await ctx.pipeline.submit(submission)
    except Rejected as exc:
        extra = _ack(exc.acknowledgement)
        return problem(422 if exc.code != "CODEC.TOO_LARGE" else 413, exc.code, exc.message,
                       diagnostics=exc.diagnostics, instance=request.path, **extra)
    if result.conflict:
        clash = next(o for o in result.outcomes if o.status == "conflict")
        return problem(409, "JOURNAL.CONFLICT",
                       "this idempotency key or UETR was used for a different message",
                       instance=request.path, existing_id=clash.message_id)
    items = [{"id": o.message_id, "state": o.state.value, "uetr": uetr,
              "duplicate": o.status == "duplicate"}
             for o, uetr in zip(result.outcomes, result.uetrs, strict=True)]
    body: dict[str, Any] = {**items[0], "format": result.format,
            "warnings": [d.to_json() for d in result.warnings]}
    if len(items) > 1:
        body["messages"] = items
    body.update(_ack(result.acknowledgement))
    status = 200 if result.duplicate else 202
    response = _json(body, status)
    response.headers["Location"] = f"/v1/messages/{items[0]['id']}"
    return response


def _ack(ack: tuple[str, bytes] | None) -> dict[str, Any]:
    """An EDI sender's acknowledgement (997/999/TA1, CONTRL), returned with the answer."""
    if ack is None:
        return {}
    return {"acknowledgement": {"format": ack[0], "text": ack[1].decode("latin-1")}}


async def get_message(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    message_id = request.match_info["id"]
    record = await ctx.journal.get(message_id)
    if record is None:
        return problem(404, "JOURNAL.NOT_FOUND", f"no message {message_id}",
                       instance=request.path)
    events = await ctx.journal.events(message_id)
    return _json({**record.to_json(), "events": [e.to_json() for e in events]})


async def get_events(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    message_id = request.match_info["id"]
    if await ctx.journal.get(message_id) is None:
        return problem(404, "JOURNAL.NOT_FOUND", f"no message {message_id}",
                       instance=request.path)
    events = await ctx.journal.events(message_id)
    return _json({"id": message_id, "events": [e.to_json() for e in events]})


def _bad(request: web.Request, detail: str, where: str) -> web.Response:
    return problem(400, "API.BAD_REQUEST", detail, instance=request.path,
                   diagnostics=[Diagnostic("API.BAD_REQUEST", detail, where)])


async def list_messages(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    query = request.query
    state = None
    if "state" in query:
        try:
            state = State(query["state"].upper())
        except ValueError:
            return _bad(request, f"unknown state {query['state']!r}", "query.state")
    since_us = 0
    if "since" in query:
        try:
            since = datetime.fromisoformat(query["since"])
        except ValueError:
            return _bad(request, "since must be an ISO 8601 date-time", "query.since")
        if since.tzinfo is None:
            return _bad(request, "since needs a time zone", "query.since")
        since_us = int(since.timestamp() * 1_000_000)
    try:
        limit = min(max(int(query.get("limit", "100")), 1), 1000)
        after = int(query.get("cursor", "0"))
    except ValueError:
        return _bad(request, "limit and cursor must be integers", "query")
    records = await ctx.journal.list_messages(state=state, since_us=since_us, after_seq=after,
                                              limit=limit)
    items = [{"id": r.id, "state": r.state.value, "format": r.format, "kind": r.kind,
              "uetr": r.uetr, "reference": r.reference, "amount": r.amount,
              "currency": r.currency, "connector": r.connector,
              "updated_at": us_to_iso(r.updated_us)} for r in records]
    next_cursor = str(records[-1].seq) if len(records) == limit else None
    return _json({"items": items, "next_cursor": next_cursor})


async def openapi(request: web.Request) -> web.StreamResponse:
    spec = resources.files("hub.api").joinpath("openapi.json").read_bytes()
    return web.Response(body=spec, content_type="application/json")


async def explain_route(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    if ctx.explain is None:
        return problem(503, "ROUTE.ERROR", "no routing table loaded", instance=request.path)
    at = None
    if "at" in request.query:
        try:
            at = datetime.fromisoformat(request.query["at"])
        except ValueError:
            return _bad(request, "at must be an ISO 8601 date-time", "query.at")
        if at.tzinfo is None:
            return _bad(request, "at needs a time zone", "query.at")
    return _json(ctx.explain(await request.read(), request.query.get("format"), at))


async def webhook(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    name = request.match_info["connector"]
    receiver = ctx.webhooks.get(name)
    if receiver is None or ctx.apply_updates is None:
        return problem(404, "API.NOT_FOUND", f"no webhook for {name}", instance=request.path)
    body = await request.read()
    try:
        updates = await receiver.webhook(body, dict(request.headers))
    except ConnectorError as exc:
        return problem(400 if exc.code == "LINK.SIGNATURE" else 422, exc.code, exc.message,
                       instance=request.path)
    applied = await ctx.apply_updates(name, updates)
    return _json({"received": len(updates), "applied": applied})


async def create_key(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    try:
        data = orjson.loads(await request.read())
        role = Role(data["role"])
        name = str(data.get("name", role.value))
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError):
        return _bad(request, 'send {"role": "submitter|operator|auditor|admin", "name": ...}',
                    "body")
    key, token = await ctx.journal.create_key(role.value, name)
    return _json({"id": key.id, "role": key.role, "name": key.name, "token": token}, 201)


async def list_keys(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    keys = await ctx.journal.keys()
    return _json({"items": [{"id": k.id, "role": k.role, "name": k.name,
                             "created_at": us_to_iso(k.created_us),
                             "revoked_at": us_to_iso(k.revoked_us)} for k in keys]})


ROUTES: list[tuple[str, str, Handler, frozenset[Role]]] = [
    ("POST", "/v1/messages", post_message, SUBMIT),
    ("GET", "/v1/messages", list_messages, READ),
    ("GET", "/v1/messages/{id}", get_message, READ),
    ("GET", "/v1/messages/{id}/events", get_events, READ),
    ("GET", "/v1/openapi.json", openapi, READ),
    ("POST", "/v1/routes/explain", explain_route, frozenset({*OPERATE, *AUDIT})),
    ("POST", "/v1/keys", create_key, ADMIN),
    ("GET", "/v1/keys", list_keys, ADMIN),
]


def create_api(ctx: ApiContext) -> web.Application:
    app = web.Application(middlewares=[errors_middleware, auth_middleware],
                          client_max_size=ctx.max_body_bytes)
    app[CTX] = ctx
    app[KEYS] = KeyCache(ctx.journal)
    permissions: dict[tuple[str, str], frozenset[Role]] = {}
    for method, path, handler, roles in [*ROUTES, *ctx.extra_routes]:
        app.router.add_route(method, path, handler)
        permissions[(method, path)] = roles
    app.router.add_route("POST", "/v1/webhooks/{connector}", webhook)
    app[PERMISSIONS] = permissions
    return app


def route_table(app: web.Application) -> set[tuple[str, str]]:
    """Every (method, path) the API serves, for checking the OpenAPI document."""
    found = set()
    for route in app.router.routes():
        resource = route.resource
        if resource is not None and route.method != "HEAD":
            found.add((route.method, resource.canonical))
    return found


# -- the admin app --------------------------------------------------------------------------

ADMIN_CTX: web.AppKey[ApiContext] = web.AppKey("admin_ctx", ApiContext)


async def metrics_handler(request: web.Request) -> web.StreamResponse:
    ctx = request.app[ADMIN_CTX]
    with contextlib.suppress(JournalError):  # the scrape still answers; hub_ready tells the rest
        await refresh_journal_gauges(ctx.journal, ctx.metrics)
    body = generate_latest(ctx.metrics.registry)
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response


async def refresh_journal_gauges(journal: Journal, metrics: Metrics) -> None:
    """Gauges read from the journal at scrape time: outbox, states, repair queue, approvals."""
    now = now_us()
    depth, oldest = await journal.outbox_stats()
    metrics.outbox_depth.set(depth)
    metrics.outbox_oldest_age.set(0 if oldest is None else max(0.0, (now - oldest) / 1e6))
    counts = await journal.state_counts()
    for state in State:
        metrics.messages_by_state.labels(state.value).set(counts.get(state.value, 0))
    metrics.repair_queue.set(counts.get(State.REPAIR.value, 0))
    waiting = await journal.list_messages(state=State.REPAIR, limit=1000)
    metrics.repair_oldest_age.set(
        max(0.0, (now - min(r.updated_us for r in waiting)) / 1e6) if waiting else 0)
    metrics.approvals_pending.set(len(await journal.approvals("pending")))


async def healthz(request: web.Request) -> web.StreamResponse:
    return _json({"status": "ok"})


async def readyz(request: web.Request) -> web.StreamResponse:
    ctx = request.app[ADMIN_CTX]
    if ctx.ready():
        return _json({"ready": True})
    return _json({"ready": False}, 503)


def create_admin(ctx: ApiContext) -> web.Application:
    app = web.Application()
    app[ADMIN_CTX] = ctx
    app.router.add_get("/metrics", metrics_handler)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
