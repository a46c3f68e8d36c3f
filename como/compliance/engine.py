"""The compliance engine: a draft in, a report out.

The same function serves the proposal (the report an approver reads), the gate right before
execution (consent may have been revoked in between) and ``POST /api/v1/compliance/check``.
It is pure: recipients and consent are resolved before it is called, so it runs at tens of
thousands of drafts per second (``bench/compliance.py``).
"""

from __future__ import annotations

import logging

from .drafts import Draft
from .findings import Finding, Report, Severity
from .registry import checks_for

logger = logging.getLogger(__name__)


def run_checks(draft: Draft) -> Report:
    findings: list[Finding] = []
    checked: list[str] = []
    for check in checks_for(draft):
        checked.append(check.key)
        try:
            findings.extend(check(draft))
        except Exception as error:  # a broken check must not wave a message through
            logger.exception("compliance check %s raised", check.key)
            findings.append(
                Finding(
                    rule=f"{check.key}.error",
                    severity=Severity.BLOCK,
                    message=f"The check {check.key!r} could not run: {error!r}.",
                    fix="Fix the check or the draft's data; nothing is sent until it runs.",
                )
            )
    return Report.of(findings, checked)
