"""What the ad-platform and direct-mail adapters share: platform-limit checks that report field
paths, the preflight that turns those and the compliance engine into one report, the send
through the workspace's transport, and CSV cells that a spreadsheet will not execute.

Every adapter builds its request itself, exactly as its platform documents it; this module only
holds the plumbing that would otherwise be copied four times.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from como.compliance.drafts import Draft, Recipient, Sender
from como.compliance.engine import run_checks
from como.compliance.findings import Finding, Report, Severity

from ..base import ActionLike, MetricRow
from ..errors import PayloadInvalid
from ..models import ChannelAccount
from ..transports import (
    OutboundRequest,
    Simulator,
    TransportResponse,
    channel_account,
    transport_for,
)

# --- platform limits -------------------------------------------------------------------------

#: What ``str.isspace`` calls whitespace (``\s`` on ``str`` is that set), found in C.
_WHITESPACE = re.compile(r"\s")


def display_width(text: str) -> int:
    """Characters as the ad platforms count them: full-width and wide characters (Chinese,
    Japanese, Korean) count twice (Google Ads, "Character limits for ads")."""
    if text.isascii():  # no ASCII character is wide; most ad text is ASCII (a C-level check)
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


class Limits:
    """Collects what is wrong with a payload as ``{field path: message}``.

    Paths name the exact item (``headlines[3]``) so the editor is pointed at the line to fix."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def text(
        self,
        path: str,
        value: Any,
        *,
        max_width: int,
        required: bool = True,
        wide: bool = True,
    ) -> str:
        """A text field: present when required, a string, at most ``max_width`` long."""
        if value is None or value == "":
            if required:
                self.add(path, "Required.")
            return ""
        if not isinstance(value, str):
            self.add(path, "Must be text.")
            return ""
        if not value.strip():
            self.add(path, "Must not be blank.")
            return value
        width = display_width(value) if wide else len(value)
        if width > max_width:
            self.add(path, f"At most {max_width} characters ({width} given).")
        return value

    def characters(
        self, payload: Mapping[str, Any], key: str, *, max_width: int, required: bool = True
    ) -> str:
        """The payload's text field ``key`` counted in characters, as Meta and LinkedIn count
        (Google counts display width: :meth:`text`)."""
        value = payload.get(key)
        return self.text(key, value, max_width=max_width, required=required, wide=False)

    def texts(
        self, path: str, value: Any, *, least: int, most: int, max_width: int, wide: bool = True
    ) -> list[str]:
        """A list of text fields, between ``least`` and ``most`` of them."""
        if not isinstance(value, list):
            self.add(path, f"Give a list of {least} to {most} texts.")
            return []
        if not least <= len(value) <= most:
            self.add(path, f"Give {least} to {most} items ({len(value)} given).")
        return [
            self.text(f"{path}[{index}]", item, max_width=max_width, wide=wide)
            for index, item in enumerate(value)
        ]

    def https_url(self, path: str, value: Any, *, required: bool = True) -> str:
        if value is None or value == "":
            if required:
                self.add(path, "Required.")
            return ""
        if not isinstance(value, str) or not value.startswith("https://") or len(value) <= 8:
            self.add(path, "Must be an https:// URL.")
            return ""
        if _WHITESPACE.search(value):
            self.add(path, "Must not contain spaces.")
        return value

    def choice(self, path: str, value: Any, choices: Iterable[str], default: str) -> str:
        if value is None or value == "":
            return default
        options = tuple(choices)
        if value not in options:
            self.add(path, f"One of {', '.join(options)}.")
            return default
        return str(value)

    def identifier(self, path: str, value: Any) -> str:
        """A platform object id: digits, given as a number or a string."""
        text = str(value).strip() if isinstance(value, int | str) else ""
        if not text:
            self.add(path, "Required.")
        elif not text.isdigit():
            self.add(path, "Must be a numeric id.")
        return text

    def raise_if_any(self) -> None:
        if self.errors:
            raise PayloadInvalid(self.errors)


def ad_account_id(
    account: ChannelAccount | None, limits: Limits, *, prefix: str, missing: str
) -> str:
    """The channel account's ad account id, digits without the platform's ``prefix``; else
    ``missing`` is reported on ``ad_account``."""
    value = (account.account_id if account is not None else "").strip().removeprefix(prefix)
    if not value.isdigit():
        limits.add("ad_account", missing)
    return value


def payload_of(action: ActionLike) -> Mapping[str, Any]:
    payload = action.payload
    if not isinstance(payload, Mapping):
        raise PayloadInvalid({"payload": "Must be an object."})
    return payload


# --- preflight -------------------------------------------------------------------------------


def payload_findings(channel: str, invalid: PayloadInvalid, citation: str) -> list[Finding]:
    """One blocking finding per field the platform would reject."""
    return [
        Finding(
            rule=f"{channel}.payload",
            severity=Severity.BLOCK,
            message=f"{path}: {message}",
            citation=citation,
            fix="Change the field to fit the platform's limits.",
            evidence={"field": path},
        )
        for path, message in invalid.errors.items()
    ]


def preflight_report(
    *,
    channel: str,
    action: ActionLike,
    at: datetime,
    fields: Mapping[str, str],
    invalid: PayloadInvalid | None,
    citation: str,
    extra: Sequence[Finding] = (),
    audience: Sequence[Recipient] = (),
    recipient: Recipient | None = None,
) -> Report:
    """The platform's limits first, then whatever the engine's checks say about the draft."""
    workspace = action.workspace
    draft = Draft(
        channel=channel,
        sender=Sender.of(workspace),
        at=at,
        kind=action.kind,
        fields=dict(fields),
        recipient=recipient,
        audience=tuple(audience),
        vertical=workspace.vertical,
    )
    report = run_checks(draft)
    own = payload_findings(channel, invalid, citation) if invalid is not None else []
    return Report.of([*own, *extra, *report.findings], report.checked)


# --- limits for callers outside the channel ---------------------------------------------------


@dataclass(frozen=True)
class PlatformLimits:
    """An ad platform's limits on a create payload, for code that judges creative before it is
    an action (a vertical's per-vehicle creative): the adapter's own request builder (raises
    PayloadInvalid), the fields the compliance engine reads, the citation, and advice the
    platform gives without refusing (text it would truncate)."""

    channel: str
    build: Callable[[Mapping[str, Any], ChannelAccount | None], Any]
    draft_fields: Callable[[Mapping[str, Any]], dict[str, str]]
    citation: str
    advice: Callable[[Mapping[str, Any]], list[Finding]] = lambda payload: []
    #: The limits on the copy alone (raises PayloadInvalid): no account, ad set, ad group or
    #: Page is needed, so linting copy never reports a placement it was not given.
    copy: Callable[[Mapping[str, Any]], None] | None = None
    #: The request builder's checks alone (raises exactly what ``build`` raises, assembles
    #: nothing): judging a launch's hundreds of creatives needs the verdict, not the request.
    check: Callable[[Mapping[str, Any], ChannelAccount | None], None] | None = None

    def findings(self, payload: Mapping[str, Any], account: ChannelAccount | None) -> list[Finding]:
        """Blocking findings for what the platform would refuse, then its advice."""
        check = self.check or self.build
        return self._judged(lambda: check(payload, account), payload)

    def copy_findings(self, payload: Mapping[str, Any]) -> list[Finding]:
        """The same for the copy alone (the lint API): blocking findings for text, counts and
        URLs the platform would refuse, then its advice; never an account or placement."""
        check = self.copy
        if check is None:
            return list(self.advice(payload))
        return self._judged(lambda: check(payload), payload)

    def _judged(self, build: Callable[[], Any], payload: Mapping[str, Any]) -> list[Finding]:
        try:
            build()
        except PayloadInvalid as invalid:
            own = payload_findings(self.channel, invalid, self.citation)
        else:
            own = []
        return [*own, *self.advice(payload)]


# --- the adapter shapes ----------------------------------------------------------------------


class CitingAdapter:
    """An adapter whose preflight reports its platform's limits under one citation."""

    key: str
    citation: str

    def report(
        self,
        action: ActionLike,
        *,
        at: datetime,
        fields: Mapping[str, str],
        invalid: PayloadInvalid | None,
        extra: Sequence[Finding] = (),
        audience: Sequence[Recipient] = (),
    ) -> Report:
        """:func:`preflight_report` for this adapter's channel and citation."""
        return preflight_report(
            channel=self.key,
            action=action,
            at=at,
            fields=fields,
            invalid=invalid,
            citation=self.citation,
            extra=extra,
            audience=audience,
        )


#: Turns an action's payload into what the adapter sends; raises PayloadInvalid.
Builder = Callable[[Mapping[str, Any], ChannelAccount | None], dict[str, Any]]


class BuiltAdAdapter(CitingAdapter):
    """Preflight, dispatch and metrics for an ad platform whose kinds each build one request
    from the payload (``builders``); a subclass adds how it sends (``execute``) and which
    fields of an ad the compliance engine reads (``ad_fields``: only the kind ``drafted``,
    which creates the ad, has text; pausing has none)."""

    builders: Mapping[str, Builder]
    drafted: str

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.builders)

    def build(self, action: ActionLike, account: ChannelAccount | None) -> dict[str, Any]:
        builder = self.builders.get(action.kind)
        if builder is None:
            raise PayloadInvalid({"kind": f"{self.key} does not handle {action.kind!r}."})
        return builder(payload_of(action), account)

    def draft_fields(self, kind: str, payload: Mapping[str, Any]) -> dict[str, str]:
        return self.ad_fields(payload) if kind == self.drafted else {}

    def ad_fields(self, payload: Mapping[str, Any]) -> dict[str, str]:
        return {}

    def preflight(self, action: ActionLike, *, at: datetime) -> Report:
        invalid: PayloadInvalid | None = None
        try:
            self.build(action, account_for(action, self.key))
        except PayloadInvalid as error:
            invalid = error
        payload = action.payload if isinstance(action.payload, Mapping) else {}
        fields = self.draft_fields(action.kind, payload)
        return self.report(action, at=at, fields=fields, invalid=invalid)

    def sync_metrics(self, *, workspace_id: int, day: date) -> list[MetricRow]:
        # Ad numbers come from imported platform reports (como.campaigns.services.metrics_import).
        return []


# --- sending ---------------------------------------------------------------------------------


def json_body(data: Any) -> str:
    """Compact, key order as built: the exact bytes the sandbox records and HTTP sends."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def account_for(action: ActionLike, channel: str) -> ChannelAccount | None:
    return channel_account(action.workspace_id, channel)


def credential(account: ChannelAccount | None, name: str) -> str:
    if account is None:
        return ""
    value = (account.credentials or {}).get(name, "")
    return str(value) if value is not None else ""


def setting(account: ChannelAccount | None, name: str, default: str) -> str:
    if account is None:
        return default
    value = (account.settings or {}).get(name)
    return str(value) if value else default


def base_url(account: ChannelAccount | None, default: str) -> str:
    return ((account.base_url if account is not None else "") or default).rstrip("/")


def send(
    account: ChannelAccount | None, request: OutboundRequest, simulate: Simulator
) -> TransportResponse:
    """Through the sandbox or HTTP: a 2xx answer from either, or the error both raise."""
    return transport_for(account, simulate).send(request)


def answer_of(response: TransportResponse) -> dict[str, Any]:
    """The platform's JSON answer as a dict; {} for an empty or non-JSON body (a 204, a
    vendor answering in plain text): the send succeeded either way."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def simulated_id(key: str, digits: int = 12) -> str:
    """A stable numeric id for what the sandbox "created" under an idempotency key."""
    number = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return str(number % 10**digits).rjust(digits, "1")


# --- CSV -------------------------------------------------------------------------------------


#: OWASP "CSV Injection": a cell starting with one of these is a formula to a spreadsheet.
def joined_lines(value: Any) -> str:
    """A list of texts as the draft field the checks read: one per line."""
    if isinstance(value, list):
        return "\n".join(item for item in value if isinstance(item, str))
    return ""
