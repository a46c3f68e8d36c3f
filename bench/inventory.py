"""Inventory benchmark: a 50,000-vehicle feed, its creative and compliance, then a re-import.

    .venv/bin/python bench/inventory.py [--vehicles 50000] [--changes 0.05]

Runs against the configured database (DATABASE_URL, or the embedded PostgreSQL), which must be
migrated. It creates a throwaway automotive workspace and rooftop and:

1. starts a real ``celery worker`` (``--concurrency`` processes, as in compose) on a queue of
   its own, saves the sandbox channel accounts and placements, and imports a generated CSV of
   ``--vehicles`` vehicles through the real import path (every one created). The import's
   commit wakes the inventory agent as in production: its reaction proposes the first part of
   the launch and enqueues one task per later part (``LAUNCH_BATCH`` vehicles each), and the
   worker's processes render and judge every vehicle's creative for both ad channels (the Meta
   vehicle ad and the Google responsive search ad: the sandboxed render, the platforms' request
   builders and the compliance engine) and write the proposals. The full feed's parse → diff →
   creative → compliance → proposals is timed from the import's start to the last proposal
   written, against the 10 s target;
2. changes ``--changes`` of the rows (new prices, new photos, some sold, a few new vehicles in
   place of vehicles missing from the full feed) and times that second import: parse (CSV
   recognised and read), validate (per row, VINs included), stage (COPY), diff (set-based SQL)
   and apply (the writes and their history rows), in one call of ``inventory_import``; then the
   creative of the vehicles it created or changed, rendered and judged in this process through
   ``vehicles_creative`` (no worker: the per-creative cost, next to its raw limit);
3. measures the raw limits in the same run: a psycopg COPY of the same rows into an index-free
   scratch table, and a bare ``jinja2.Environment`` rendering the same joined templates for the
   same vehicles (no sandbox, no limits, no judging), and prints each figure with its ratio;
4. gives ``--sold`` available vehicles a live ad on both channels (the launch proposals of
   step 1 still wait for a person, as a dealer's would, so the reaction also takes the sold
   vehicles out of them), starts the worker again, and imports a third full feed in which those
   vehicles are sold: the inventory agent reacts, its pause is auto-approved and executed, and
   each vehicle's latency is from the import's commit to the last of its channels' pause steps
   recorded done (p50, p99, max against the 5 s target); the raw limit is the same platform
   calls made in process through the adapters.

The import's changes are taken from the import reaction (``register_inventory_changed``), as
the inventory agent takes them. Everything it created is removed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest import require_migrated, setup_django
from smoke import parse_arguments
from worker import percentile, queue_drop, running_worker, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 3.0  # docs/architecture.md "Hot paths", issue 12's acceptance
#: The full feed through parse, diff, creative for two channels and compliance (issue 13).
PIPELINE_TARGET_SECONDS = 10.0
#: Sold vehicles' ads paused on every channel, after the import commits (issue 13).
PAUSE_TARGET_SECONDS = 5.0
#: Vehicles rendered per call of vehicles_creative (the results of a chunk are counted, then
#: dropped: 100,000 creatives with their payloads and findings would only measure memory).
CHUNK = 2_000
#: The common provider layout (its preset is csv-common), as most dealers' exports are.
HEADER = (
    "DealerID,Stock,Type,VIN,Year,Make,Model,Trim,ExteriorColor,Miles,DateInStock,ListPrice,"
    "ImageList,Certified,DMSStatus,VDP"
)
MODELS = [("Honda", "Accord", "1HG"), ("Honda", "Civic", "2HG"), ("Acura", "MDX", "5J8")]

#: --smoke: seconds, for `make test` (bench/smoke.py).
SMOKE = {"vehicles": 400, "sold": 10}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=50_000, help="vehicles in the feed")
    parser.add_argument("--changes", type=float, default=0.05, help="share of rows changed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sold", type=int, default=500, help="vehicles with live ads sold by the third import"
    )
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (prefork), as in compose"
    )
    return parse_arguments(parser, SMOKE)


def make_vin(serial: int, wmi: str) -> str:
    from verticals.automotive.inventory.vin import check_digit

    body = f"{wmi}CM8A60L{serial:07d}"  # year code L with a letter at 7: 2020
    return body[:8] + check_digit(body) + body[9:]


def vehicle_rows(count: int) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        make, model, wmi = MODELS[n % len(MODELS)]
        rows.append(
            {
                "dealer": "BENCH",
                "stock": f"B{n:07d}",
                "condition": "Used",
                "vin": make_vin(n, wmi),
                "year": "2020",
                "make": make,
                "model": model,
                "trim": "EX",
                "exterior_color": "Blue",
                "mileage": str(20_000 + n % 40_000),
                "received_at": "2026-11-01",
                "price": str(18_000 + n % 9_000),
                "photos": f"https://img.bench.example/{n}/1.jpg|"
                f"https://img.bench.example/{n}/2.jpg",
                "certified": "N",
                "status": "available",
                "vdp": f"https://bench-motors.example/inventory/{n}",
            }
        )
    return rows


def changed(rows: list[dict[str, str]], share: float, rng: random.Random) -> tuple[list[Any], int]:
    """A copy of ``rows`` with ``share`` of them changed: prices, photos, sold, and vehicles
    left out of the feed replaced by new ones (removed and created)."""
    out = [dict(row) for row in rows]
    picked = rng.sample(range(len(out)), max(1, int(len(out) * share)))
    for i, index in enumerate(picked):
        row = out[index]
        kind = i % 4
        if kind == 0:
            row["price"] = str(int(row["price"]) - 500)
        elif kind == 1:
            row["photos"] += f"|https://img.bench.example/{index}/3.jpg"
        elif kind == 2:
            row["status"] = "sold"
        else:
            wmi = MODELS[index % len(MODELS)][2]
            serial = len(rows) + index
            row.update(
                vin=make_vin(serial, wmi),
                stock=f"N{serial:07d}",
                vdp=f"https://bench-motors.example/inventory/{serial}",
            )
    return out, len(picked)


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    lines = [HEADER, *(",".join(row.values()) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def copy_baseline(rows: list[dict[str, str]], table: str) -> float:
    """COPY the feed's rows into an index-free copy of the vehicle table: the raw limit."""
    from django.db import connection
    from psycopg import sql

    from como.rawsql import raw_cursor
    from verticals.automotive.inventory.models import Vehicle

    with raw_cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING IDENTITY)").format(
                sql.Identifier(table), sql.Identifier(Vehicle._meta.db_table)
            )
        )
        columns = ["workspace_id", "rooftop_id", "vin", "stock_number", "year", "make", "model",
                   "trim", "condition", "certified", "vdp_url", "photos", "exterior_color",
                   "price", "mileage", "status", "received_at", "first_seen_at", "body_style",
                   "interior_color", "transmission", "drivetrain", "fuel_type",
                   "dealer_charges", "updated_at"]  # fmt: skip
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        started = time.perf_counter()
        with connection.connection.transaction(), cursor.copy(statement) as copy:
            for row in rows:
                photos = '["' + row["photos"].replace("|", '","') + '"]'
                copy.write_row(
                    (1, 1, row["vin"], row["stock"], 2020, row["make"], row["model"],
                     "EX", "used", False, row["vdp"], photos, row["exterior_color"],
                     row["price"], row["mileage"], row["status"], "2026-11-01", "2026-12-01",
                     "", "", "", "", "", "[]", "2026-12-01")
                )  # fmt: skip
        elapsed = time.perf_counter() - started
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))
    return elapsed


def creative_setup(workspace: Any, rooftop: Any) -> dict[str, Any]:
    """What the inventory agent reads once per rooftop: the templates, the rooftop as data,
    the sender, the placements and the channel accounts (unsaved: nothing is sent)."""
    from como.channels.models import ChannelAccount
    from como.compliance.drafts import Sender, jurisdictions_of
    from verticals.automotive.ads.creative import rooftop_data, templates_for
    from verticals.automotive.ads.creative.specs import GOOGLE, META

    return {
        "specs": [META, GOOGLE],
        "sources": templates_for(workspace),
        "rooftop": rooftop_data(
            {
                "id": rooftop.pk,
                "name": rooftop.name,
                "store_code": rooftop.store_code,
                "city": "Austin",
                "region": "TX",
                "postal_code": "78701",
                "country": "US",
            }
        ),
        "workspace": {"name": workspace.name},
        "sender": Sender(workspace.name, "1 Main St, Austin, TX 78701", "US"),
        "vertical": "automotive",
        "jurisdictions": jurisdictions_of("US", "TX"),
        "placements": {
            "paid_social": {"adset_id": "23851234567890", "page_id": "1234567890"},
            "paid_search": {"ad_group": "customers/1234567890/adGroups/9876543210"},
        },
        "accounts": {
            "paid_social": ChannelAccount(
                channel="paid_social", account_id="act_1234567890", sender="1234567890"
            ),
            "paid_search": ChannelAccount(channel="paid_search", account_id="1234567890"),
        },
    }


def vehicle_rows_of(ids: list[int]) -> list[dict[str, Any]]:
    from verticals.automotive.ads.creative.context import VEHICLE_FIELDS
    from verticals.automotive.inventory.models import Vehicle

    return list(Vehicle.objects.filter(id__in=ids).order_by("id").values(*VEHICLE_FIELDS))


def creative_run(setup: dict[str, Any], ids: list[int]) -> dict[str, Any]:
    """Read the vehicles, make their data and render + judge both channels' creative, in
    chunks; the time of each part and the outcome counts.

    After each chunk, the raw limit on the same chunk (:func:`bare_jinja`), untimed for the
    creative: measured interleaved, both see the same load, so their ratio holds on a busy box."""
    from django.utils import timezone

    from verticals.automotive.ads.creative import vehicle_data, vehicles_creative

    bare = bare_jinja(setup)
    now = timezone.now()
    started = time.perf_counter()
    rows = [
        row
        for start in range(0, len(ids), 10_000)
        for row in vehicle_rows_of(ids[start : start + 10_000])
    ]
    read = time.perf_counter() - started
    vehicles = [vehicle_data(row, now=now) for row in rows]
    data = time.perf_counter() - started - read
    creatives = blocked = findings = 0
    render = raw = 0.0
    for start in range(0, len(vehicles), CHUNK):
        chunk = vehicles[start : start + CHUNK]
        began = time.perf_counter()
        results = vehicles_creative(
            setup["specs"],
            setup["sources"],
            vehicles=chunk,
            rooftop=setup["rooftop"],
            workspace=setup["workspace"],
            sender=setup["sender"],
            vertical=setup["vertical"],
            jurisdictions=setup["jurisdictions"],
            at=now,
            placements=setup["placements"],
            accounts=setup["accounts"],
        )
        for per_spec in results.values():
            creatives += len(per_spec)
            blocked += sum(result.blocked for result in per_spec)
            findings += sum(len(result.findings) for result in per_spec)
        render += time.perf_counter() - began
        raw += bare(chunk)
    return {
        "vehicles": len(vehicles),
        "creatives": creatives,
        "blocked": blocked,
        "findings": findings,
        "read": read,
        "data": data,
        "render": render,
        "elapsed": read + data + render,
        "raw": raw,
    }


def bare_jinja(setup: dict[str, Any]) -> Callable[[list[dict[str, Any]]], float]:
    """The raw limit of the creative: a bare ``jinja2.Environment`` (no sandbox, no limits, no
    copy of the data, nothing judged) rendering the same joined templates for the same
    vehicles; returns the function that times it on a list of vehicles."""
    import jinja2

    from verticals.automotive.ads.creative.render import Prepared

    # Plain-text ad copy, as the sandboxed render makes it (the ad specs are not HTML).
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
    templates = []
    for spec in setup["specs"]:
        joined = Prepared.of(spec, setup["sources"][spec.key]).joined
        assert joined is not None
        templates.append(env.from_string(joined))
    shared = {"rooftop": setup["rooftop"], "workspace": setup["workspace"]}

    def timed(vehicles: list[dict[str, Any]]) -> float:
        started = time.perf_counter()
        for vehicle in vehicles:
            context = {"vehicle": vehicle, **shared}
            for template in templates:
                template.render(context)
        return time.perf_counter() - started

    return timed


def raw_creative(setup: dict[str, Any], ids: list[int]) -> float:
    """The bare Jinja2 render of both templates for the vehicles ``ids`` (read and made plain
    untimed): the full feed's raw limit of the creative."""
    from django.utils import timezone

    from verticals.automotive.ads.creative import vehicle_data

    now = timezone.now()
    vehicles = [
        vehicle_data(row, now=now)
        for start in range(0, len(ids), 10_000)
        for row in vehicle_rows_of(ids[start : start + 10_000])
    ]
    return bare_jinja(setup)(vehicles)


# --- the pause: sold vehicles off every channel -----------------------------------------------


def ads_accounts(workspace: Any, rooftop: Any) -> None:
    """The sandbox channel accounts and the placements saved, as a dealer sets them up before
    its first feed: what the agent's launches and pauses need."""
    from como.agents.playbooks import playbook_update
    from como.agents.services import playbook_for
    from como.channels.models import ChannelAccount

    setup = creative_setup(workspace, rooftop)
    for channel, account in setup["accounts"].items():
        ChannelAccount.objects.create(
            workspace=workspace,
            channel=channel,
            account_id=account.account_id,
            sender=account.sender,
        )
    placements = {**setup["placements"]}
    placements["paid_social"] = {**placements["paid_social"], "catalog_id": "1122334455"}
    playbook_update(playbook=playbook_for(workspace), merchandising={"placements": placements})


def ads_live(workspace: Any, rooftop: Any, count: int) -> list[int]:
    """``count`` available vehicles given a live ad on both channels (as launched ads would
    be): what the pause will find."""
    from django.utils import timezone

    from verticals.automotive.ads.models import VehicleAd
    from verticals.automotive.inventory.models import Vehicle

    setup = creative_setup(workspace, rooftop)
    ids = list(
        Vehicle.objects.filter(rooftop=rooftop, status="available")
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    group = setup["placements"]["paid_search"]["ad_group"].replace("adGroups/", "adGroupAds/")
    now = timezone.now()
    VehicleAd.objects.bulk_create(
        [
            VehicleAd(
                workspace=workspace,
                vehicle_id=pk,
                channel=channel,
                external_id=f"{23850000000000 + pk}"
                if channel == "paid_social"
                else f"{group}~{pk}",
                state="live",
                changed_at=now,
                live_since=now,
            )
            for pk in ids
            for channel in ("paid_social", "paid_search")
        ]
    )
    return ids


def _part_drafts(args: tuple[int, Any]) -> dict[str, Any]:
    """In a pool process: one launch part's drafts, exactly as the worker's task makes them
    (``Studio.of`` + ``launch_drafts``: the rows read, the rules, each vehicle's creative on
    both channels rendered and judged, the proposals' payloads built), not written."""
    from django.utils import timezone

    from como.workspaces.models import Workspace
    from verticals.automotive.ads.proposals.common import Reaction
    from verticals.automotive.ads.proposals.launch import launch_drafts
    from verticals.automotive.ads.studio import Studio

    workspace_id, part = args
    studio = Studio.of(Workspace.objects.get(pk=workspace_id))
    drafts = launch_drafts(studio, part, timezone.now(), Reaction())
    return {
        "per_channel": {d.channel: len(d.payload["vehicle_ids"]) for d in drafts},
        "left_out": sum(len(d.payload["left_out"]) for d in drafts),
        "findings": sum(
            len(v["creative"]["findings"]) for d in drafts for v in d.payload["vehicles"]
        ),
    }


def creative_parts_run(
    workspace: Any, rooftop: Any, data: bytes, workers: int, diffs: dict[int, Any]
) -> tuple[Any, dict[str, Any]]:
    """Issue 13's figure: the full feed imported (parse, validate, stage, diff, apply), then
    every launch part's creative for both channels rendered and judged by ``workers`` forked
    processes of this benchmark, the calls a worker's task makes (:func:`_part_drafts`) minus
    writing the proposals, the broker and Celery. Timed from the import's start to the last
    part's drafts made. No worker runs: the import's reaction waits on the queue, dropped.
    ``diffs``: the import reactions' diffs by import id (``main`` registers the hook)."""
    import multiprocessing

    from django.db import connections

    from verticals.automotive.ads.proposals.launch import launch_parts
    from verticals.automotive.inventory.importing.services import inventory_import

    connections.close_all()  # each forked process opens its own connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(abs, range(workers))  # the processes started before the clock
        started = time.perf_counter()
        record = inventory_import(
            rooftop=rooftop, data=data, file_name="a.csv", full=True, format_key="csv-common"
        )
        imported = time.perf_counter() - started
        diff = diffs[record.pk]
        parts = launch_parts(record.pk, (*diff.created, *diff.returned))
        results = pool.map(_part_drafts, [(workspace.pk, part) for part in parts], chunksize=1)
        elapsed = time.perf_counter() - started
    per_channel: dict[str, int] = {}
    for result in results:
        for channel, count in result["per_channel"].items():
            per_channel[channel] = per_channel.get(channel, 0) + count
    return record, {
        "import": imported,
        "phases": dict(record.phases),
        "creative": elapsed - imported,
        "elapsed": elapsed,
        "parts": len(parts),
        "per_channel": per_channel,
        "left_out": sum(r["left_out"] for r in results),
        "findings": sum(r["findings"] for r in results),
    }


def launch_run(
    workspace: Any, rooftop: Any, data: bytes, queue: str, workers: int
) -> tuple[Any, dict[str, Any]]:
    """The full feed imported while a real worker runs the inventory agent, as in production:
    the import commits, its reaction proposes the first part of the launch and enqueues one
    task per later part, and the worker's processes render, judge and propose them. Timed
    from the import's commit to the last launch proposal written, with what they hold."""
    import math
    import tempfile

    from django.db.models import Max

    from como.agents.models import AgentAction
    from verticals.automotive.ads.kinds import LAUNCH
    from verticals.automotive.ads.proposals.launch import LAUNCH_BATCH
    from verticals.automotive.inventory.importing.services import inventory_import

    launches = AgentAction.objects.filter(workspace=workspace, kind=LAUNCH)
    with (
        tempfile.NamedTemporaryFile(
            prefix="bench-inventory-worker-", suffix=".log", delete=False
        ) as log,
        running_worker(queue, workers, log) as worker,
    ):
        wait_ready(worker, log.name)
        started = time.perf_counter()
        record = inventory_import(
            rooftop=rooftop, data=data, file_name="a.csv", full=True, format_key="csv-common"
        )
        imported = time.perf_counter() - started
        # Every bench vehicle passes the rules: each part is one proposal per channel.
        expected = 2 * math.ceil(record.counts["created"] / LAUNCH_BATCH)
        deadline = time.monotonic() + 300
        while launches.count() < expected:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{launches.count()} of {expected} launch proposals; worker log: {log.name}"
                )
            time.sleep(0.05)
    os.unlink(log.name)
    last = launches.aggregate(last=Max("created_at"))["last"]
    proposed = (last - record.finished_at).total_seconds()
    per_channel: dict[str, int] = {}
    left_out = findings = 0
    for channel, payload in launches.values_list("channel", "payload"):
        per_channel[channel] = per_channel.get(channel, 0) + len(payload["vehicle_ids"])
        left_out += len(payload["left_out"])
        findings += sum(len(v["creative"]["findings"]) for v in payload["vehicles"])
    return record, {
        "import": imported,
        "proposed": proposed,
        "elapsed": imported + proposed,
        "proposals": expected,
        "per_channel": per_channel,
        "left_out": left_out,
        "findings": findings,
    }


def pause_run(
    workspace: Any, rooftop: Any, rows: list[dict[str, str]], count: int, queue: str, workers: int
) -> dict[str, Any]:
    """Sell ``count`` vehicles with live ads in a third full import while a real worker runs
    the inventory agent: each vehicle's latency from the import's commit to its last channel's
    pause executed (the step's record), and, as the raw limit, the same pauses sent through
    the adapters in process (the executor's platform calls, nothing else)."""
    import tempfile

    from django.utils import timezone

    from verticals.automotive.ads.execution.pause import OPERATION
    from verticals.automotive.ads.kinds import PAUSE
    from verticals.automotive.ads.models import VehicleAdStep
    from verticals.automotive.inventory.importing.services import inventory_import
    from verticals.automotive.inventory.models import Vehicle

    ids = ads_live(workspace, rooftop, count)
    vins = set(Vehicle.objects.filter(pk__in=ids).values_list("vin", flat=True))
    third = [dict(row, status="sold") if row["vin"] in vins else row for row in rows]
    queue_drop(queue)  # the agent's reactions to the earlier imports: not this measurement's
    with (
        tempfile.NamedTemporaryFile(
            prefix="bench-inventory-worker-", suffix=".log", delete=False
        ) as log,
        running_worker(queue, workers, log) as worker,
    ):
        wait_ready(worker, log.name)
        record = inventory_import(
            rooftop=rooftop,
            data=csv_bytes(third),
            file_name="c.csv",
            full=True,
            format_key="csv-common",
        )
        committed = record.finished_at or timezone.now()
        deadline = time.monotonic() + 120
        steps = VehicleAdStep.objects.filter(
            workspace=workspace, action__kind=PAUSE, operation=OPERATION, status="done"
        )
        while steps.count() < 2 * len(ids):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{steps.count()} of {2 * len(ids)} pauses done; worker log: {log.name}"
                )  # the log is kept for this, removed when all went well
            time.sleep(0.05)
    os.unlink(log.name)
    last: dict[int, float] = {}
    for vehicle_id, at in steps.values_list("vehicle_id", "updated_at"):
        last[vehicle_id] = max(last.get(vehicle_id, 0.0), (at - committed).total_seconds())
    latencies = sorted(last.values())
    raw = raw_pauses(workspace, ids)
    return {
        "sold": record.counts.get("sold", 0),
        "vehicles": len(latencies),
        "p50": percentile(latencies, 50) if len(latencies) > 1 else latencies[0],
        "p99": percentile(latencies, 99) if len(latencies) > 1 else latencies[0],
        "max": latencies[-1],
        "raw": raw,
    }


def raw_pauses(workspace: Any, ids: list[int]) -> float:
    """The same pause requests sent in process through the adapters (the sandbox records each):
    the platform calls alone, without the reaction, the proposal, the broker or the claim."""
    from dataclasses import dataclass

    from como.channels.base import adapter_for_kind

    @dataclass
    class Call:
        pk: int
        workspace: Any
        workspace_id: int
        kind: str
        channel: str
        payload: Any
        target_type: str = "vehicle"
        target_id: str = ""

    group = "customers/1234567890/adGroupAds/9876543210"
    calls = [
        Call(
            0,
            workspace,
            workspace.pk,
            "social_ad_pause",
            "paid_social",
            {"ad_id": str(23850000000000 + pk)},
        )
        for pk in ids
    ] + [
        Call(
            0,
            workspace,
            workspace.pk,
            "search_ad_pause",
            "paid_search",
            {"ad_group_ad": f"{group}~{pk}"},
        )
        for pk in ids
    ]
    started = time.perf_counter()
    for n, call in enumerate(calls):
        adapter = adapter_for_kind(call.kind)
        assert adapter is not None
        adapter.execute(call, f"bench-raw-pause:{n}")
    return time.perf_counter() - started


def clean_up(workspace: Any) -> None:
    from como.agents.models import AgentAction
    from como.rawsql import raw_cursor

    with raw_cursor() as cursor:
        for table in (
            "vehicleadstep",
            "adbreach",
            "vehiclead",
            "vehiclechange",
            "vehicle",
            "inventoryimport",
            "inventorysource",
            "rooftop",
        ):
            cursor.execute(
                f"DELETE FROM vertical_automotive_{table} WHERE workspace_id = %s", [workspace.pk]
            )
    AgentAction.objects.filter(workspace=workspace).delete()  # approvals, transitions with it
    agent = workspace.agent_user
    workspace.delete()
    agent.delete()


def main() -> None:
    args = arguments()
    tag = uuid.uuid4().hex[:8]
    queue = f"como-bench-{tag}"
    setup_django(queue)
    require_migrated()

    from como.workspaces.services import workspace_create
    from verticals.automotive.inventory.importing.reactions import register_inventory_changed
    from verticals.automotive.inventory.importing.services import inventory_import
    from verticals.automotive.inventory.models import Rooftop

    diffs: dict[int, Any] = {}
    register_inventory_changed(lambda workspace_id, diff: diffs.__setitem__(diff.import_id, diff))

    def touched_ids(record: Any) -> list[int]:
        diff = diffs.get(record.pk)
        return sorted({*diff.created, *diff.changed, *diff.returned}) if diff else []

    rng = random.Random(args.seed)
    rows = vehicle_rows(args.vehicles)
    second, touched = changed(rows, args.changes, rng)
    first_feed, second_feed = csv_bytes(rows), csv_bytes(second)
    load = os.getloadavg()
    # (a) in a workspace of its own, removed before (b) starts from an empty rooftop again.
    feed = workspace_create(slug=f"bench-{tag}-a", vertical="automotive", name="Bench")
    try:
        feed_rooftop = Rooftop.objects.create(
            workspace=feed, name="Bench Motors", store_code="BENCH", time_zone="UTC"
        )
        ads_accounts(feed, feed_rooftop)
        queue_drop(queue)
        _, parts = creative_parts_run(feed, feed_rooftop, first_feed, args.concurrency, diffs)
    finally:
        clean_up(feed)
        queue_drop(queue)
    workspace = workspace_create(slug=f"bench-{tag}", vertical="automotive", name="Bench")
    try:
        rooftop = Rooftop.objects.create(
            workspace=workspace, name="Bench Motors", store_code="BENCH", time_zone="UTC"
        )
        setup = creative_setup(workspace, rooftop)
        ads_accounts(workspace, rooftop)
        queue_drop(queue)
        seeded, full = launch_run(workspace, rooftop, first_feed, queue, args.concurrency)
        seed_elapsed = full["import"]
        full_raw = raw_creative(setup, touched_ids(seeded))
        started = time.perf_counter()
        record = inventory_import(
            rooftop=rooftop, data=second_feed, file_name="b.csv", full=True, format_key="csv-common"
        )
        elapsed = time.perf_counter() - started
        again = creative_run(setup, touched_ids(record))
        copy_elapsed = copy_baseline(second, f"bench_inventory_copy_{tag}")
        pause = pause_run(workspace, rooftop, second, args.sold, queue, args.concurrency)
    finally:
        clean_up(workspace)
        queue_drop(queue)

    counts = record.counts
    verdict = "met" if elapsed <= TARGET_SECONDS else "NOT met"
    pipeline = full["elapsed"]
    print("como inventory benchmark")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start "
        "(other work on the box lowers every figure; the ratios move less)"
    )
    raw_limit = copy_elapsed + full_raw
    raw_text = (
        f"COPY of the rows {copy_elapsed:.2f} s + a bare Jinja2 render of the same templates "
        f"for the same vehicles {full_raw:.2f} s"
    )
    parts_verdict = "met" if parts["elapsed"] <= PIPELINE_TARGET_SECONDS else "NOT met"
    per_channel = ", ".join(f"{c} {n:,}" for c, n in sorted(parts["per_channel"].items()))
    print(
        f"  (a) full feed parse → diff → creative → compliance: {parts['elapsed']:.2f} s "
        f"(target ≤ {PIPELINE_TARGET_SECONDS:.0f} s: {parts_verdict}; issue 13's figure)"
    )
    print(
        f"      import {parts['import']:.2f} s ({args.vehicles:,} vehicles created), then "
        f"{parts['parts']} launch parts' creative ({per_channel} vehicles; "
        f"{parts['left_out']} left out, {parts['findings']:,} findings) rendered and judged "
        f"by {args.concurrency} forked processes in {parts['creative']:.2f} s: the calls a "
        "worker makes per part, proposals built, not written"
    )
    phases = parts["phases"]
    print(
        "      import phases: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items())
        + f"; the rest ({parts['import'] - sum(phases.values()):.2f} s): the commit (its "
        "deferred foreign-key checks, four per vehicle created), progress, the reaction enqueued"
    )
    print(f"      raw limit: {raw_text}; ratio raw time / (a): {raw_limit / parts['elapsed']:.3f}")
    pipeline_verdict = "met" if pipeline <= PIPELINE_TARGET_SECONDS else "NOT met"
    per_channel = ", ".join(f"{c} {n:,}" for c, n in sorted(full["per_channel"].items()))
    print(
        f"  (b) the whole launch, proposals written, through a real worker: {pipeline:.2f} s "
        f"(against the same {PIPELINE_TARGET_SECONDS:.0f} s: {pipeline_verdict})"
    )
    print(
        f"      full feed import: {seeded.counts['created']:,} vehicles created in "
        f"{seed_elapsed:.2f} s"
    )
    print(
        f"      launch: {full['proposals']} proposals ({per_channel} vehicles; "
        f"{full['left_out']} left out, {full['findings']:,} findings) written by a real worker "
        f"(concurrency {args.concurrency}) {full['proposed']:.2f} s after the import committed"
    )
    print(f"      raw limit: {raw_text}; ratio raw time / (b): {raw_limit / pipeline:.3f}")
    print(
        f"  import: {counts['rows']:>7} rows ({touched} touched) in {elapsed:6.2f} s"
        f"  (target ≤ {TARGET_SECONDS:.0f} s: {verdict})"
    )
    print(
        "  phases: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in record.phases.items())
    )
    print("  counts: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
    print_creative("re-import", again)
    print(
        f"  raw Jinja2: {again['vehicles']:,} vehicles, {len(setup['specs'])} templates each, in "
        f"{again['raw']:.2f} s = {again['vehicles'] / max(again['raw'], 1e-9):,.0f} vehicles/s "
        "(a bare jinja2.Environment, the same joined templates, interleaved with the creative)"
    )
    print(
        f"  ratio raw Jinja2 time / creative time: {again['raw'] / again['elapsed']:.3f} "
        f"(/ render + judge alone: {again['raw'] / again['render']:.3f})"
    )
    print(
        f"  re-import parse → diff → creative → compliance: {elapsed + again['elapsed']:.2f} s "
        f"(import {elapsed:.2f} + creative {again['elapsed']:.2f})"
    )
    print(
        f"  raw COPY: {len(second):>7} rows in {copy_elapsed:6.2f} s = "
        f"{len(second) / copy_elapsed:>9,.0f} rows/s"
    )
    print(f"  ratio raw COPY time / import time: {copy_elapsed / elapsed:.3f}")
    pause_verdict = "met" if pause["max"] <= PAUSE_TARGET_SECONDS else "NOT met"
    print(
        f"  pause: {pause['vehicles']:,} sold vehicles, live on 2 channels each, paused by a real "
        f"worker (concurrency {args.concurrency}) p50 {pause['p50']:.2f} s, "
        f"p99 {pause['p99']:.2f} s, max {pause['max']:.2f} s after the import committed "
        f"(target ≤ {PAUSE_TARGET_SECONDS:.0f} s: {pause_verdict})"
    )
    print(
        f"  raw pauses: the same {2 * pause['vehicles']:,} platform calls in process in "
        f"{pause['raw']:.2f} s; ratio raw time / slowest vehicle's latency: "
        f"{pause['raw'] / max(pause['max'], 1e-9):.3f}"
    )
    if record.status != "succeeded" or counts["rejected"]:
        sys.exit(f"the import was {record.status} with {counts['rejected']} rejected rows")
    created = seeded.counts["created"]
    if set(parts["per_channel"].values()) != {created} or parts["left_out"]:
        sys.exit(f"(a): {parts['per_channel']} vehicles per channel of {created} created")
    if set(full["per_channel"].values()) != {created} or full["left_out"] or again["blocked"]:
        sys.exit(
            f"launch: {full['per_channel']} vehicles per channel of {created} created, "
            f"{full['left_out']} left out, {again['blocked']} blocked on re-import (the bench's "
            "vehicles all pass)"
        )


def print_creative(label: str, run: dict[str, Any]) -> None:
    vehicles = max(run["vehicles"], 1)
    print(
        f"  creative, {label}: {run['vehicles']:,} vehicles, 2 channels each, in "
        f"{run['elapsed']:.2f} s = {vehicles / max(run['elapsed'], 1e-9):,.0f} vehicles/s "
        f"({run['elapsed'] / vehicles * 1e6:.0f} µs each: read {run['read']:.2f} s, "
        f"data {run['data']:.2f} s, render + judge {run['render']:.2f} s); "
        f"{run['creatives']:,} creatives, {run['blocked']} blocked, {run['findings']:,} findings"
    )


if __name__ == "__main__":
    main()
