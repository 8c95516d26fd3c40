"""HTTP routes for the repair queue and four-eyes approvals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import orjson
from aiohttp import web

from hub import recon
from hub.api.app import CALLER, Handler
from hub.api.auth import AUDIT, OPERATE, Role
from hub.api.problems import problem
from hub.operations import Operations

OPS: web.AppKey[Operations] = web.AppKey("operations", Operations)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def routes(ops: Callable[[], Operations]) -> list[tuple[str, str, Handler, frozenset[Role]]]:
    async def repair_queue(request: web.Request) -> web.StreamResponse:
        return _json({"items": await ops().queue()})

    async def propose(request: web.Request) -> web.StreamResponse:
        try:
            body = await _body(request)
        except web.HTTPBadRequest as exc:
            return problem(400, "API.BAD_REQUEST", exc.text or "bad body", instance=request.path)
        result = await ops().propose(
            request.match_info["id"], request.match_info["action"], request[CALLER].actor,
            reason=str(body.get("reason", "")),
            payload={k: v for k, v in body.items() if k != "reason"})
        return _json(result, 202 if result["state"] == "pending" else 200)

    async def list_approvals(request: web.Request) -> web.StreamResponse:
        state = request.query.get("state", "pending")
        return _json({"items": await ops().journal.approvals(state if state != "all" else "")})

    async def approve(request: web.Request) -> web.StreamResponse:
        return _json(await ops().approve(request.match_info["id"], request[CALLER].actor))

    async def refuse(request: web.Request) -> web.StreamResponse:
        try:
            body = await _body(request)
        except web.HTTPBadRequest as exc:
            return problem(400, "API.BAD_REQUEST", exc.text or "bad body", instance=request.path)
        return _json(await ops().refuse(request.match_info["id"], request[CALLER].actor,
                                        str(body.get("reason", ""))))

    async def reconciliation(request: web.Request) -> web.StreamResponse:
        try:
            day = date.fromisoformat(request.query.get("date", date.today().isoformat()))
        except ValueError:
            return problem(400, "API.BAD_REQUEST", "date must be YYYY-MM-DD",
                           instance=request.path)
        return _json(await recon.report(ops().journal, day))

    async def propose_table(request: web.Request) -> web.StreamResponse:
        text = (await request.read()).decode("utf-8", "replace")
        result = await ops().propose_change("routing_change", "routing", {"table": text},
                                            request[CALLER].actor,
                                            request.query.get("reason", ""))
        return _json(result, 202)

    async def propose_limit(request: web.Request) -> web.StreamResponse:
        try:
            body = await _body(request)
        except web.HTTPBadRequest as exc:
            return problem(400, "API.BAD_REQUEST", exc.text or "bad body", instance=request.path)
        result = await ops().propose_change(
            "limit_change", request.match_info["name"],
            {k: str(v) for k, v in body.items() if k in ("max_single", "intraday")},
            request[CALLER].actor, str(body.get("reason", "")))
        return _json(result, 202)

    read = frozenset({*OPERATE, *AUDIT})
    return [
        ("GET", "/v1/repair", repair_queue, read),
        ("POST", "/v1/repair/{id}/{action}", propose, OPERATE),
        ("GET", "/v1/approvals", list_approvals, read),
        ("POST", "/v1/approvals/{id}/approve", approve, OPERATE),
        ("POST", "/v1/approvals/{id}/refuse", refuse, OPERATE),
        ("GET", "/v1/recon", reconciliation, read),
        ("POST", "/v1/routing/table", propose_table, OPERATE),
        ("POST", "/v1/limits/{name}", propose_limit, OPERATE),
    ]
