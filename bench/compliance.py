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
SMOKE = {"creatives": 2_000, "repeat": 1}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creatives", type=int, default=50_000, help="drafts to check")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best counts")
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

    if args.by_check:
        print("\nper check (µs per call, numbers cached):")
        calls: dict[str, list[Any]] = {}
        for draft in drafts:
            for check in checks_for(draft):
                calls.setdefault(check.key, []).append((check, draft))
        for key, pairs in sorted(calls.items()):
            spent = timed(partial(_call_each, pairs), args.repeat)
            print(f"  {key:<20} {spent * 1e6 / len(pairs):7.2f}  ({len(pairs):,} calls)")
        scope = timed(lambda: [checks_for(d) for d in drafts], args.repeat)
        print(f"  {'(checks_for)':<20} {scope * 1e6 / count:7.2f}")


def _call_each(pairs: list[Any]) -> None:
    for check, draft in pairs:
        check(draft)


def _noop(draft: Any) -> None:
    return None


if __name__ == "__main__":
    main()
