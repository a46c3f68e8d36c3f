"""LinkedIn Matched Audiences: streaming companies or people into a DMP segment.

The Marketing API's DMP Segment sub-resources (``rw_dmp_segments``), one Rest.li batch per
call, as LinkedIn documents them ("Create and manage segment companies / users"):

- companies: ``POST /rest/dmpSegments/{id}/companies`` with ``X-RestLi-Method: BATCH_CREATE``
  and ``{"elements": [{"action": "ADD", "companyName": …, "companyWebsiteDomain": …,
  "companyEmailDomain": …}]}``;
- people: ``POST /rest/dmpSegments/{id}/users``, same method header, ``{"elements":
  [{"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": hex}], "firstName": …,
  "lastName": …, "title": …, "company": …}]}``: the address normalised (trimmed, lower case)
  and SHA-256 hashed; people who opted out of ads (CCPA, GPC) are left out, as for Meta's
  customer lists (:func:`.social_audiences.audience_for`).

The segment exists already (made in Campaign Manager or by its own call); its id comes with the
upload. Sent through the LinkedIn channel account's transport: the sandbox records the exact
request, HTTP sends it. LinkedIn takes at most 5,000 elements a call; more are refused here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..transports import OutboundRequest, accounts_cached, channel_account
from . import common
from .linkedin import API_BASE, API_VERSION, KEY
from .social_audiences import audience_for, normalized_email, sha256

#: Rest.li batch limit of the DMP streaming endpoints.
MAX_ELEMENTS = 5_000
FIRST_NAME_MAX = LAST_NAME_MAX = 35
TITLE_MAX = 50
CITATION = "LinkedIn Marketing API: Matched Audiences, DMP Segment Companies and Users"

Kind = Literal["companies", "contacts"]


@dataclass(frozen=True)
class Company:
    name: str
    domain: str


@dataclass(frozen=True)
class Upload:
    """What went (or would go) to LinkedIn, and who was left out."""

    segment: str
    kind: Kind
    elements: int
    opted_out: int
    without_identifier: int
    result: Mapping[str, Any]


def company_elements(companies: Sequence[Company]) -> list[dict[str, Any]]:
    return [
        {
            "action": "ADD",
            "companyName": company.name or company.domain,
            "companyWebsiteDomain": company.domain,
            "companyEmailDomain": company.domain,
        }
        for company in companies
    ]


def _user_element(contact: Any, company: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "action": "ADD",
        "userIds": [{"idType": "SHA256_EMAIL", "idValue": sha256(normalized_email(contact.email))}],
    }
    for name, value, width in (
        ("firstName", contact.first_name, FIRST_NAME_MAX),
        ("lastName", contact.last_name, LAST_NAME_MAX),
        ("title", contact.title, TITLE_MAX),
        ("company", company, None),
    ):
        if value:
            element[name] = value[:width] if width else value
    return element


def build_upload(
    segment: str, kind: Kind, elements: Sequence[Mapping[str, Any]]
) -> tuple[str, str]:
    """The path and the JSON body of one batch; PayloadInvalid names what is wrong."""
    limits = common.Limits()
    segment_id = limits.identifier("segment", segment)
    if not elements:
        limits.add("elements", "Nothing to upload.")
    elif len(elements) > MAX_ELEMENTS:
        limits.add("elements", f"At most {MAX_ELEMENTS:,} a call; got {len(elements):,}.")
    limits.raise_if_any()
    resource = "companies" if kind == "companies" else "users"
    return f"/rest/dmpSegments/{segment_id}/{resource}", common.json_body(
        {"elements": list(elements)}
    )


def _simulate(request: OutboundRequest) -> tuple[int, Mapping[str, Any]]:
    import json

    sent = json.loads(request.body)["elements"]
    return 200, {"elements": [{"status": 201} for _ in sent]}


@accounts_cached()
def segment_upload(
    *,
    workspace_id: int,
    idempotency_key: str,
    segment: str,
    kind: Kind,
    companies: Sequence[Company] = (),
    contact_ids: Sequence[int] = (),
    company_name: str = "",
    at: datetime,
) -> Upload:
    """Add ``companies`` (kind "companies") or the people of ``contact_ids`` (kind
    "contacts", minus those opted out of ads at ``at`` and those without an address) to the
    DMP segment, in one request under ``idempotency_key``. Raises PayloadInvalid, and what
    the transport raises (ChannelRejected, TransientError)."""
    opted_out = without = 0
    if kind == "companies":
        elements = company_elements(companies)
    else:
        audience = audience_for(
            {"audience_id": segment or "0", "contact_ids": list(contact_ids)},
            workspace_id=workspace_id,
            at=at,
        )
        from como.leads.models import Contact

        wanted = [r.contact_id for r in audience.members if r.email]
        people = {c.pk: c for c in Contact.objects.filter(workspace_id=workspace_id, pk__in=wanted)}
        elements = [_user_element(people[pk], company_name) for pk in wanted if pk in people]
        opted_out = audience.opted_out
        without = audience.without_identifier + len(audience.members) - len(wanted)
    path, body = build_upload(segment, kind, elements)
    account = channel_account(workspace_id, KEY)
    request = OutboundRequest(
        workspace_id=workspace_id,
        channel=KEY,
        idempotency_key=idempotency_key,
        method="POST",
        url=common.base_url(account, API_BASE) + path,
        headers={
            "Authorization": f"Bearer {common.credential(account, 'access_token')}",
            "LinkedIn-Version": common.setting(account, "api_version", API_VERSION),
            "X-Restli-Protocol-Version": "2.0.0",
            "X-RestLi-Method": "BATCH_CREATE",
            "Content-Type": "application/json",
        },
        body=body,
    )
    response = common.send(account, request, _simulate)
    answer = common.answer_of(response)
    statuses = [e.get("status") for e in answer.get("elements") or [] if isinstance(e, Mapping)]
    return Upload(
        segment=segment,
        kind=kind,
        elements=len(elements),
        opted_out=opted_out,
        without_identifier=without,
        result={
            "sandbox": response.sandbox,
            "status": response.status,
            "accepted": sum(1 for s in statuses if isinstance(s, int) and 200 <= s < 300),
            "idempotency_key": idempotency_key,
        },
    )
