"""The approver's view of an account play: its subject on the inbox line, and its parts as the
preview text the detail pane shows, both read from the payload's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from como.agents.models import AgentAction
from como.agents.subjects import Presenter, Subject, payload_of

PART_NAMES = {
    "handoff": "Handoff to the account owner",
    "sequence": "Sequence enrolment of the engaged members",
    "audience": "LinkedIn matched audience for the missing roles",
}


def play_subjects(actions: Sequence[AgentAction]) -> list[Subject]:
    subjects = []
    for action in actions:
        payload = payload_of(action)
        account = payload.get("account")
        account = account if isinstance(account, Mapping) else {}
        sequence = payload.get("sequence")
        enrolments = sequence.get("enrolments") if isinstance(sequence, Mapping) else None
        found = payload.get("parts")
        parts: list[Any] = found if isinstance(found, list) else []
        subjects.append(
            Subject(
                account=str(account.get("name") or account.get("domain") or ""),
                audience=len(enrolments) if isinstance(enrolments, list) else None,
                other=f"{len(parts)} part(s): {', '.join(map(str, parts))}",
            )
        )
    return subjects


def play_preview(payload: Mapping[str, Any]) -> str:
    """The parts, one block each, then who is left out and which parts were not proposed."""
    lines: list[str] = []
    gap = payload.get("committee") or {}
    lines.append(
        f"Committee: {gap.get('covered')}/{gap.get('required')} required roles engaged; "
        f"missing: {', '.join(gap.get('missing_labels') or []) or 'none'}."
    )
    changed = payload.get("changed") or {}
    if changed:
        lines.append("Changed: " + ", ".join(f"{k} = {v}" for k, v in sorted(changed.items())))
    for number, part in enumerate(payload.get("parts") or [], start=1):
        lines.append("")
        lines.append(f"{number}. {PART_NAMES.get(part, part)}")
        if part == "handoff":
            handoff = payload["handoff"]
            lines.append(
                f"   rep #{handoff['rep_id']} ({handoff['route']['via']}), about contact "
                f"#{handoff['contact_id']}, SLA {handoff['sla_hours']} h"
            )
        elif part == "sequence":
            for entry in payload["sequence"]["enrolments"]:
                lines.append(
                    f"   contact #{entry['contact_id']} ({entry['role']}) → {entry['sequence']}"
                )
        elif part == "audience":
            audience = payload["audience"]
            targets = audience.get("companies") or audience.get("contact_ids") or []
            lines.append(
                f"   {len(targets)} {audience['kind']} into DMP segment {audience['segment']} "
                f"for: {', '.join(audience['roles'])}"
            )
    for entry in payload.get("left_out") or []:
        rules = ", ".join(r["rule"] for r in entry["reasons"])
        lines.append(f"Left out: contact #{entry['contact_id']} ({entry['role']}): {rules}")
    for entry in payload.get("parts_left_out") or []:
        lines.append(f"Not proposed: {entry['part']}: {entry['reason']}")
    return "\n".join(lines)


PRESENTER = Presenter(play_subjects)
