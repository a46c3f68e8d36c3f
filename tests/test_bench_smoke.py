"""Every benchmark in bench/ still runs: each script at its ``--smoke`` size, as a subprocess.

Nothing ran the benchmarks before, so one broke unseen when the code under it changed. This
asserts only that each completes and prints its figures (their values at this size mean
nothing; ``make bench`` measures). Each script creates a throwaway workspace and removes it; here
it runs against this run's test database (migrated by pytest-django, so a fresh clone needs no
``migrate``) and broker, and ``transactional_db`` flushes whatever a failed run left behind.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from tests.e2e.celery_worker import ROOT, subprocess_environment

#: Generous: a smoke run takes seconds; this only stops a hung one from hanging the suite.
TIMEOUT = 300

#: The figure lines each benchmark prints, one pattern per line.
FIGURES: dict[str, list[str]] = {
    "accounts": [
        r"como accounts benchmark: [\d,]+ accounts x 7 members .*load average [\d.]+",
        r"\(a\) ingest with account roll-up: \d+ events in [\d.]+ s = [\d,]+ events/s",
        r"without it: \d+ events in [\d.]+ s = [\d,]+ events/s .*ratio with / without \d+\.\d{3}",
        r"\(b\) full recompute: [\d,]+ accounts in [\d.]+ s = [\d,]+ accounts/s .*ratio \d+\.\d{3}",
        r"\(c\) top 100 by current score of [\d,]+ accounts .*: [\d.]+ ms \(median of 15\)",
        r"same answer as a full sort: yes",
    ],
    "http_events": [
        r"collect: \d+ events in [\d.]+ s = [\d,]+ events/s; p50 [\d.]+ ms, p99 [\d.]+ ms",
        r"raw limit, bare WSGI no-op, same server \([\d.]+ ms CPU in workers\): \d+ requests "
        r"in [\d.]+ s = [\d,]+ requests/s; p50 [\d.]+ ms, p99 [\d.]+ ms; ratio collect / it: "
        r"\d+\.\d{3}",
        r"raw limit, no-op Django view, all middleware: \d+ requests in [\d.]+ s = [\d,]+ "
        r"requests/s; p50 [\d.]+ ms, p99 [\d.]+ ms; ratio collect / it: \d+\.\d{3}",
        r"CPU per event: web workers [\d.]+ ms, drain [\d.]+ ms, PostgreSQL backends [\d.]+ ms, "
        r"load generator [\d.]+ ms; como's total [\d.]+ ms = [\d,]+ events/s",
        r"202 → stored and scored: p50 \d+ ms, p99 \d+ ms over \d+ sampled events",
        r"exactly once: (\d+) accepted, \1 of them stored, 0 lost, 0 stored twice",
    ],
    "ingest": [
        r"bulk API: +\d+ events in +[\d.]+ s = +[\d,]+ events/s",
        r"single POSTs: +\d+ events in +[\d.]+ s = +[\d,]+ events/s",
        r"raw COPY: +\d+ rows +in +[\d.]+ s = +[\d,]+ rows/s",
        r"ratio bulk API / raw COPY: \d+\.\d{3}",
    ],
    "scale": [
        r"raw limits: webhook executor direct [\d,]+ calls/s; COPY [\d,]+ rows/s",
        r"actions, 1 worker process\(es\): \d+ in +[\d.]+ s = +[\d,]+ actions/s +\(ratio to raw",
        r"events, +1 drain process\(es\): +\d+ in +[\d.]+ s = +[\d,]+ events/s +\(ratio to COPY",
    ],
    "storage": [
        r"row: \d+ bytes on average",
        r"heap \+ TOAST: \d+ bytes/event = [\d,]+ MiB per million events",
        r"index event_contact_timeline: [\d.]+ bytes/event",
        r"total: \d+ bytes/event = [\d,]+ MiB per million events \(indexes \d+%\)",
        r"generating INSERT: [\d,]+ events/s into the partitioned table; raw .* ratio \d\.\d{3}",
    ],
    "scoring": [
        r"\(a\) ingest \+ scoring: \d+ events \(stored \d+\) in [\d.]+ s",
        r"= [\d,]+ events/s; raw COPY [\d,]+ rows/s; ratio \d+\.\d{3}",
        r"\(b\) event POST → stage MQL .*: p50 [\d.]+ ms, p99 [\d.]+ ms",
        r"raw limit: a POST that scores nothing, p50 [\d.]+ ms; ratio [\d.]+",
        r"\(c\) top 100 by current score of [\d,]+ contacts .*: [\d.]+ ms \(median of 15\)",
        r"same answer as a full sort: yes",
    ],
    "actions": [
        r"\(a\) live: +\d+ approvals in +[\d.]+ s = +[\d,]+ approvals/s",
        r"latency approval → succeeded: p50 +[\d.]+ ms +p99 +[\d.]+ ms",
        r"\d+ actions in +[\d.]+ s = +[\d,]+ actions/s \(first approval to last success\)",
        r"\(b\) backlog: +\d+ actions in +[\d.]+ s = +[\d,]+ actions/s",
        r"raw: +\d+ executor calls in +[\d.]+ s = +[\d,]+ actions/s",
        r"ratio to raw: \(a\) [\d.]+ +\(b\) [\d.]+",
        r"actions retried: 0",
    ],
    "inventory": [
        r"\(a\) full feed parse → diff → creative → compliance: [\d.]+ s \(target ≤ 10 s: ",
        r"import [\d.]+ s \([\d,]+ vehicles created\), then \d+ launch parts' creative "
        r"\(paid_search [\d,]+, paid_social [\d,]+ vehicles; 0 left out, [\d,]+ findings\) "
        r"rendered and judged by \d+ forked processes in [\d.]+ s",
        r"ratio raw time / \(a\): \d+\.\d{3}",
        r"\(b\) the whole launch, proposals written, through a real worker: [\d.]+ s",
        r"full feed import: [\d,]+ vehicles created in [\d.]+ s",
        r"launch: \d+ proposals \(paid_search [\d,]+, paid_social [\d,]+ vehicles; 0 left out, "
        r"[\d,]+ findings\) written by a real worker \(concurrency \d+\) [\d.]+ s after",
        r"ratio raw time / \(b\): \d+\.\d{3}",
        r"raw Jinja2: [\d,]+ vehicles, 2 templates each, in [\d.]+ s = [\d,]+ vehicles/s",
        r"ratio raw Jinja2 time / creative time: \d+\.\d{3}",
        r"import: +\d+ rows \(\d+ touched\) in +[\d.]+ s",
        r"phases: parse [\d.]+ s, validate [\d.]+ s, stage [\d.]+ s, diff [\d.]+ s, apply [\d.]+ s",
        r"raw COPY: +\d+ rows in +[\d.]+ s = +[\d,]+ rows/s",
        r"creative, re-import: [\d,]+ vehicles, 2 channels each, in [\d.]+ s",
        r"re-import parse → diff → creative → compliance: [\d.]+ s",
        r"ratio raw COPY time / import time: \d+\.\d{3}",
        r"pause: [\d,]+ sold vehicles, live on 2 channels each, paused by a real worker "
        r"\(concurrency \d+\) p50 [\d.]+ s, p99 [\d.]+ s, max [\d.]+ s",
        r"ratio raw time / slowest vehicle's latency: \d+\.\d{3}",
    ],
    "console": [
        r"dashboard \(7 days\): \d+ requests, p50 [\d.]+ ms, p99 [\d.]+ ms; "
        r"ratio p50 / raw p50 [\d.]+",
        r"dashboard \(90 days\): \d+ requests, p50 [\d.]+ ms, p99 [\d.]+ ms",
        r"raw limit \(the admin's password-change page\): p50 [\d.]+ ms, p99 [\d.]+ ms",
    ],
    "sequences": [
        r"beat pass: [\d,]+ members \([\d,]+ steps, \d+ batches\) in [\d.]+ s = [\d,]+ members/s",
        r"raw UPDATE of the same rows: [\d.]+ s = [\d,]+ rows/s",
        r"ratio beat pass / raw UPDATE: \d+\.\d{3}",
        r"sends: [\d,]+ covered actions proposed and enqueued in [\d.]+ s = [\d,]+ sends/s",
    ],
    "intent": [
        r"\(a\) recorded: \d+ signals in [\d.]+ s = [\d,]+ signals/s; again, all unchanged: "
        r"[\d.]+ s = [\d,]+ signals/s",
        r"raw COPY: \d+ rows in [\d.]+ s = [\d,]+ rows/s; ratio recorded / raw COPY: \d+\.\d{3}",
        r"\(b\) every account's intent explained: \d+ accounts in [\d.]+ ms; raw SELECT of the "
        r"signals [\d.]+ ms; ratio \d+\.\d{3}",
    ],
    "attribution": [
        r"como attribution benchmark: [\d,]+ won opportunities, [\d,]+ touches, 8 models",
        r"recompute: [\d,]+ touches in [\d.]+ s = [\d,]+ touches/s with \d+ process\(es\); "
        r"[\d,]+ rows stored \([\d,]+ in the table\)",
        r"CPU: Python [\d.]+ s = [\d.]+ µs per touch, PostgreSQL backends [\d.]+ s = [\d.]+ µs "
        r"per touch",
        r"raw streamed SELECT of the events: [\d,]+ rows in [\d.]+ s = [\d,]+ rows/s; "
        r"ratio raw / recompute: \d+\.\d{3}",
        r"phases: conversions [\d.]+ s, conversions cpu [\d.]+ s, .*, touches [\d.]+ s, .*"
        r"compute [\d.]+ s, .*, write [\d.]+ s, write cpu [\d.]+ s, write pg [\d.]+ s",
        r"load average at the start: [\d.]+ [\d.]+ [\d.]+",
    ],
    "compliance": [
        r"compliance checks +[\d,]+ creatives/s",
        r"numbers cached +[\d,]+ creatives/s",
        r"raw text pass +[\d,]+ drafts/s",
        r"ratio to raw +\d+\.\d{3}",
        r"vehicle creatives +[\d,]+ creatives/s",
        r"ratio to raw \(vehicles\) +\d+\.\d{3}",
    ],
}


def test_every_benchmark_is_smoke_tested_and_run_by_make_bench() -> None:
    # The scripts' helpers, not benchmarks.
    helpers = {"smoke", "worker", "loadgen", "http_site", "http_urls", "http_wsgi", "proc_cpu"}
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py")} - helpers
    assert scripts == set(FIGURES)
    bench_target = re.search(r"^bench:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert bench_target is not None
    assert set(re.findall(r"bench/(\w+)\.py", bench_target.group(1))) == scripts


@pytest.mark.parametrize(
    "name",
    # bench/actions.py, bench/inventory.py and bench/scale.py start real Celery workers of
    # their own (scale.py ingest drains too), and
    # bench/http_events.py granian and an ingest drain.
    [
        pytest.param(n, marks=pytest.mark.worker)
        if n in ("actions", "inventory", "http_events", "scale")
        else n
        for n in sorted(FIGURES)
    ],
)
def test_benchmark_runs_at_smoke_size(name: str, transactional_db: Any) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"],
        cwd=ROOT,
        env=subprocess_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = f"--- stdout\n{run.stdout}\n--- stderr\n{run.stderr[-4000:]}"
    assert run.returncode == 0, output
    assert run.stdout.startswith("smoke run ("), output
    missing = [figure for figure in FIGURES[name] if not re.search(figure, run.stdout)]
    assert not missing, f"figures not printed: {missing}\n{output}"
