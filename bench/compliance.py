"""Compliance benchmark: generated creative through the compliance engine, checks/s.

    .venv/bin/python bench/compliance.py [--creatives 50000] [--seed 7] [--by-check]

No database: recipients and their consent are resolved before the engine runs (as the channels
do, in two queries per audience), so this measures the engine and the checks themselves —
``run_checks`` on email and SMS drafts to recipients in the US (Illinois, California, Texas,
New York), Florida, Canada and the EU, with every kind of consent state (none, express written,
express, implied and expired implied, legitimate interest, revoked, another channel's only),
suppressions, first and later messages, good and broken creative (no unsubscribe link, no
postal address, "RE:" subjects, texts without STOP), at instants spread over a week so quiet
hours defer some texts. Every recipient has a phone number of their own, and the quiet-hours
cache is cleared before the timed pass: each number is looked up once, as in a real run.

The raw limit, measured in the same run, is one plain Python pass over the same drafts that
joins each draft's text fields and lower-cases them: the least any content check must do.
(The floor of the loop itself, a no-op call per draft, is printed too.)

Then vehicle creatives (``--vehicles``): Meta and Google ads for used, certified, new and demo
vehicles in an automotive workspace, each with its vehicle as data and the target market's
jurisdictions (federal plus CA, TX, FL, IL, OH, NY, NJ, PA), as the inventory-ads agent renders
them — good ones and broken ones (the price without the dealer's fees, "with trade", no "used"
label, a payment without its credit terms, a lease without Reg M's disclosures, a sale of 2 %,
a stock number alone in California, a sold vehicle) — through the same engine with every
check, the automotive ones included, against the same raw text pass over those drafts.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from smoke import parse_arguments

ROOT = Path(__file__).resolve().parent.parent
TARGET = 20_000  # creatives/s, docs/architecture.md "Hot paths"

ADDRESS = "1 Main Street, Springfield, IL 62701, USA"
SENDER_NAME = "Acme Motors"
#: (country, region, area codes or a number pattern, weight)
PLACES: list[tuple[str, str, Sequence[str], int]] = [
    ("US", "IL", ["+1312", "+1773", "+1630"], 20),
    ("US", "CA", ["+1213", "+1415", "+1619"], 15),
    ("US", "TX", ["+1214", "+1512", "+1713"], 10),
    ("US", "NY", ["+1212", "+1718", "+1516"], 10),
    ("US", "FL", ["+1305", "+1407", "+1941"], 10),
    ("US", "HI", ["+1808"], 2),
    ("US", "ID", ["+1208"], 2),
    ("CA", "ON", ["+1416", "+1613"], 10),
    ("CA", "BC", ["+1604"], 5),
    ("DE", "", ["+49151"], 6),
    ("FR", "", ["+336"], 5),
    ("IE", "", ["+35387"], 5),
]
CONSENT_KINDS = [
    ("none", 20),
    ("express_written", 35),
    ("express", 10),
    ("implied_purchase", 8),
    ("implied_inquiry", 5),
    ("expired_inquiry", 5),
    ("legitimate_interest", 5),
    ("revoked", 7),
    ("other_channel", 5),
]
SUBJECTS = [
    "Your winter service offer",
    "20% off tyres this month",
    "New arrivals on the lot",
    "RE: your test drive",
    "Fwd: price drop on the model you viewed",
    "",
]
EMAIL_BODIES = [
    "Hello {name}, winter tyres are 20% off this month. Book at https://acme.example/book.",
    "Hi {name}, the {model} you looked at just dropped in price: https://acme.example/v/{n}",
    "{name}, your car is due for service. Reply to this email or call us to book.",
]
SMS_BODIES = [
    "{sender}: {name}, tyres 20% off this week. Reply STOP to opt out.",
    "{sender}: your {model} is ready for pickup.",
    "{name}, 20% off service this week! Reply STOP to end.",
    "{sender}: test drives this weekend, book at https://acme.example/td. STOP to opt out",
]
MODELS = ["Civic", "RAV4", "F-150", "Model 3", "Golf", "CX-5"]

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"creatives": 2_000, "vehicles": 2_000, "repeat": 1}

STATES = ["CA", "TX", "FL", "IL", "OH", "NY", "NJ", "PA", "GA", "AZ"]
CARS = [
    ("Toyota", "RAV4", "XLE"),
    ("Ford", "F-150", "XLT"),
    ("Honda", "Civic", "EX"),
    ("Chevrolet", "Equinox", "LT"),
    ("Volkswagen", "Tiguan", "SE"),
    ("Jeep", "Grand Cherokee", "Limited"),
]
#: (template, weight): what the agent renders, and what an edited template gets wrong.
VEHICLE_ADS = [
    (
        "{label} {name} {trim} at Lakeside, {miles} miles. {advertised} including {fees} in dealer "
        "fees, plus tax, title and license. Stock #{stock}, VIN {vin}.",
        40,
    ),
    ("{label} {name} {trim}. {advertised} plus tax, title and license. VIN {vin}.", 12),
    ("{label} {name} {trim}. {price} plus tax, title and license. VIN {vin}.", 6),
    ("{name} {trim}, {miles} miles. {advertised} plus tax. VIN {vin}.", 4),
    ("{label} {name} only {trade} with trade-in! VIN {vin}.", 3),
    (
        "{label} {name}: {payment}/mo for 72 months with $2,000 down at 6.9% APR, on approved "
        "credit. VIN {vin}.",
        8,
    ),
    ("{label} {name}: only {payment}/mo! VIN {vin}.", 3),
    (
        "Lease the {name} for {payment}/mo. for 36 months, $2,999 due at signing, no security "
        "deposit. Excess wear and $0.25/mile over 10,000 miles/year.",
        6,
    ),
    ("Lease the {name} for {payment}/mo!", 2),
    ("Sale ends Sunday! {label} {name}, was {was}, now {advertised} plus tax. VIN {vin}.", 4),
    ("Summer sale! {label} {name} {advertised} plus tax. VIN {vin}.", 2),
    ("{label} {name} {advertised} plus tax, stock #{stock}.", 3),
]
SEARCH_ADS = (
    "{name}\n{label} {make} {model}\nAt Lakeside Motors\n{advertised} Plus Tax & Tags\n"
    "Stock #{stock}",
    "{name} {trim}. VIN {vin}.\n{advertised} incl. dealer fees, plus tax, title & license.",
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creatives", type=int, default=50_000, help="drafts to check")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best counts")
    parser.add_argument("--vehicles", type=int, default=50_000, help="vehicle creatives to check")
    parser.add_argument("--by-check", action="store_true", help="time each check on its own")
    return parse_arguments(parser, SMOKE)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
    os.environ.setdefault("COMO_ENV", "development")  # a developer's machine, as make's
    import django

    django.setup()


def weighted(rng: random.Random, items: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([item for item, _ in items], [weight for _, weight in items])[0]


def consents(kind: str, channel: str, at: datetime) -> list[Any]:
    from como.consent.state import ConsentState

    other = "sms" if channel == "email" else "email"
    recorded = at - timedelta(days=40)
    if kind == "none":
        return []
    if kind == "revoked":
        return [ConsentState(channel=channel, granted=False, revoked=True, record_id=1,
                             recorded_at=recorded, source="sms_keyword")]  # fmt: skip
    if kind == "other_channel":
        return [ConsentState(channel=other, granted=True, basis="express_written", record_id=1,
                             recorded_at=recorded)]  # fmt: skip
    if kind == "expired_inquiry":
        lapsed = at - timedelta(days=3)
        return [ConsentState(channel=channel, granted=False, basis="implied_inquiry",
                             record_id=1, recorded_at=lapsed - timedelta(days=182),
                             expires_at=lapsed, expired=True)]  # fmt: skip
    expires = at + timedelta(days=90) if kind.startswith("implied") else None
    return [ConsentState(channel=channel, granted=True, basis=kind, record_id=1,
                         recorded_at=recorded, expires_at=expires)]  # fmt: skip


def generate(count: int, rng: random.Random) -> list[Any]:
    from como.compliance.drafts import Draft, Recipient, Sender

    sender = Sender(name=SENDER_NAME, postal_address=ADDRESS, country="US")
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a week with the spring DST change in it
    drafts = []
    for n in range(count):
        country, region, prefixes, _ = weighted(rng, [(p, p[3]) for p in PLACES])
        channel = "email" if rng.random() < 0.55 else "sms"
        at = start + timedelta(seconds=rng.randrange(7 * 86_400))
        digits = 10 - (len(rng.choice(prefixes)) - 2) if country in ("US", "CA") else 7
        phone = rng.choice(prefixes) + "".join(str(rng.randrange(2, 10)) for _ in range(digits))
        suppressed: frozenset[str] = frozenset()
        if rng.random() < 0.03:
            suppressed = frozenset({rng.choice(["email", "sms", "*"])})
        recipient = Recipient(
            contact_id=n + 1,
            email=f"person{n}@example.com",
            phone=phone,
            country=country,
            region=region,
            consents={s.channel: s for s in consents(weighted(rng, CONSENT_KINDS), channel, at)},
            suppressed=suppressed,
            messages_sent=rng.choice([0, 0, 1, 3, 12]),
        )
        words = {"name": f"Person{n}", "model": rng.choice(MODELS), "n": n, "sender": SENDER_NAME}
        if channel == "email":
            body = rng.choice(EMAIL_BODIES).format(**words)
            footer = rng.random()
            if footer < 0.9:
                body += f"\n\n{SENDER_NAME}, {ADDRESS}"
            if footer < 0.8 or footer > 0.95:
                body += f"\nUnsubscribe: https://como.example/u/{n:x}tok"
            fields = {
                "subject": rng.choice(SUBJECTS),
                "from": f"{SENDER_NAME} <news@acme.example>",
                "body": body,
                "list_unsubscribe": (
                    f"<https://como.example/u/{n:x}tok>, <mailto:u-{n}@como.example>"
                    if rng.random() < 0.95
                    else ""
                ),
                "list_unsubscribe_post": "List-Unsubscribe=One-Click",
            }
        else:
            fields = {"body": rng.choice(SMS_BODIES).format(**words)}
        drafts.append(
            Draft(channel=channel, sender=sender, at=at, fields=fields, recipient=recipient)
        )
    return drafts


def _money(value: float) -> str:
    return f"${value:,.0f}"


def generate_vehicles(count: int, rng: random.Random) -> list[Any]:
    """Vehicle ads as rendered: the vehicle as data (``vehicle_data``'s keys), the ad's text."""
    from como.compliance.drafts import Draft, Sender

    sender = Sender(name=SENDER_NAME, postal_address=ADDRESS, country="US")
    at = datetime(2026, 6, 10, 19, tzinfo=UTC)
    drafts = []
    for n in range(count):
        make, model, trim = rng.choice(CARS)
        condition = rng.choices(["used", "cpo", "new", "demo"], [50, 15, 30, 5])[0]
        year = 2026 if condition in ("new", "demo") else rng.randrange(2016, 2025)
        price = rng.randrange(12_000, 60_000, 100) - 5
        charges = [{"name": "Doc fee", "amount": str(rng.choice([85, 150, 175, 199, 347]))}]
        if rng.random() < 0.3:
            charges.append({"name": "Appearance package", "amount": "499"})
        fees = sum(int(c["amount"]) for c in charges)
        vin = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17))
        status = "sold" if rng.random() < 0.02 else "available"
        vehicle = {
            "vin": vin,
            "stock_number": f"S{n}",
            "year": year,
            "make": make,
            "model": model,
            "trim": trim,
            "condition": condition,
            "certified": condition == "cpo",
            "mileage": rng.randrange(5, 90_000),
            "msrp": str(price + 2_500) if condition == "new" else None,
            "price": str(price),
            "internet_price": None,
            "dealer_charges": charges,
            "status": status,
            "sold_at": None,
            "dealer_fees": fees,
            "advertised_price": price + fees,
        }
        words = {
            "label": {"used": "Used", "cpo": "Certified Pre-Owned", "new": "New",
                      "demo": "Demo"}[condition],
            "name": f"{year} {make} {model}", "trim": trim, "make": make, "model": model,
            "miles": f"{vehicle['mileage']:,}", "advertised": _money(price + fees),
            "price": _money(price), "fees": _money(fees), "trade": _money(price - 2_000),
            "payment": _money(price / 80), "was": _money((price + fees) * rng.choice([1.02, 1.1])),
            "stock": f"S{n}", "vin": vin,
        }  # fmt: skip
        state = rng.choice(STATES)
        if rng.random() < 0.7:
            channel = "paid_social"
            fields = {"primary_text": weighted(rng, VEHICLE_ADS).format(**words),
                      "headline": words["name"], "description": words["advertised"],
                      "final_url": f"https://lakeside.example/v/{vin}"}  # fmt: skip
        else:
            channel = "paid_search"
            fields = {"headlines": SEARCH_ADS[0].format(**words),
                      "descriptions": SEARCH_ADS[1].format(**words),
                      "final_url": f"https://lakeside.example/v/{vin}"}  # fmt: skip
        drafts.append(
            Draft(
                channel=channel,
                sender=sender,
                at=at,
                kind=f"{channel}_ad_create",
                fields=fields,
                jurisdictions=frozenset({"US", f"US-{state}"}),
                vertical="automotive",
                vehicle=vehicle,
            )
        )
    return drafts


def timed(work: Callable[[], Any], repeat: int) -> float:
    """The best of ``repeat`` runs, in seconds, with the garbage collector out of the way."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
        gc.enable()
    return best


def main() -> None:
    args = arguments()
    setup_django()
    from como.compliance.engine import run_checks
    from como.compliance.quiet_hours import sms_window
    from como.compliance.registry import checks_for

    rng = random.Random(args.seed)
    drafts = generate(args.creatives, rng)
    count = len(drafts)
    by_channel = Counter(d.channel for d in drafts)
    print(f"{count:,} creatives: {by_channel['email']:,} email, {by_channel['sms']:,} sms")

    def check_all() -> list[Any]:
        return [run_checks(draft) for draft in drafts]

    def cold() -> list[Any]:
        sms_window.cache_clear()
        return check_all()

    def raw_text() -> None:
        for draft in drafts:
            "\n".join(value for value in draft.fields.values() if value).lower()

    def noop_loop() -> None:
        for draft in drafts:
            _noop(draft)

    reports = check_all()  # warm-up: imports, the registry's scope cache
    engine_s = timed(cold, args.repeat)
    warm_s = timed(check_all, args.repeat)
    raw_s = timed(raw_text, args.repeat)
    noop_s = timed(noop_loop, args.repeat)

    blocked = sum(1 for r in reports if r.blocking)
    deferred = sum(1 for r in reports if not r.blocking and r.defer_until is not None)
    rules = Counter(f.rule for r in reports for f in r.findings)
    rate, raw_rate = count / engine_s, count / raw_s
    print(f"outcomes: {blocked:,} blocked, {deferred:,} deferred (quiet hours), "
          f"{count - blocked - deferred:,} clear")  # fmt: skip
    print("findings: " + ", ".join(f"{rule} {n:,}" for rule, n in rules.most_common()))
    print()
    print(f"compliance checks   {rate:>12,.0f} creatives/s  ({engine_s * 1e6 / count:.1f} µs each,"
          f" every number looked up once)")  # fmt: skip
    print(f"  numbers cached    {count / warm_s:>12,.0f} creatives/s")
    print(f"raw text pass       {raw_rate:>12,.0f} drafts/s      (join + lower each draft's text)")
    print(f"no-op loop          {count / noop_s:>12,.0f} drafts/s")
    print(f"ratio to raw        {rate / raw_rate:>12.3f}")
    verdict = "meets" if rate >= TARGET else "BELOW"
    print(f"target              {TARGET:>12,} creatives/s  -> {verdict}")

    if args.vehicles:
        vehicles(args, run_checks)

    if args.by_check:
        print("\nper check (µs per call, numbers cached):")
        calls: dict[str, list[Any]] = {}
        for draft in [*drafts, *generate_vehicles(args.vehicles, random.Random(args.seed))]:
            for check in checks_for(draft):
                calls.setdefault(check.key, []).append((check, draft))
        for key, pairs in sorted(calls.items()):
            spent = timed(partial(_call_each, pairs), args.repeat)
            print(f"  {key:<20} {spent * 1e6 / len(pairs):7.2f}  ({len(pairs):,} calls)")
        scope = timed(lambda: [checks_for(d) for d in drafts], args.repeat)
        print(f"  {'(checks_for)':<20} {scope * 1e6 / count:7.2f}")


def vehicles(args: argparse.Namespace, run_checks: Callable[[Any], Any]) -> None:
    """Vehicle creatives with every check, the automotive ones included."""
    drafts = generate_vehicles(args.vehicles, random.Random(args.seed))
    count = len(drafts)

    def check_all() -> list[Any]:
        return [run_checks(draft) for draft in drafts]

    def raw_text() -> None:
        for draft in drafts:
            "\n".join(value for value in draft.fields.values() if value).lower()

    reports = check_all()
    engine_s = timed(check_all, args.repeat)
    raw_s = timed(raw_text, args.repeat)
    rate, raw_rate = count / engine_s, count / raw_s
    blocked = sum(1 for r in reports if r.blocking)
    warned = sum(1 for r in reports if r.findings and not r.blocking)
    rules = Counter(f.rule for r in reports for f in r.findings)
    by_channel = Counter(d.channel for d in drafts)
    print()
    social, search = by_channel["paid_social"], by_channel["paid_search"]
    print(f"{count:,} vehicle creatives: {social:,} paid_social, {search:,} paid_search")
    print(f"outcomes: {blocked:,} blocked, {warned:,} warned, {count - blocked - warned:,} clean")
    print("findings: " + ", ".join(f"{rule} {n:,}" for rule, n in rules.most_common()))
    print(f"vehicle creatives   {rate:>12,.0f} creatives/s  ({engine_s * 1e6 / count:.1f} µs each,"
          " automotive checks included)")  # fmt: skip
    print(f"raw text pass       {raw_rate:>12,.0f} drafts/s      (the same vehicle drafts)")
    print(f"ratio to raw (vehicles) {rate / raw_rate:>8.3f}")
    verdict = "meets" if rate >= TARGET else "BELOW"
    print(f"target              {TARGET:>12,} creatives/s  -> {verdict}")


def _call_each(pairs: list[Any]) -> None:
    for check, draft in pairs:
        check(draft)


def _noop(draft: Any) -> None:
    return None


if __name__ == "__main__":
    main()
