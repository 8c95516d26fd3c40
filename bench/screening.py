"""Screening cost per message against a generated 10,000-entry watch list.

    python bench/screening.py [entries]

Prints, for N generated list entries (default 10,000, each with a primary name and one alias)
and a set of generated payments with six screened names, BICs and countries each:
  baseline   rapidfuzz's process.extractOne of each payment's names over every listed name
             (a linear scan, the obvious way to do it)
  screen     Screener.screen_local: normalisation, index look-up, scoring, BIC and countries
with microseconds per message and the ratio to the baseline, measured in the same run.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process

from hub.model import Agent, Kind, Message, Money, Party, PostalAddress
from hub.screening import Countries, Entry, Screener, WatchList
from hub.screening.index import name_form

SYLLABLES = ("ka", "ro", "mi", "tan", "vel", "dor", "sha", "lin", "gor", "bet", "nus", "ar",
             "el", "vik", "zo", "pra", "dim", "hal", "sen", "tu", "ov", "ina", "kov", "ber")
FORMS = ("LTD", "LLC", "GMBH", "S.A.", "TRADING", "HOLDINGS", "BANK", "SHIPPING", "")


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def entries(count: int, rng: random.Random) -> list[Entry]:
    out = []
    for i in range(count):
        if i % 2:
            name = f"{word(rng).upper()}, {word(rng)} {word(rng)}"
            alias = f"{word(rng)} {word(rng)}"
        else:
            name = f"{word(rng)} {word(rng)} {rng.choice(FORMS)}".strip()
            alias = f"{word(rng)} {rng.choice(FORMS)}".strip()
        bics = (f"ZZ{word(rng)[:2].upper()}RU{i % 90 + 10}",) if i % 10 == 0 else ()
        out.append(Entry(list_name="BENCH", entry_id=str(i), names=(name, alias), bics=bics))
    return out


def payments(count: int, rng: random.Random) -> list[Message]:
    out = []
    for _ in range(count):
        out.append(Message(
            kind=Kind.CUSTOMER_CREDIT_TRANSFER, amount=Money.from_minor(12345, "EUR"),
            debtor=Party(name=f"{word(rng)} {word(rng)}", account="DE89370400440532013000",
                         address=PostalAddress(lines=("1 MAIN STREET", "BERLIN GERMANY"))),
            creditor=Party(name=f"{word(rng)} {word(rng)} {rng.choice(FORMS)}".strip(),
                           address=PostalAddress(country="FR", town_name="PARIS")),
            ultimate_creditor=Party(name=f"{word(rng)} {word(rng)}"),
            debtor_agent=Agent(bic="DEUTDEFFXXX", name=f"{word(rng)} BANK"),
            creditor_agent=Agent(bic="BNPAFRPPXXX", name=f"{word(rng)} BANK"),
            intermediary_agents=(Agent(bic="CHASUS33XXX", name=f"{word(rng)} BANK"),)))
    return out


def names_of(message: Message) -> list[str]:
    parties = (message.debtor, message.creditor, message.ultimate_creditor,
               message.debtor_agent, message.creditor_agent, *message.intermediary_agents)
    return [p.name for p in parties if p is not None and p.name]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(20250115)
    listed = entries(count, rng)
    started = time.perf_counter()
    watch_list = WatchList(listed)
    built = time.perf_counter() - started
    screener = Screener(watch_list, threshold=88.0, countries=Countries(("IR", "KP", "SY")))
    messages = payments(400, rng)
    forms = [f.plain for f in (name_form(n) for e in listed for n in e.names) if f]

    started = time.perf_counter()
    for message in messages[:40]:
        for name in names_of(message):
            form = name_form(name)
            assert form is not None
            process.extractOne(form.plain, forms, scorer=fuzz.ratio, score_cutoff=88.0)
    baseline = (time.perf_counter() - started) / 40

    for message in messages[:20]:  # warm the normalisation caches as a running hub would
        screener.screen_local(message)
    rounds = 5
    started = time.perf_counter()
    hits = 0
    for _ in range(rounds):
        for message in messages:
            hits += len(screener.screen_local(message))
    screen = (time.perf_counter() - started) / (rounds * len(messages))

    print(f"list: {len(watch_list)} entries, {watch_list.names} names, index built in "
          f"{built * 1000:.0f} ms; {len(names_of(messages[0]))} names per message")
    print(f"baseline (linear extractOne)  {baseline * 1e6:9.1f} us/message   ratio 1.00")
    print(f"screen_local                  {screen * 1e6:9.1f} us/message   ratio "
          f"{baseline / screen:.1f}x faster   ({1 / screen:,.0f} messages/s, {hits} hits)")


if __name__ == "__main__":
    main()
