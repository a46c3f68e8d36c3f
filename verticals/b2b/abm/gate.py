"""The GDPR/CASL/CAN-SPAM gate on each committee member a play would email.

Each member is run through the compliance engine (:func:`como.compliance.engine.run_checks`) as
the recipient of a marketing email, with their consent ledger and suppressions read for all of
them in two queries (:func:`como.compliance.selectors.recipients_for`). A blocking finding about
the person (it names them in its evidence: no consent on record in the EU, expired implied
consent in Canada, an opt-out, a suppressed address) leaves them out, with its rule, message
and citation as the reason. Findings about the message itself (the unsubscribe link, the postal
address) are the sequence's, checked at each send. The same gate runs at proposal (the approver
sees who is left out) and again at execution (consent may be revoked in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from como.compliance.drafts import Draft, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Severity
from como.compliance.selectors import recipients_for
from como.leads.models import Contact
from como.workspaces.models import Workspace

NO_ADDRESS = {
    "rule": "abm.no_email",
    "message": "The member has no email address: a sequence cannot reach them.",
    "citation": "",
}


@dataclass(frozen=True)
class Gated:
    allowed: tuple[int, ...]
    #: contact id → the reasons it is left out (rule, message, citation)
    left_out: dict[int, list[dict[str, Any]]]


def members_gate(workspace: Workspace, contacts: Sequence[Contact], *, at: datetime) -> Gated:
    """Which of ``contacts`` (of ``workspace``) may be sent marketing email at ``at``."""
    if not contacts:
        return Gated((), {})
    sender = Sender.of(workspace)
    recipients = recipients_for(workspace_id=workspace.pk, contacts=list(contacts), at=at)
    allowed: list[int] = []
    left_out: dict[int, list[dict[str, Any]]] = {}
    for recipient in recipients:
        assert recipient.contact_id is not None  # built from stored contacts
        if not recipient.email:
            left_out[recipient.contact_id] = [dict(NO_ADDRESS)]
            continue
        report = run_checks(
            Draft(
                channel="email",
                sender=sender,
                at=at,
                kind="account_play",
                recipient=recipient,
                vertical=workspace.vertical,
            )
        )
        reasons = [
            {"rule": f.rule, "message": f.message, "citation": f.citation}
            for f in report.findings
            if f.severity is Severity.BLOCK
            and (f.evidence or {}).get("contact_id") == recipient.contact_id
        ]
        if reasons:
            left_out[recipient.contact_id] = reasons
        else:
            allowed.append(recipient.contact_id)
    return Gated(tuple(allowed), left_out)
