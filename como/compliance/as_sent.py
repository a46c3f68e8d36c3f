"""Linting a draft as its channel will send it: what each channel adds to a message before it
goes out, and the limits its platform puts on the copy.

Compliance sits below the channels (channels import compliance, never the reverse), so the
channel side is a registry here that the channels app fills from its ``AppConfig.ready()``
(``como/channels/apps.py``), one :class:`ChannelLint` per channel key:

- ``prepare(draft) -> draft``: what the channel adds before the checks read the message (the
  email channel's List-Unsubscribe headers and its footer with the sender's name, postal address
  and unsubscribe link), so copy written for that channel is not blamed for what the channel
  supplies;
- ``limits(fields, kind) -> findings``: the platform's limits on the copy alone (a responsive search
  ad's 3 to 15 headlines of ≤ 30, Meta's 2,200/255 characters, Twilio's 1,600…). ``fields`` are the
  lint's fields as given (a list of headlines stays a list); ``kind`` the draft's action kind
  (an audience upload has no copy to judge). Placement and account checks (ad
  account, Page, ad group) are not the copy's and never come from here.

Only ``POST /api/v1/compliance/check`` uses this: the real send path renders and checks the
real message (each adapter's ``preflight``), which already holds what ``prepare`` imitates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from como.registry import Registry

from .drafts import Draft
from .engine import run_checks
from .findings import Finding, Report

#: A lint field: text, or a list of texts (ad headlines, descriptions).
LintFields = Mapping[str, str | Sequence[str]]


def _unchanged(draft: Draft) -> Draft:
    return draft


def _no_limits(fields: LintFields, kind: str) -> list[Finding]:
    return []


@dataclass(frozen=True)
class ChannelLint:
    channel: str
    prepare: Callable[[Draft], Draft] = _unchanged
    limits: Callable[[LintFields, str], Sequence[Finding]] = _no_limits


#: By channel key (``Draft.channel``); filled by the channels app.
CHANNEL_LINTS: Registry[ChannelLint] = Registry("channel lint")


def register_channel_lint(lint: ChannelLint) -> ChannelLint:
    return CHANNEL_LINTS.register(lint.channel, lint)


def joined(fields: LintFields) -> dict[str, str]:
    """The fields as the checks read them: a list of texts one per line."""
    return {
        name: value if isinstance(value, str) else "\n".join(value)
        for name, value in fields.items()
    }


def lint_as_sent(draft: Draft, fields: LintFields | None = None) -> Report:
    """The platform's limits on ``fields`` (default: the draft's), then the engine's report on
    the draft with what its channel adds."""
    lint = CHANNEL_LINTS.find(draft.channel)
    if lint is None:
        return run_checks(draft)
    own = list(lint.limits(fields if fields is not None else draft.fields, draft.kind))
    report = run_checks(lint.prepare(draft))
    return Report.of([*own, *report.findings], report.checked)
