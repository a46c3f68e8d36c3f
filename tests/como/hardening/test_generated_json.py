"""Generated JSON, hostile by construction, posted to every write operation of the OpenAPI
schema and to each webhook with a valid signature: no answer is a 5xx (issue 10, acceptance).

schemathesis (tests/e2e/test_api_fuzz.py) generates from the schema, so it sends what the
schema describes; this sends what it does not: NaN, ±Infinity and 1e400, integers of 19 to
4,000 digits, lone surrogates and NUL in strings and keys, strings up to 100,000 characters,
and nesting from just under :data:`como.jsonsafe.MAX_DEPTH` to 5,000 levels, as raw JSON text
(``json.dumps`` can write neither NaN into strict JSON nor 5,000 levels). Most examples are a
valid body of the operation (:func:`bases`) with one or two values swapped for a hostile one of
the same kind, so that the rest passes and the hostile value reaches its column; the others are
objects of the operation's fields, or anything at all. A new write operation fails
``test_the_valid_bodies_are_accepted`` until it has a valid body here.

Each example runs in a savepoint rolled back afterwards, so examples do not see each other's
rows and a database error cannot poison the next one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from como import jsonsafe
from como.audiences.services import audience_create
from como.campaigns.models import Campaign
from como.channels.models import ChannelAccount
from como.channels.sms import twilio_signature
from como.leads.models import Contact
from como.sequences.versions import sequence_edit
from como.workspaces.models import Workspace
from tests.como.agents.proposals import propose
from tests.como.channels.sms_support import PUBLIC, TOKEN, inbound_params, sms_account
from tests.como.hardening.support import SECRET, signed_post
from tests.como.sequences.support import approved_sequence
from tests.factories import AccountFactory, ContactFactory, member_api_client
from tests.verticals.b2b.abm_setup import play_row
from verticals.automotive.coop.models import CoopProgram
from verticals.automotive.inventory.models import Rooftop, Vehicle
from verticals.b2b.intent.models import IntentWebhook
from verticals.b2b.scoring import DEFAULT_SCORING_MODEL

pytestmark = pytest.mark.django_db

#: Per operation: enough to meet every kind of value a few times, few enough for `make test`.
EXAMPLES = 30
RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _write_operations() -> list[tuple[str, str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if content and "application/json" not in content:
                continue  # a file upload (multipart) only: tests/verticals/automotive/dms/
            body = content.get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            names = list(components.get(ref, {}).get("properties", {}))
            found.append((method, path, names))
    return found


OPERATIONS = _write_operations()
#: Fields below the top level (events, import rows, consents, webhooks) and in other bodies.
NESTED = sorted(
    {name for _, _, names in OPERATIONS for name in names}
    | {"id", "type", "occurred_at", "contact", "email", "external_id", "anonymous_id"}
    | {"properties", "utm", "source", "date", "campaign", "impressions", "clicks", "spend"}
    | {"to", "data", "bounce", "message_id", "text", "fields", "body"}
)

_json = json.dumps  # ensure_ascii: a surrogate or NUL is written as its escape
HUGE = ["9" * 19, "-" + "9" * 19, "1" + "0" * 19, "9" * 40, "9" * 4000, "99999999999999.999"]
NUMBERS = (
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", *HUGE])
    | st.integers().map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
)
STRINGS = (
    st.sampled_from(["\ud800", "\udfff", "x\udc00y", "\x00", "a\x00b", "", " ", "\u202e"])
    | st.sampled_from(["a@example.com", "2026-01-01T10:00:00Z", "email", "sms", "page_view"])
    | st.integers(min_value=0, max_value=12).map(lambda e: "x" * (25 * 2**e))
    | st.sampled_from(HUGE)
    | st.text(max_size=30)
).map(_json)
DEEP = st.sampled_from([jsonsafe.MAX_DEPTH - 1, jsonsafe.MAX_DEPTH, 201, 5000]).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n])
)
LEAVES = NUMBERS | STRINGS | DEEP | st.sampled_from(["true", "false", "null", "{}", "[]"])
KEYS = st.sampled_from(NESTED).map(_json) | STRINGS


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"


VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(st.tuples(KEYS, inner), max_size=5).map(_object)
        | st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
    ),
    max_leaves=10,
)


Path = tuple[str | int, ...]


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def render(value: Any, swaps: dict[Path, str], prefix: Path = ()) -> str:
    """``value`` as JSON text, with the raw text of ``swaps`` at their paths."""
    if prefix in swaps:
        return swaps[prefix]
    if isinstance(value, dict):
        return _object([(_json(k), render(v, swaps, (*prefix, k))) for k, v in value.items()])
    if isinstance(value, list):
        return "[" + ",".join(render(v, swaps, (*prefix, i)) for i, v in enumerate(value)) + "]"
    return _json(value)


def _at(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


#: What a leaf of the valid body is swapped for, by its kind: each is one class of input.
HOSTILE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", *HUGE[:4], "-1", "0.001"]
HOSTILE_STRINGS = [
    _json(text)
    for text in ["\ud800", "a\udfffb", "\x00", "a\x00b", "x" * 300, "x" * 100_000, HUGE[3], ""]
]


def _hostile_for(leaf: Any) -> st.SearchStrategy[str]:
    # Mostly a hostile value of the leaf's own kind, so that it passes the type check and
    # reaches the column (a 20-digit count, a 100,000-character name), sometimes anything.
    if isinstance(leaf, bool) or leaf is None:
        typed = st.sampled_from(HOSTILE_NUMBERS + HOSTILE_STRINGS)
    elif isinstance(leaf, int | float):
        typed = st.sampled_from(HOSTILE_NUMBERS)
    elif isinstance(leaf, str):
        typed = st.sampled_from(HOSTILE_STRINGS)
    else:
        return VALUES
    return st.integers(0, 5).flatmap(lambda roll: VALUES if roll == 0 else typed)


def bodies(names: list[str], base: Any) -> st.SearchStrategy[str]:
    """A JSON text: a valid body with one or two values swapped for hostile ones (so the
    others pass and the hostile ones reach their columns), an object of the operation's
    fields, or anything at all."""
    fields = st.sampled_from(names or NESTED).map(_json)
    free = st.lists(st.tuples(fields, VALUES), min_size=1, max_size=6).map(_object) | VALUES
    paths = _paths(base)[1:]
    if not paths:
        return free

    def swapped(chosen: list[Path]) -> st.SearchStrategy[str]:
        values = st.tuples(*(_hostile_for(_at(base, path)) for path in chosen))
        return values.map(lambda texts: render(base, dict(zip(chosen, texts, strict=True))))

    one = st.sampled_from(paths).map(lambda path: [path])
    two = st.lists(st.sampled_from(paths), min_size=2, max_size=2, unique=True)
    if len(paths) < 2:
        two = one
    return st.integers(0, 5).flatmap(
        lambda roll: free if roll == 0 else (two if roll == 1 else one).flatmap(swapped)
    )


SEQUENCE_PROGRAM = {
    "trigger": {"on": "event", "event_type": "service_visit", "properties": {"dept": "svc"}},
    "steps": [
        {"id": "hi", "type": "send", "channel": "email", "subject": "Hi", "body": "Hello"},
        {"id": "w", "type": "wait", "minutes": 60},
    ],
    "exits": [{"on": "converted"}],
}


def bases(workspace: Workspace) -> dict[str, Any]:
    """A valid body per operation (by path, ids replaced by ``{id}``); others start from {}."""
    event = {
        "id": "e-1",
        "type": "page_view",
        "occurred_at": "2026-01-01T10:00:00Z",
        "contact": {"email": "ana@example.com", "external_id": "x1", "anonymous_id": "a1"},
        "properties": {"path": "/pricing", "n": 1},
        "utm": {"source": "google", "campaign": "spring"},
    }
    contact = {
        "email": "ana@example.com",
        "phone": "+13125550123",
        "first_name": "Ana",
        "title": "CTO",
        "company_size": 50,
        "country": "US",
        "external_id": "crm-1",
        "attributes": {"tier": "gold", "score": 1.5},
    }
    account = {
        "name": "Acme",
        "domain": "acme.example.com",
        "employee_count": 50,
        "annual_revenue": "1000000.00",
        "external_id": "acc-1",
        "attributes": {"tier": 1},
    }
    campaign = {"name": "Summer", "channels": ["email"], "starts_on": "2026-06-01", "budget": "10"}
    signal = {
        "provider": "bombora",
        "domain": "acme.example.com",
        "topic": "ETL",
        "score": 72,
        "week": "2026-11-23",
        "keywords": ["etl pricing"],
        "buying_stage": "decision",
        "profile_score": 80,
    }
    row = {"date": "2026-03-01", "campaign": "Spring", "impressions": 10, "clicks": 1, "spend": 1}
    rooftop = {
        "name": "Lakeside Honda",
        "dealer_id": "D-7",
        "store_code": "LKH-7",
        "street": "1 Lake Rd",
        "city": "Madison",
        "region": "WI",
        "postal_code": "53703",
        "country": "US",
        "time_zone": "America/Chicago",
        "brands": ["Honda", "Acura"],
        "vdp_url_template": "https://lakeside.example/inventory/{vin}",
    }
    return {
        "/api/v1/accounts": account,
        "/api/v1/accounts/{id}": account,
        "/api/v1/actions/{id}/approve": {"note": "fine"},
        "/api/v1/actions/{id}/reject": {"reason": "no"},
        "/api/v1/campaigns": campaign,
        "/api/v1/campaigns/{id}": campaign,
        "/api/v1/campaigns/metrics/import": {"channel": "paid_search", "rows": [row, row]},
        "/api/v1/compliance/check": {
            "channel": "sms",
            "text": "Acme: 10% off. Reply STOP to opt out.",
            "recipient": {"phone": "+13125550123", "country": "US"},
        },
        "/api/v1/coop/claims": {
            # The ids fixture's program and campaign (a claim per pair: the savepoint keeps
            # each example's claim from the next).
            "program": CoopProgram.objects.filter(workspace=workspace)
            .values_list("pk", flat=True)
            .first()
            or 1,
            "campaign": Campaign.objects.filter(workspace=workspace)
            .values_list("pk", flat=True)
            .first()
            or 1,
            "invoice_refs": ["META-INV-1"],
            "amount_claimed": None,
            "note": "spring",
        },
        "/api/v1/audiences": {"name": "Owners", "rule": {"stages": ["customer"]}},
        "/api/v1/audiences/{id}": {"name": "Canada", "rule": {"countries": ["CA"]}},
        "/api/v1/account-link-runs": {},
        # The ids fixture's contact has an account: a role of the default committee.
        "/api/v1/contacts/{id}/committee-role": {"role": "champion"},
        "/api/v1/account-plays/{id}/drop-parts": {"parts": ["audience"]},
        "/api/v1/offline-touches": {
            # The ids fixture's campaign.
            "campaign": Campaign.objects.filter(workspace=workspace)
            .values_list("pk", flat=True)
            .first()
            or 1,
            "kind": "dinner",
            "name": "CIO dinner",
            "occurred_at": "2026-01-01T19:00:00Z",
            "attendees": [{"email": "ana@example.com"}, {"external_id": "crm-9"}],
        },
        "/api/v1/opportunities": {
            "opportunities": [
                {
                    "external_id": "opp-1",
                    "name": "Acme renewal",
                    "contact": {"email": "ana@example.com"},
                    "account": {"domain": "acme.example.com", "name": "Acme"},
                    "amount": "1000.00",
                    "currency": "USD",
                    "status": "won",
                    "stage": "Closed Won",
                    "opened_at": "2026-01-01T10:00:00Z",
                    "closed_at": "2026-02-01T10:00:00Z",
                    "source": "Web",
                    "vin": "1HGCM82633A004352",
                    "attributes": {"tier": 1},
                }
            ]
        },
        "/api/v1/contacts": contact,
        "/api/v1/contacts/{id}": contact,
        "/api/v1/sequences": {"key": "spring", "name": "Spring", "program": SEQUENCE_PROGRAM},
        "/api/v1/sequences/{id}/edit": {"program": SEQUENCE_PROGRAM},
        "/api/v1/sequences/{id}/propose": {},
        "/api/v1/sequences/{id}/members": {
            # The ids fixture's contact, not yet in the ids fixture's (approved) sequence.
            "contact_id": Contact.objects.filter(workspace=workspace, email="erase.me@example.com")
            .values_list("pk", flat=True)
            .first()
            or 1
        },
        "/api/v1/contacts/{id}/consents": {
            "channel": "email",
            "action": "grant",
            "basis": "express",
            "source": "form",
            "wording": "Yes, email me.",
            "ip": "192.0.2.1",
        },
        "/api/v1/contacts/{id}/opt-out": {"channels": ["email"], "source": "api"},
        "/api/v1/erasures": {"email": "erase.me@example.com", "reason": "asked"},
        "/api/v1/events": {"events": [event, {**event, "id": "e-2"}]},
        "/api/v1/intent/signals": {"signals": [signal, {**signal, "topic": "BI"}]},
        "/api/v1/events/collect": {**event, "id": "e-3"},
        "/api/v1/handoffs/{id}/accept": {"note": "on it"},
        "/api/v1/handoffs/{id}/reject": {"reason": "not_a_fit", "note": "no"},
        "/api/v1/inventory/imports": {
            # The workspace's rooftop (the ids fixture makes one), a feed of one row.
            "rooftop": Rooftop.objects.filter(workspace=workspace)
            .values_list("pk", flat=True)
            .first()
            or 1,
            "content": "vin,stock,year,make,model,condition,price\r\n"
            "1HGCM82633A004352,A1,2003,Honda,Accord,used,8999\r\n",
            "file_name": "feed.csv",
            "format": "",
            "full": False,
        },
        "/api/v1/rooftops": rooftop,
        "/api/v1/rooftops/{id}": rooftop,
        "/api/v1/scoring-models": {"definition": DEFAULT_SCORING_MODEL, "note": "v2"},
        "/api/v1/vehicles/{id}/preview": {
            "channel": "paid_social",
            "fields": {"headline": "{{ vehicle.name }}", "description": ""},
        },
    }


@contextmanager
def rolled_back(*described: Any) -> Iterator[None]:
    """Run a request in a savepoint rolled back afterwards; an exception escaping the app
    (the test client re-raises it) is told with the request, shortened, for the report."""
    savepoint = transaction.savepoint()
    try:
        yield
    except Exception as error:
        error.add_note("request: " + " ".join(repr(part)[:400] for part in described))
        raise
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def owner(workspace: Workspace) -> APIClient:
    # A person, not a key: the approve and handoff operations need one.
    return member_api_client(workspace, "owner")


def _sequence(workspace: Workspace) -> int:
    _, version = approved_sequence(workspace, SEQUENCE_PROGRAM, key="hardening")
    sequence_edit(sequence=version.sequence, program=SEQUENCE_PROGRAM)
    return version.sequence_id


@pytest.fixture
def ids(workspace: Workspace) -> dict[str, int]:
    account = AccountFactory.create(workspace=workspace)
    return {
        "/api/v1/accounts/": account.pk,
        "/api/v1/contacts/": ContactFactory.create(
            workspace=workspace, account=account, email="erase.me@example.com"
        ).pk,
        "/api/v1/campaigns/": Campaign.objects.create(workspace=workspace, name="Spring").pk,
        "/api/v1/audiences/": audience_create(
            workspace=workspace, name="Spring", rule={"countries": ["US"]}
        ).pk,
        "/api/v1/actions/": propose(workspace).pk,
        "/api/v1/account-plays/": play_row(workspace).pk,
        "/api/v1/rooftops/": (
            rooftop := Rooftop.objects.create(
                workspace=workspace, name="Lakeside", time_zone="America/Chicago"
            )
        ).pk,
        "/api/v1/vehicles/": Vehicle.objects.create(
            workspace=workspace,
            rooftop=rooftop,
            vin="1HGCM82633A004352",
            stock_number="A1",
            condition="used",
            price="8999.00",
        ).pk,
        # Approved once (a person may enrol), with a new draft (it may be proposed, edited).
        "/api/v1/sequences/": _sequence(workspace),
        "/api/v1/coop/programs/": CoopProgram.objects.create(
            workspace=workspace,
            key="ford-coop",
            name="Ford co-op",
            oem="Ford",
            reimbursement_rate="0.5",
            accrual_basis="none",
            claim_window_days=90,
        ).pk,
    }


@pytest.mark.parametrize(
    ("method", "path", "names"),
    OPERATIONS,
    ids=[f"{method.upper()} {path}" for method, path, _ in OPERATIONS],
)
def test_no_generated_body_is_a_server_error(
    owner: APIClient,
    workspace: Workspace,
    ids: dict[str, int],
    method: str,
    path: str,
    names: list[str],
) -> None:
    prefix = path.split("{", 1)[0]
    url = path.replace("{id}", str(ids.get(prefix, 999_999)))
    base = bases(workspace).get(path, {})

    @RUN
    @given(body=bodies(names, base))
    def post(body: str) -> None:
        with rolled_back(method.upper(), url, body):
            response = owner.generic(method.upper(), url, body, content_type="application/json")
        assert response.status_code < 500, (url, body[:300], response.content[:300])

    post()


def test_no_signed_email_delivery_is_a_server_error(workspace: Workspace) -> None:
    ChannelAccount.objects.create(workspace=workspace, channel="email", webhook_secret=SECRET)
    url = f"/hooks/email/{workspace.slug}/events"
    kinds = st.sampled_from(['"email.delivered"', '"email.bounced"', '"email.complained"'])
    events = st.tuples(kinds | STRINGS, VALUES).map(lambda t: f'{{"type":{t[0]},"data":{t[1]}}}')
    counter = iter(range(10**6))
    base = {"type": "email.bounced", "data": {"to": "ana@example.com", "bounce": {"type": "x"}}}

    statuses: set[int] = set()

    @RUN
    @given(body=events | bodies(["type", "data"], base))
    def deliver(body: str) -> None:
        with rolled_back(url, body):
            response = signed_post(url, body.encode(), webhook_id=f"msg_{next(counter)}")
        assert response.status_code < 500, (body[:300], response.content[:300])
        statuses.add(response.status_code)

    deliver()
    # The signatures were good: some deliveries got through, so the rest met the parser.
    assert any(200 <= status < 300 for status in statuses), statuses


def test_no_signed_intent_delivery_is_a_server_error(workspace: Workspace) -> None:
    hook = IntentWebhook.objects.create(workspace=workspace, provider="bombora", secret=SECRET)
    url = f"/api/v1/intent/webhooks/{hook.pk}/deliveries"
    base = bases(workspace)["/api/v1/intent/signals"]
    counter = iter(range(10**6))
    statuses: set[int] = set()

    @RUN
    @given(body=bodies(["signals"], base))
    def deliver(body: str) -> None:
        with rolled_back(url, body):
            response = signed_post(url, body.encode(), webhook_id=f"msg_{next(counter)}")
        assert response.status_code < 500, (body[:300], response.content[:300])
        statuses.add(response.status_code)

    deliver()
    # The signatures were good: some deliveries got through, so the rest met the parser.
    assert any(200 <= status < 300 for status in statuses), statuses


#: Form values carry no surrogates (UTF-8 bytes cannot); everything else can come.
FORM_TEXT = (
    st.sampled_from(["\x00", "a\x00b", "", "STOP", "delivered", "failed", "+13125550100"])
    | st.integers(min_value=0, max_value=12).map(lambda e: "x" * (25 * 2**e))
    | st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
)


@pytest.mark.parametrize("kind", ["inbound", "status"])
def test_no_signed_sms_webhook_is_a_server_error(
    workspace: Workspace, settings: Any, kind: str
) -> None:
    settings.COMO_PUBLIC_URL = PUBLIC
    account = sms_account(workspace)
    url = f"/hooks/sms/{account.pk}/{kind}"
    names = [*inbound_params("hi", "SM1"), "MessageStatus", "ErrorCode", "SmsStatus"]
    statuses: set[int] = set()

    base = {**inbound_params("hi", "SM1"), "MessageStatus": "delivered"}
    # Mostly a valid delivery with one or two values swapped, so the swap reaches the log;
    # sometimes any fields at all.
    swapped = st.dictionaries(st.sampled_from(names), FORM_TEXT, max_size=2).map(
        lambda swaps: {**base, **swaps}
    )

    @RUN
    @given(params=swapped | st.dictionaries(st.sampled_from(names), FORM_TEXT, min_size=1))
    def deliver(params: dict[str, str]) -> None:
        signature = twilio_signature(TOKEN, PUBLIC + url, {k: [v] for k, v in params.items()})
        with rolled_back(url, params):
            response = Client().post(
                url,
                data=urlencode(params),
                content_type="application/x-www-form-urlencoded",
                headers={"X-Twilio-Signature": signature},
            )
        assert response.status_code < 500, (params, response.content[:300])
        statuses.add(response.status_code)

    deliver()
    # The signatures were good: some deliveries got through, so the rest met the parser.
    assert any(200 <= status < 300 for status in statuses), statuses


@pytest.mark.parametrize(
    "path",
    # Handoffs are only seeded as ids that do not exist; a rejection is the same as a note;
    # a signed webhook's deliveries are the next tests'.
    dict.fromkeys(
        p
        for _, p, _ in OPERATIONS
        if "handoffs" not in p and "reject" not in p and "deliveries" not in p
    ),
)
def test_the_valid_bodies_are_accepted(
    owner: APIClient, workspace: Workspace, ids: dict[str, int], path: str
) -> None:
    # Else the swaps above would be refused for the base's fault, never reaching a column.
    method = next(method for method, p, _ in OPERATIONS if p == path)
    url = path.replace("{id}", str(ids.get(path.split("{", 1)[0], 999_999)))
    body = render(bases(workspace)[path], {})
    response = owner.generic(method.upper(), url, body, content_type="application/json")
    assert response.status_code < 300, response.content
