"""nvc-hub: run the daemon, and answer "where is this payment and why" from the shell.

Output contracts relied on outside the project (keep them exactly):
  validate FILE --json   → {"valid", "format", "diagnostics": [{code, severity, message, location}]}
                           exit 0 when valid (warnings allowed), 1 when not
  convert FILE --to F    → converted bytes on stdout (json: an array for several messages);
                           exit 1 with diagnostics on stderr when the input is invalid
  route explain FILE --table T [--at TIME] --json → {"chosen": {..., connector, format, rule},
                           "rejected": [{..., reason}]}
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from hub import codecs
from hub.config import Settings, load, resolved
from hub.errors import Diagnostic, HubError, has_errors
from hub.journal import Journal, NewEvent, us_to_iso, verify_events
from hub.logs import configure as configure_logging
from hub.model import State
from hub.model.rules import check


def _print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def _settings(args: argparse.Namespace) -> Settings:
    return load(args.config)


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def _journal(settings: Settings) -> Journal:
    journal = await Journal.open(settings.journal_url, schema=settings.journal.schema or None,
                                 pool_size=2)
    return journal


# -- commands -----------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
    from hub.app import Hub
    settings = _settings(args)
    configure_logging(settings.log.level, settings.log.format)
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    # Journal (SQLite) and file writes run in threads; the default 5 ms GIL switch interval
    # would add up to 5 ms to every hop between them and the event loop.
    sys.setswitchinterval(0.0005)
    return asyncio.run(Hub(settings).run_forever())


def cmd_migrate(args: argparse.Namespace) -> int:
    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            applied = await journal.migrate()
        finally:
            await journal.close()
        print(f"applied migrations: {applied}" if applied else "journal is up to date")
        return 0
    return _run(go())


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _print_json(resolved(settings))
    if settings.routing.table:
        from hub.routes import load_table
        load_table(Path(settings.routing.table))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    format = args.format or codecs.detect(raw) or "unknown"
    diagnostics = codecs.validate(raw, args.format, profile=args.profile)
    valid = not has_errors(diagnostics)
    if args.json:
        _print_json({"valid": valid, "format": format,
                     "diagnostics": [d.to_json() for d in diagnostics]})
    else:
        print(f"{args.file}: {format}: {'valid' if valid else 'INVALID'}")
        for d in diagnostics:
            print(f"  {d.severity.value:7} {d.code:24} {d.location:30} {d.message}")
    return 0 if valid else 1


def _stderr_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    sys.stderr.write(orjson.dumps({"diagnostics": [d.to_json() for d in diagnostics]},
                                  option=orjson.OPT_INDENT_2).decode() + "\n")


MX_FAMILY = ("pacs.", "camt.", "pain.")


def _is_mt(format: str | None) -> bool:
    return format is not None and format.startswith("mt") and format != "mt-ack"


def _is_mx(format: str | None) -> bool:
    return format is not None and format.startswith(MX_FAMILY)


def cmd_convert(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    source = args.from_format or codecs.detect(raw)
    if (_is_mt(source) and _is_mx(args.to)) or (_is_mx(source) and _is_mt(args.to)):
        return _translate(raw, source, args.to)
    decoded = codecs.decode(raw, args.from_format, profile=args.profile)
    diagnostics = list(decoded.diagnostics)
    for i, message in enumerate(decoded.messages):
        diagnostics.extend(check(message, f"[{i}]" if len(decoded.messages) > 1 else ""))
    if has_errors(diagnostics) or not decoded.messages:
        _stderr_diagnostics(diagnostics or [Diagnostic("CODEC.EMPTY", "no message", "")])
        return 1
    if args.to == "json":
        from hub.model import to_data
        data = [to_data(m) for m in decoded.messages]
        out = orjson.dumps(data if len(data) > 1 else data[0], option=orjson.OPT_INDENT_2
                           | orjson.OPT_SORT_KEYS) + b"\n"
    else:
        report: list[Diagnostic] = []
        try:
            out = codecs.encode(decoded.messages, args.to, **_envelope(args, report))
        except HubError as exc:
            _stderr_diagnostics([exc.diagnostic(), *exc.diagnostics])
            return 1
        if report:
            _stderr_diagnostics(report)
    sys.stdout.buffer.write(out)
    return 0


def _translate(raw: bytes, source: str | None, target: str) -> int:
    """MT <-> MX under the CBPR+ translation rules, with the translation report on stderr."""
    from hub.codecs.translate import translate
    result = translate(raw, target, from_format=source)
    if has_errors(result.diagnostics) or not result.output:
        _stderr_diagnostics(result.diagnostics)
        return 1
    if result.report or result.diagnostics:
        sys.stderr.write(orjson.dumps({"translation_report": [d.to_json() for d in result.report],
                                       "diagnostics": [d.to_json() for d in result.diagnostics]},
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.buffer.write(result.output)
    return 0


def _envelope(args: argparse.Namespace, report: list[Diagnostic]) -> dict[str, Any]:
    envelope: dict[str, Any] = {}
    if args.sender:
        envelope["sender"] = args.sender
    if args.receiver:
        envelope["receiver"] = args.receiver
    if args.truncate:
        envelope["truncate"] = True
        envelope["report"] = report
    if _is_mx(args.to):  # the rail's profile shapes the XML; what it defaults is reported
        envelope["report"] = report
        if args.profile:
            envelope["profile"] = args.profile
    return envelope


def _at(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise SystemExit("--at needs a time zone, e.g. 2026-11-25T10:00:00+01:00")
    return at


def cmd_route_explain(args: argparse.Namespace) -> int:
    from hub.router_table import TablePlanner, explain_raw
    planner = TablePlanner.load(Path(args.table))
    result = explain_raw(planner, _read(args.file), args.format, _at(args.at))
    if args.json:
        _print_json(result)
    else:
        chosen = result.get("chosen")
        if chosen:
            print(f"chosen: {chosen['connector']} ({chosen['format']}) by rule "
                  f"{chosen.get('rule')}")
        else:
            print("no route")
        for r in result.get("rejected", []):
            print(f"  rejected {r.get('connector') or r.get('rail') or ''}: {r['reason']} "
                  f"{r.get('detail', '')}")
    return 0 if result.get("chosen") else 1


def cmd_route_simulate(args: argparse.Namespace) -> int:
    from hub.router_table import simulate_folder
    text, ok = simulate_folder(Path(args.table), Path(args.messages),
                               Path(args.against) if args.against else None, _at(args.at),
                               as_json=args.json)
    sys.stdout.write(text + ("\n" if not text.endswith("\n") else ""))
    return 0 if ok else 1


def cmd_submit(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request
    settings = _settings(args)
    key = args.key or _env_key()
    if not key:
        print("give --key or set HUB_API_KEY", file=sys.stderr)
        return 2
    url = args.url or f"http://{settings.api.host}:{settings.api.port}"
    query = f"?format={args.format}" if args.format else ""
    request = urllib.request.Request(f"{url}/v1/messages{query}", data=_read(args.file),
                                     method="POST", headers={
                                         "Authorization": f"Bearer {key}",
                                         "Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            sys.stdout.write(response.read().decode() + "\n")
            return 0
    except urllib.error.HTTPError as exc:
        sys.stderr.write(exc.read().decode() + "\n")
        return 1


def _env_key() -> str | None:
    import os
    return os.environ.get("HUB_API_KEY")


def cmd_status(args: argparse.Namespace) -> int:
    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            record = await journal.get(args.id)
            if record is None:
                ids = await journal.find(uetr=args.id) or await journal.find(reference=args.id)
                record = await journal.get(ids[-1]) if ids else None
            if record is None:
                print(f"no message {args.id}", file=sys.stderr)
                return 1
            events = await journal.events(record.id)
        finally:
            await journal.close()
        if args.json:
            _print_json({**record.to_json(), "events": [e.to_json() for e in events]})
            return 0
        print(f"{record.id}  {record.state.value}  {record.kind}  {record.format}  "
              f"{record.currency or ''} {record.amount or ''}  uetr={record.uetr}")
        if record.route:
            print(f"  route: {record.connector} {orjson.dumps(record.route).decode()}")
        for e in events:
            print(f"  {us_to_iso(e.at_us)}  {e.state.value:10} {e.type:14} {e.actor:20} "
                  f"{orjson.dumps(e.data).decode()}")
        return 0
    return _run(go())


def cmd_apikey(args: argparse.Namespace) -> int:
    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            await journal.check_schema()
            if args.action == "create":
                key, token = await journal.create_key(args.role, args.name or args.role)
                _print_json({"id": key.id, "role": key.role, "name": key.name, "token": token})
            elif args.action == "list":
                _print_json([{"id": k.id, "role": k.role, "name": k.name,
                              "created_at": us_to_iso(k.created_us),
                              "revoked_at": us_to_iso(k.revoked_us)}
                             for k in await journal.keys()])
            else:
                await journal.revoke_key(args.id)
                print(f"revoked {args.id}")
        finally:
            await journal.close()
        return 0
    return _run(go())


def _parse_time(value: str | None) -> int | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1_000_000)


def cmd_audit(args: argparse.Namespace) -> int:
    from hub.audit import export_events, verify_export
    if args.action == "verify" and args.file:
        problems = verify_export(Path(args.file).read_bytes())
        for p in problems:
            print(p)
        print("audit export intact" if not problems else f"{len(problems)} problem(s)")
        return 0 if not problems else 1

    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            events = await journal.events_between(_parse_time(getattr(args, "start", None)),
                                                  _parse_time(getattr(args, "end", None)))
        finally:
            await journal.close()
        if args.action == "export":
            data = export_events(events)
            if args.out:
                Path(args.out).write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
            return 0
        problems = verify_events(events)
        for p in problems:
            print(p)
        print(f"{len(events)} events checked: " + ("chain intact" if not problems
                                                    else f"{len(problems)} problem(s)"))
        return 0 if not problems else 1
    return _run(go())


async def _operations(settings: Settings) -> Any:
    from hub.app import Hub
    hub = Hub(settings)
    await hub.open_offline()
    return hub


def cmd_recon(args: argparse.Namespace) -> int:
    from datetime import date

    from hub import recon

    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            data = await recon.report(journal, date.fromisoformat(args.date) if args.date
                                      else date.today())
        finally:
            await journal.close()
        if args.json:
            _print_json(data)
        else:
            print(recon.render(data))
        return 0 if not data["unmatched_entries"] and not data["unconfirmed_messages"] else 1
    return _run(go())


def cmd_approvals(args: argparse.Namespace) -> int:
    async def go() -> int:
        hub = await _operations(_settings(args))
        try:
            ops = hub.operations()
            if args.action == "list":
                _print_json(await ops.journal.approvals(args.state if args.state != "all"
                                                        else ""))
            elif args.action == "approve":
                _print_json(await ops.approve(args.id, args.actor))
            else:
                _print_json(await ops.refuse(args.id, args.actor, args.reason or ""))
        finally:
            await hub.journal.close()
        return 0
    return _run(go())


def cmd_callbacks(args: argparse.Namespace) -> int:
    async def go() -> int:
        journal = await _journal(_settings(args))
        try:
            if args.action == "list":
                _print_json([dict(r) for r in await journal.dead_callbacks()])
            else:
                await journal.requeue_callbacks()
                print("dead callbacks queued again")
        finally:
            await journal.close()
        return 0
    return _run(go())


def cmd_repair(args: argparse.Namespace) -> int:
    async def go() -> int:
        if args.action == "propose":
            hub = await _operations(_settings(args))
            try:
                payload: dict[str, Any] = {}
                if args.file:
                    payload["message"] = orjson.loads(Path(args.file).read_bytes())
                if args.connector:
                    payload["connector"] = args.connector
                    payload["format"] = args.format or "json"
                _print_json(await hub.operations().propose(args.id, args.what, args.actor,
                                                           reason=args.reason or "",
                                                           payload=payload))
            finally:
                await hub.journal.close()
            return 0
        journal = await _journal(_settings(args))
        try:
            if args.action == "list":
                items = []
                for state in (State.REPAIR, State.DEAD):
                    for r in await journal.list_messages(state=state, limit=1000):
                        events = await journal.events(r.id)
                        last = events[-1].to_json() if events else {}
                        items.append({"id": r.id, "state": r.state.value, "kind": r.kind,
                                      "reference": r.reference, "amount": r.amount,
                                      "currency": r.currency, "reason": last.get("data")})
                _print_json(items)
                return 0
            record = await journal.get(args.id)
            if record is None:
                print(f"no message {args.id}", file=sys.stderr)
                return 1
            if record.state is not State.DEAD:
                print(f"{args.id} is {record.state.value}; only DEAD messages are retried here",
                      file=sys.stderr)
                return 1
            await journal.append(args.id, NewEvent("retry", State.QUEUED, "cli", {
                "by": args.actor}), expect={State.DEAD}, requeue_dead=True)
            print(f"{args.id} queued again")
            return 0
        finally:
            await journal.close()
    return _run(go())


# -- parser -------------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nvc-hub", description="NVC Hub payment messaging daemon")
    p.add_argument("--config", "-c", help="TOML config file (or HUB_CONFIG)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Callable[[argparse.Namespace], int], help: str,
            into: Any = sub) -> argparse.ArgumentParser:
        cmd: argparse.ArgumentParser = into.add_parser(name, help=help)
        cmd.set_defaults(fn=fn)
        return cmd

    add("run", cmd_run, "run the daemon")
    add("migrate", cmd_migrate, "apply journal migrations")
    add("check-config", cmd_check_config, "print the resolved config, secrets masked")
    v = add("validate", cmd_validate, "validate a message file")
    v.add_argument("file")
    v.add_argument("--format")
    v.add_argument("--profile", help="cbpr | t2 | chaps | fedwire")
    v.add_argument("--json", action="store_true")
    c = add("convert", cmd_convert, "convert a message file to another format")
    c.add_argument("file")
    c.add_argument("--to", required=True)
    c.add_argument("--from", dest="from_format")
    c.add_argument("--profile")
    c.add_argument("--sender")
    c.add_argument("--receiver")
    c.add_argument("--truncate", action="store_true",
                   help="cut over-long values (marked with +) and report them on stderr")
    s = add("submit", cmd_submit, "submit a file to a running hub over HTTP")
    s.add_argument("file")
    s.add_argument("--format")
    s.add_argument("--url")
    s.add_argument("--key")
    st = add("status", cmd_status, "where is this payment and why")
    st.add_argument("id", help="hub id, UETR or reference")
    st.add_argument("--json", action="store_true")
    r = add("route", lambda a: 2, "routing: explain, simulate")
    rsub = r.add_subparsers(dest="route_command", required=True)
    e = add("explain", cmd_route_explain, "explain the route for a message", rsub)
    e.add_argument("file")
    e.add_argument("--table", required=True)
    e.add_argument("--at")
    e.add_argument("--format")
    e.add_argument("--json", action="store_true")
    sim = add("simulate", cmd_route_simulate, "route a folder of messages", rsub)
    sim.add_argument("--table", required=True)
    sim.add_argument("--messages", required=True)
    sim.add_argument("--against")
    sim.add_argument("--at")
    sim.add_argument("--json", action="store_true")
    k = add("apikey", cmd_apikey, "manage API keys")
    ksub = k.add_subparsers(dest="action", required=True)
    kc = ksub.add_parser("create")
    kc.add_argument("--role", required=True, choices=["submitter", "operator", "auditor",
                                                        "admin"])
    kc.add_argument("--name")
    ksub.add_parser("list")
    kr = ksub.add_parser("revoke")
    kr.add_argument("id")
    a = add("audit", cmd_audit, "verify or export the hash-chained event log")
    asub = a.add_subparsers(dest="action", required=True)
    av = asub.add_parser("verify")
    av.add_argument("file", nargs="?", help="an export file; without it, the journal itself")
    ae = asub.add_parser("export")
    ae.add_argument("--from", dest="start")
    ae.add_argument("--to", dest="end")
    ae.add_argument("--out")
    rp = add("repair", cmd_repair, "the repair queue and dead letters")
    rpsub = rp.add_subparsers(dest="action", required=True)
    rpsub.add_parser("list")
    rr = rpsub.add_parser("retry")
    rr.add_argument("id")
    rr.add_argument("--actor", default="cli")
    rprop = rpsub.add_parser("propose", help="propose release/correct/reroute/reject/retry")
    rprop.add_argument("id")
    rprop.add_argument("what", choices=["release", "correct", "reroute", "reject", "retry"])
    rprop.add_argument("--actor", required=True, help="who proposes (a second person approves)")
    rprop.add_argument("--reason")
    rprop.add_argument("--file", help="the corrected canonical message (correct)")
    rprop.add_argument("--connector", help="send by this connector (reroute)")
    rprop.add_argument("--format")
    ap = add("approvals", cmd_approvals, "four-eyes proposals")
    apsub = ap.add_subparsers(dest="action", required=True)
    apl = apsub.add_parser("list")
    apl.add_argument("--state", default="pending", choices=["pending", "approved", "refused",
                                                              "all"])
    for verb in ("approve", "refuse"):
        cmd = apsub.add_parser(verb)
        cmd.add_argument("id")
        cmd.add_argument("--actor", required=True, help="who decides (never the proposer)")
        cmd.add_argument("--reason")
    cb = add("callbacks", cmd_callbacks, "callbacks that could not be delivered")
    cbsub = cb.add_subparsers(dest="action", required=True)
    cbsub.add_parser("list")
    cbsub.add_parser("retry")
    rc = add("recon", cmd_recon, "reconciliation against account statements")
    rcsub = rc.add_subparsers(dest="recon_command", required=True)
    rcr = rcsub.add_parser("report")
    rcr.add_argument("--date", help="value date YYYY-MM-DD (default today)")
    rcr.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.fn(args)
        return code
    except HubError as exc:
        sys.stderr.write(orjson.dumps({"error": exc.code, "message": exc.message,
                                       "location": exc.location,
                                       "diagnostics": [d.to_json() for d in exc.diagnostics]},
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
        return 2
    except FileNotFoundError as exc:
        print(f"no such file: {exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
