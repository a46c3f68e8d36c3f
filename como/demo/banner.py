"""What ``seed_demo`` and ``run_demo`` print: where to go, how to log in, a curl to paste."""

from __future__ import annotations

import shlex

from como.workspaces.models import Workspace

from .credentials import DemoCredentials
from .selectors import demo_contact_for_curl


def banner(credentials: DemoCredentials, base_url: str) -> str:
    base = base_url.rstrip("/")
    lines = [
        f"  Admin     {base}/admin/",
        f"  API docs  {base}/api/v1/docs",
        f"  Schema    {base}/api/v1/schema",
        "",
        "  Logins",
    ]
    if credentials.admin:
        lines.append(
            f"    {credentials.admin.username} / {credentials.admin.password}"
            "   (superuser: every workspace)"
        )
    workspaces = {
        workspace.slug: workspace
        for workspace in Workspace.objects.filter(
            slug__in=sorted({*credentials.members, *credentials.api_keys})
        )
    }
    for slug, login in credentials.members.items():
        name = workspaces[slug].name if slug in workspaces else slug
        lines.append(f"    {login.username} / {login.password}   (owner of {name} only)")
    lines += ["", "  API keys (Authorization: Bearer <key>)"]
    for slug, secret in credentials.api_keys.items():
        vertical = workspaces[slug].vertical if slug in workspaces else "?"
        lines.append(f"    {slug} ({vertical}): {secret}")
    for slug, secret in credentials.api_keys.items():
        workspace = workspaces.get(slug)
        contact = demo_contact_for_curl(workspace) if workspace else None
        if workspace is None or contact is None:
            continue
        url = f"{base}/api/v1/contacts/{contact.pk}/events"
        curl = shlex.join(["curl", "-sS", "-H", f"Authorization: Bearer {secret}", url])
        lines += [
            "",
            f"  The event timeline of {contact} <{contact.email}> in {workspace.name}:",
            f"    {curl}",
        ]
        break
    lines += ["", f"  (logins and keys are kept in {credentials.path})"]
    return "\n".join(lines)
