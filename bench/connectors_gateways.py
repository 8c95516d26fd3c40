"""Sends per second through the Stripe and PayPal connectors against their local peers.

Each connector's rate is printed beside the raw client rate: a plain aiohttp POST of the same
request to the same peer, in the same run, so the ratio is the connector's own cost (building
the request, idempotency headers, answer parsing and integrity check, token handling, metrics,
the log line). Peers: localstripe (PyPI) and the PayPal stand-in, each in its own process on
127.0.0.1, so the peer and the client do not share an event loop.

    python bench/connectors_gateways.py [--sends 600] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from hub.connectors import paypal, stripe  # noqa: E402
from tests.integration.gateways.conftest import start_localstripe, stop  # noqa: E402
from tests.standins.paypal import CLIENT_ID, CLIENT_SECRET  # noqa: E402
from tests.unit.gateways.support import message, outbound  # noqa: E402


async def rate(sends: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Sends per second for `sends` calls of `one`, `concurrency` at a time."""
    counter = iter(range(sends))

    async def worker() -> None:
        for n in counter:
            await one(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sends / (time.perf_counter() - started)


async def alternate(sends: int, concurrency: int, raw: Callable[[int], Awaitable[None]],
                    through: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    """Best of two rounds each, interleaved, so a peer that slows as it fills hurts both."""
    raws, throughs = [], []
    for _ in range(2):
        raws.append(await rate(sends // 2, concurrency, raw))
        throughs.append(await rate(sends // 2, concurrency, through))
    return max(raws), max(throughs)


def start_standin() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.standins.paypal"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"stand-in did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


async def bench_stripe(sends: int, concurrency: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as state:
        proc, url = start_localstripe(Path(state), persist=False)
        try:
            c = stripe.build("stripe_bench", {"base_url": url, "api_key": "sk_test_bench",
                                              "mode": "payout"}, registry=CollectorRegistry())
            msg = message("12.50")

            async def through(n: int) -> None:
                key = str(uuid.uuid4())
                await c.send(outbound(msg, key=key, message_id=f"m{n}"))

            async with aiohttp.ClientSession() as session:
                async def raw(n: int) -> None:
                    key = str(uuid.uuid4())
                    async with session.post(f"{url}/v1/payouts", data={
                            "amount": "1250", "currency": "eur", "metadata[hub_key]": key,
                            "metadata[hub_message_id]": f"m{n}", "description": "Invoice"},
                            headers={"Authorization": "Bearer sk_test_bench",
                                     "Idempotency-Key": key}) as resp:
                        await resp.read()
                        assert resp.status == 200

                await rate(min(50, sends), concurrency, raw)  # warm both paths
                await rate(min(50, sends), concurrency, through)
                raw_rate, connector_rate = await alternate(sends, concurrency, raw, through)
            await c.close()
        finally:
            stop(proc)
    return raw_rate, connector_rate


async def bench_paypal(sends: int, concurrency: int) -> tuple[float, float]:
    proc, url = start_standin()
    try:
        c = paypal.build("paypal_bench", {"base_url": url, "client_id": CLIENT_ID,
                                          "client_secret": CLIENT_SECRET},
                         registry=CollectorRegistry())

        async def through(n: int) -> None:
            key = str(uuid.uuid4())
            await c.send(outbound(message("12.50", email="ana@example.com", uetr=key),
                                  key=key, message_id=f"m{n}"))

        async with aiohttp.ClientSession() as session:
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            async with session.post(f"{url}/v1/oauth2/token",
                                    data={"grant_type": "client_credentials"},
                                    headers={"Authorization": f"Basic {basic}"}) as resp:
                token = (await resp.json())["access_token"]

            async def raw(n: int) -> None:
                key = str(uuid.uuid4())
                body = {"sender_batch_header": {"sender_batch_id": key,
                                                "email_subject": "You have a payment",
                                                "recipient_type": "EMAIL"},
                        "items": [{"recipient_type": "EMAIL", "receiver": "ana@example.com",
                                   "amount": {"value": "12.50", "currency": "EUR"},
                                   "sender_item_id": f"m{n}", "note": "Invoice 4711"}]}
                async with session.post(f"{url}/v1/payments/payouts", json=body, headers={
                        "Authorization": f"Bearer {token}", "PayPal-Request-Id": key}) as resp:
                    await resp.read()
                    assert resp.status == 201

            await rate(min(50, sends), concurrency, raw)
            await rate(min(50, sends), concurrency, through)
            raw_rate, connector_rate = await alternate(sends, concurrency, raw, through)
        await c.close()
    finally:
        stop(proc)
    return raw_rate, connector_rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sends", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(f"{args.sends} sends each, {args.concurrency} in flight, peers on 127.0.0.1")
    print(f"{'connector':<10} {'raw POST/s':>11} {'connector/s':>12} {'ratio':>7}")
    for name, bench in (("stripe", bench_stripe), ("paypal", bench_paypal)):
        raw_rate, connector_rate = await bench(args.sends, args.concurrency)
        print(f"{name:<10} {raw_rate:>11.0f} {connector_rate:>12.0f} "
              f"{connector_rate / raw_rate:>7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
