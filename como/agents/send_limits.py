"""The playbook's frequency caps and send windows, as a step of the compliance gate.

They are the workspace's settings, not laws, so they are read here, above the channels, rather
than by a registered check of the engine (which sees no playbook): :func:`send_limit_findings`
adds their findings to the adapter's report, at proposal and right before each send.

What is capped: a *marketing send to one person*, i.e. an action whose kind a channel adapter
declares and whose payload names one ``contact_id`` (``email_send``, ``sms_send``; every
adapter logs its sends with purpose ``marketing``). Executors outside the adapters (the MQL
handoff to a rep, webhooks) and the channels' own replies (STOP confirmations, HELP) are
transactional: they are neither capped nor counted, since the count reads only the log's
outbound ``marketing`` rows (:func:`como.channels.selectors.marketing_sent_since`), whichever
campaign, sequence or agent sent them.

Race safety: the count and the send must be one decision, or two workers sending to the same
person at once both see the last free slot. :func:`send_lock` holds a transaction-scoped
advisory lock keyed by (workspace, contact, channel) around the gate and the send, so the
second worker counts after the first one's message row is committed. An advisory lock rather
than ``SELECT … FOR UPDATE`` on the contact: it serialises only sends on the same channel to
the same person (an email and a text to them do not wait for each other) and never blocks
ingest or scoring writing the contact row. It is taken only when a cap applies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection, transaction

from como.channels.base import ActionLike, adapter_for_kind
from como.channels.selectors import marketing_sent_since
from como.compliance.findings import Finding, Report
from como.compliance.quiet_hours import sms_window
from como.compliance.send_limits import frequency_cap_finding, send_window_finding
from como.leads.models import Contact

from .models import Playbook
from .playbook_settings import FrequencyCap

#: The keys the gate reports as checked (so "no findings" reads as "checked and clear").
CHECKED = ("playbook.frequency_cap", "playbook.send_window")


def person_send(action: ActionLike) -> tuple[str, int] | None:
    """(channel, contact id) when the action is a marketing send to one person."""
    adapter = adapter_for_kind(action.kind)
    payload = action.payload if isinstance(action.payload, Mapping) else {}
    contact_id = payload.get("contact_id")
    if adapter is None or not isinstance(contact_id, int) or isinstance(contact_id, bool):
        return None
    return adapter.key, contact_id


def _playbook(action: ActionLike) -> Playbook:
    # services imports the gate, which imports this module.
    from .services import playbook_for

    return playbook_for(action.workspace)


def cap_for(action: ActionLike) -> FrequencyCap | None:
    sent_to = person_send(action)
    if sent_to is None:
        return None
    caps = _playbook(action).frequency_caps
    return next((cap for cap in caps if cap.channel == sent_to[0]), None)


def recipient_zone(contact: Contact, fallback: str) -> tuple[str, str]:
    """The recipient's time zone and where it came from: the one zone their number (or their
    US state) is in, else the workspace's (``fallback``). A number or state spanning several
    zones says nothing certain, so it falls back too."""
    window = sms_window(contact.phone, contact.region, contact.country)
    if window.source != "default" and len(window.zone_names) == 1:
        return window.zone_names[0], window.source
    return fallback, "workspace"


def send_limits_report(action: ActionLike, *, at: datetime) -> Report:
    """The caps' and windows' findings for the action at ``at``; nothing checked when it is
    not a marketing send to one person."""
    sent_to = person_send(action)
    if sent_to is None:
        return Report.of(())
    channel, contact_id = sent_to
    workspace = action.workspace
    playbook = _playbook(action)
    findings: list[Finding] = []
    cap = next((cap for cap in playbook.frequency_caps if cap.channel == channel), None)
    if cap is not None:
        sent = marketing_sent_since(
            workspace_id=workspace.pk,
            channel=channel,
            contact_id=contact_id,
            since=at - timedelta(days=cap.per_days),
        )
        found = frequency_cap_finding(
            sent, channel=channel, max_messages=cap.max_messages, per_days=cap.per_days, at=at
        )
        if found is not None:
            findings.append(found)
    window = playbook.send_windows.get(channel)
    contact = (
        Contact.objects.filter(workspace_id=workspace.pk, pk=contact_id).first()
        if window is not None
        else None
    )
    if window is not None and contact is not None:
        zone_name, zone_from = recipient_zone(contact, workspace.time_zone)
        found = send_window_finding(
            channel=channel,
            start=window.start,
            end=window.end,
            zone_name=zone_name,
            zone_from=zone_from,
            at=at,
        )
        if found is not None:
            findings.append(found)
    return Report.of(findings, CHECKED)


def _lock_key(workspace_id: int, contact_id: int, channel: str) -> int:
    digest = hashlib.blake2b(f"send:{workspace_id}:{contact_id}:{channel}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


@contextmanager
def send_lock(action: ActionLike) -> Iterator[None]:
    """Around the gate and the send: one transaction holding the (workspace, contact, channel)
    lock when a frequency cap applies to the action; nothing otherwise."""
    sent_to = person_send(action)
    if sent_to is None or cap_for(action) is None:
        yield
        return
    channel, contact_id = sent_to
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                [_lock_key(action.workspace_id, contact_id, channel)],
            )
        yield
