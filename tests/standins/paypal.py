"""PayPal STAND-IN: a loopback server following PayPal's documented Payouts, OAuth2 and webhook
shapes. It is not PayPal and not a sandbox; no PayPal sandbox can be run offline.

What it follows (developer.paypal.com):
- POST /v1/oauth2/token: HTTP Basic client id:secret, `grant_type=client_credentials`; answers
  {scope, access_token, token_type: "Bearer", app_id, expires_in, nonce}; bad credentials 401
  {"error": "invalid_client", "error_description": "Client Authentication failed"}.
- REST calls with an unknown or expired token: 401 {"name": "AUTHENTICATION_FAILURE", ...}.
- POST /v1/payments/payouts: 201 {batch_header: {payout_batch_id, batch_status: "PENDING",
  sender_batch_header}, links}; a sender_batch_id used before: 400 USER_BUSINESS_ERROR with
  details field SENDER_BATCH_ID and a link to the original batch; the same PayPal-Request-Id
  again: the first answer again; bad items: 400 VALIDATION_ERROR with details[{field, location,
  issue}]; not enough balance: 422 INSUFFICIENT_FUNDS.
- GET /v1/payments/payouts/{id}: {batch_header: {..., amount, fees}, items: [{payout_item_id,
  transaction_id, transaction_status, payout_batch_id, payout_item: {...}, errors}]}.
- Webhooks signed as PayPal signs them: SHA256withRSA over
  `transmission_id|transmission_time|webhook_id|crc32(body)`, with the certificate served at
  PAYPAL-CERT-URL (/v1/notifications/certs/...) and POST /v1/notifications/verify-webhook-signature.

Faults are scripted (`fail_next`) so tests can play 429 with Retry-After, 5xx and slow answers.
Run alone (`python -m tests.standins.paypal`) it prints `PORT <n>` and serves until stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import secrets
import socket
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from hub.model import is_currency, minor_units

CLIENT_ID = "AStandInClientId0000000000000000000000000000000000000000000000000000000000000000"
CLIENT_SECRET = "EStandInSecret00000000000000000000000000000000000000000000000000000000000000"
WEBHOOK_ID = "1JE4291016473214C"
CERT_PATH = "/v1/notifications/certs/CERT-360caa42-fca2a594-standin"
# Currencies PayPal Payouts lists as supported (developer.paypal.com/docs/payouts/reference/
# currency-codes); others are refused as PayPal refuses them.
CURRENCIES = frozenset({"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS",
                        "JPY", "MYR", "MXN", "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "RUB",
                        "SGD", "SEK", "CHF", "THB", "USD"})


def _error(status: int, name: str, message: str, *, details: list[dict[str, str]] | None = None,
           links: list[dict[str, str]] | None = None,
           headers: dict[str, str] | None = None) -> web.Response:
    body = {"name": name, "message": message, "debug_id": secrets.token_hex(7),
            "information_link": "https://developer.paypal.com/docs/api/payments.payouts-batch/"
                                "#errors"}
    if details is not None:
        body["details"] = details  # type: ignore[assignment]
    body["links"] = links or []  # type: ignore[assignment]
    return web.json_response(body, status=status, headers=headers)


def _certificates() -> tuple[rsa.RSAPrivateKey, bytes, bytes]:
    """A stand-in CA and a signing certificate it issued: (key, leaf+CA PEM, CA PEM)."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stand-in PayPal Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(
                NameOID.COMMON_NAME, "messageverificationcerts.standin.invalid")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return key, leaf.public_bytes(pem) + ca.public_bytes(pem), ca.public_bytes(pem)


@functools.cache
def _shared_certificates() -> tuple[rsa.RSAPrivateKey, bytes, bytes]:
    """One key pair per process: RSA key generation is the slow part of starting a stand-in."""
    return _certificates()


@dataclass
class Fault:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class PayPalStandIn:
    """State and handlers of the stand-in; `app()` is the aiohttp application."""

    def __init__(self, *, token_ttl: int = 32400,
                 balance: dict[str, Decimal] | None = None) -> None:
        self.base_url = ""  # set by the caller once bound, for links and the cert URL
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.balance = balance
        self.batches: dict[str, dict[str, Any]] = {}
        self.by_sender_batch: dict[str, str] = {}
        self.by_request_id: dict[str, tuple[int, bytes]] = {}
        self.payout_posts = 0
        self.faults: dict[str, list[Fault]] = {}
        self.sent_events: dict[str, bytes] = {}
        self.key, self.cert_pem, self.ca_pem = _shared_certificates()

    # --- what tests drive --------------------------------------------------------------------

    def fail_next(self, path: str, fault: Fault) -> None:
        self.faults.setdefault(path, []).append(fault)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def settle(self, batch_id: str, status: str = "SUCCESS",
               error: tuple[str, str] | None = None) -> dict[str, Any]:
        """Move the batch's item to `status` as PayPal would once it processed it."""
        batch = self.batches[batch_id]
        item = batch["items"][0]
        item["transaction_status"] = status
        item["time_processed"] = _now()
        if error:
            item["errors"] = {"name": error[0], "message": error[1]}
        if status == "SUCCESS":
            item["transaction_id"] = secrets.token_hex(8).upper()
        head = batch["batch_header"]
        head["batch_status"] = "SUCCESS"
        head["time_completed"] = _now()
        return dict(item)

    def signed_event(self, event_type: str, resource: dict[str, Any], *,
                     webhook_id: str = WEBHOOK_ID, at: datetime | None = None
                     ) -> tuple[bytes, dict[str, str]]:
        """A webhook body and headers as PayPal sends them, signed with the stand-in's key."""
        body = orjson.dumps({
            "id": f"WH-{secrets.token_hex(8).upper()}", "event_version": "1.0",
            "create_time": _now(), "resource_type": "payouts_item"
            if "PAYOUTS-ITEM" in event_type else "payouts",
            "event_type": event_type, "summary": f"{event_type} (stand-in)",
            "resource": resource, "links": []})
        transmission_id = str(uuid.uuid1())
        when = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{transmission_id}|{when}|{webhook_id}|{zlib.crc32(body)}".encode()
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        self.sent_events[transmission_id] = body
        return body, {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": when,
            "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
            "PAYPAL-CERT-URL": self.base_url + CERT_PATH,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }

    # --- the server --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults])
        app.router.add_post("/v1/oauth2/token", self._token)
        app.router.add_post("/v1/payments/payouts", self._create)
        app.router.add_get("/v1/payments/payouts/{batch_id}", self._get)
        app.router.add_get(CERT_PATH, self._cert)
        app.router.add_post("/v1/notifications/verify-webhook-signature", self._verify)
        return app

    @web.middleware
    async def _faults(self, request: web.Request, handler: Any) -> web.StreamResponse:
        queue = self.faults.get(request.path)
        if queue:
            fault = queue.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        response: web.StreamResponse = await handler(request)
        return response

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires = self.tokens.get(token)
        return scheme == "Bearer" and expires is not None and expires > _clock()

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        form = await request.post()
        if scheme != "Basic" or (user, password) != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"error": "invalid_client",
                                      "error_description": "Client Authentication failed"},
                                     status=401)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type",
                                      "error_description": "Grant Type is NULL"}, status=400)
        token = "A21AA" + secrets.token_urlsafe(40)
        self.tokens[token] = _clock() + self.token_ttl
        return web.json_response({
            "scope": "https://uri.paypal.com/services/payments/payouts "
                     "https://uri.paypal.com/services/payments/realtimepayment",
            "access_token": token, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
            "expires_in": self.token_ttl, "nonce": f"{_now()}{secrets.token_hex(8)}"})

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "AUTHENTICATION_FAILURE", "Authentication failed due to invalid "
                          "authentication credentials or a missing Authorization header.")
        self.payout_posts += 1
        request_id = request.headers.get("PayPal-Request-Id")
        if request_id and request_id in self.by_request_id:
            status, body = self.by_request_id[request_id]
            return web.Response(status=status, body=body, content_type="application/json")
        try:
            data = orjson.loads(await request.read())
            head = data["sender_batch_header"]
            items = data["items"]
            assert isinstance(head, dict) and isinstance(items, list)
        except (orjson.JSONDecodeError, KeyError, AssertionError, TypeError):
            return _error(400, "MALFORMED_REQUEST", "The request is not well-formed.")
        problems = _validate(items)
        if problems:
            return _error(400, "VALIDATION_ERROR", "Invalid request - see details.",
                          details=problems)
        sender_batch_id = str(head.get("sender_batch_id") or secrets.token_hex(8))
        if sender_batch_id in self.by_sender_batch:
            original = self.by_sender_batch[sender_batch_id]
            return _error(400, "USER_BUSINESS_ERROR", "User business error.", details=[
                {"field": "SENDER_BATCH_ID", "location": "body",
                 "issue": f"Batch with given sender_batch_id already exists: {sender_batch_id}"}],
                links=[{"href": f"{self.base_url}/v1/payments/payouts/{original}",
                        "rel": "self", "method": "GET"}])
        total = sum((Decimal(i["amount"]["value"]) for i in items), Decimal(0))
        currency = items[0]["amount"]["currency"]
        if self.balance is not None:
            if self.balance.get(currency, Decimal(0)) < total:
                return _error(422, "INSUFFICIENT_FUNDS", "Sender does not have sufficient "
                              "funds. Please add funds and retry.")
            self.balance[currency] -= total
        batch_id = secrets.token_hex(7).upper()[:13]
        sender_header = {"sender_batch_id": sender_batch_id,
                         **{k: v for k, v in head.items() if k != "sender_batch_id"}}
        self.batches[batch_id] = {
            "batch_header": {
                "payout_batch_id": batch_id, "batch_status": "PENDING",
                "time_created": _now(), "sender_batch_header": sender_header,
                "amount": {"currency": currency, "value": str(total)},
                "fees": {"currency": currency, "value": "0.00"}},
            "items": [{
                "payout_item_id": secrets.token_hex(7).upper()[:13],
                "transaction_status": "PENDING", "payout_batch_id": batch_id,
                "sender_batch_id": sender_batch_id,
                "payout_item_fee": {"currency": currency, "value": "0.00"},
                "payout_item": {k: item.get(k) for k in ("recipient_type", "amount", "note",
                                                         "receiver", "sender_item_id")}}
                for item in items],
            "links": []}
        self.by_sender_batch[sender_batch_id] = batch_id
        answer = orjson.dumps({
            "batch_header": {"sender_batch_header": sender_header, "payout_batch_id": batch_id,
                             "batch_status": "PENDING"},
            "links": [{"href": f"{self.base_url}/v1/payments/payouts/{batch_id}",
                       "rel": "self", "method": "GET", "encType": "application/json"}]})
        if request_id:
            self.by_request_id[request_id] = (201, answer)
        return web.Response(status=201, body=answer, content_type="application/json")

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "AUTHENTICATION_FAILURE", "Authentication failed due to invalid "
                          "authentication credentials or a missing Authorization header.")
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
        return web.json_response(batch)

    async def _cert(self, request: web.Request) -> web.Response:
        return web.Response(body=self.cert_pem, content_type="application/x-pem-file")

    async def _verify(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "AUTHENTICATION_FAILURE", "Authentication failed.")
        data = orjson.loads(await request.read())
        sent = self.sent_events.get(str(data.get("transmission_id")))
        ok = False
        if sent is not None and orjson.loads(sent) == data.get("webhook_event"):
            message = (f"{data.get('transmission_id')}|{data.get('transmission_time')}|"
                       f"{data.get('webhook_id')}|{zlib.crc32(sent)}").encode()
            try:
                self.key.public_key().verify(base64.b64decode(str(data.get("transmission_sig"))),
                                             message, padding.PKCS1v15(), hashes.SHA256())
                ok = True
            except Exception:
                ok = False
        return web.json_response({"verification_status": "SUCCESS" if ok else "FAILURE"})


def _validate(items: list[Any]) -> list[dict[str, str]]:
    problems = []
    if not items:
        problems.append({"field": "items", "location": "body", "issue": "Items are required"})
    for n, item in enumerate(items):
        amount = item.get("amount") if isinstance(item, dict) else None
        currency = str(amount.get("currency", "")) if isinstance(amount, dict) else ""
        value = str(amount.get("value", "")) if isinstance(amount, dict) else ""
        if not is_currency(currency) or currency not in CURRENCIES:
            problems.append({"field": f"items[{n}].amount.currency", "location": "body",
                             "issue": "Currency code is invalid or is not currently supported"})
            continue
        try:
            number = Decimal(value)
            exponent = number.as_tuple().exponent
            bad = (not number.is_finite() or number <= 0 or
                   (isinstance(exponent, int) and -exponent > minor_units(currency)))
        except InvalidOperation:
            bad = True
        if bad:
            problems.append({"field": f"items[{n}].amount.value", "location": "body",
                             "issue": "Amount value is invalid for the currency"})
        if not item.get("receiver"):
            problems.append({"field": f"items[{n}].receiver", "location": "body",
                             "issue": "Receiver is invalid or does not match with type"})
    return problems


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clock() -> float:
    return datetime.now(UTC).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    standin = PayPalStandIn()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((args.host, 0))
    port = sock.getsockname()[1]
    sock.listen(128)  # connections wait in the backlog until the app serves
    standin.base_url = f"http://{args.host}:{port}"
    print(f"PORT {port}", flush=True)
    web.run_app(standin.app(), sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
