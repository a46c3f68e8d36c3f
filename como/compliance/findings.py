"""What a compliance check says: findings, and the report the engine assembles from them.

A finding is plain data (it is stored on the action as JSON and returned by the API as is):
the rule that produced it, how serious it is, a message for the person fixing it, the evidence it
saw, the source it cites and a hint at the fix. Severity is one of

- ``block``: nothing may be sent; approval is impossible and execution fails;
- ``warn``: an approver must acknowledge it with a note;
- ``defer``: allowed, but not now (quiet hours); ``defer_until`` says when it may go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    DEFER = "defer"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    citation: str = ""
    fix: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    #: For ``defer``: the earliest instant (aware UTC) the message may be sent.
    defer_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "citation": self.citation,
            "fix_hint": self.fix,
            "evidence": dict(self.evidence),
        }
        if self.defer_until is not None:
            data["defer_until"] = self.defer_until.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    #: The keys of the checks that ran, so "no findings" is distinguishable from "nothing ran".
    checked: tuple[str, ...] = ()

    @classmethod
    def of(cls, findings: Iterable[Finding], checked: Iterable[str] = ()) -> Report:
        return cls(tuple(findings), tuple(checked))

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCK]

    @property
    def defer_until(self) -> datetime | None:
        """When every deferral has passed; None when nothing defers."""
        instants = [f.defer_until for f in self.findings if f.defer_until is not None]
        return max(instants) if instants else None

    def as_list(self) -> list[dict[str, Any]]:
        return [finding.as_dict() for finding in self.findings]
