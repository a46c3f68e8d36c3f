"""The findings marked in the creative's text, so the approver sees what a check objected to.

A finding carries no offsets: its ``evidence`` holds what the check saw, and where that is text
from the creative (the phrase a co-op program prohibits, the sale claim, the conditional price's
clause, the abbreviated "OAC", a lease's trigger terms) it is the span to mark. Every string of
the evidence (lists included) is looked for in the text, case-insensitively and on word
boundaries; what is not there marks nothing. ``missing`` holds what is absent by definition and
is never looked for. Text is escaped first; only the ``<mark>`` tags are markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

#: Evidence keys that name what the creative lacks, not what it says.
ABSENT = frozenset({"missing"})
#: Shorter strings would mark every other word ("a", "no").
MIN_LENGTH = 3
_TAG = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Phrase:
    text: str
    severity: str
    rule: str
    message: str


def phrases(findings: Sequence[Mapping[str, Any]]) -> list[Phrase]:
    """The strings of the findings' evidence worth looking for, longest first (a longer
    phrase wins over one inside it)."""
    found: dict[str, Phrase] = {}
    for finding in findings:
        evidence = finding.get("evidence")
        if not isinstance(evidence, Mapping):
            continue
        for key, value in evidence.items():
            if key in ABSENT:
                continue
            for text in _strings(value):
                text = text.strip()
                if len(text) >= MIN_LENGTH and text.casefold() not in found:
                    found[text.casefold()] = Phrase(
                        text=text,
                        severity=str(finding.get("severity") or ""),
                        rule=str(finding.get("rule") or ""),
                        message=str(finding.get("message") or ""),
                    )
    return sorted(found.values(), key=lambda p: -len(p.text))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str):
                yield item


def _pattern(found: Sequence[Phrase]) -> re.Pattern[str] | None:
    if not found:
        return None
    alternatives = []
    for phrase in found:
        escaped = re.escape(phrase.text)
        # On word boundaries where the phrase starts or ends with a word character: "apr"
        # must not mark "April".
        start = r"\b" if re.match(r"\w", phrase.text) else ""
        end = r"\b" if re.search(r"\w$", phrase.text) else ""
        alternatives.append(f"{start}{escaped}{end}")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _marked(text: str, found: Sequence[Phrase], pattern: re.Pattern[str]) -> str:
    """``text`` escaped, with every match wrapped in a ``<mark>`` naming its finding."""
    by_text = {p.text.casefold(): p for p in found}
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        phrase = by_text.get(match.group(0).casefold())
        if phrase is None:
            continue
        out.append(html.escape(text[last : match.start()]))
        out.append(
            f'<mark class="finding finding-{html.escape(phrase.severity)}" '
            f'title="{html.escape(phrase.rule)}: {html.escape(phrase.message)}">'
            f"{html.escape(match.group(0))}</mark>"
        )
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def mark_text(text: str, findings: Sequence[Mapping[str, Any]]) -> SafeString:
    """Plain text, escaped, with the findings' phrases marked."""
    found = phrases(findings)
    pattern = _pattern(found)
    if pattern is None:
        return mark_safe(html.escape(text))  # noqa: S308 (escaped just now)
    return mark_safe(_marked(text, found, pattern))  # noqa: S308 (escaped in _marked)


def mark_html(markup: str, findings: Sequence[Mapping[str, Any]]) -> str:
    """An HTML document with the phrases marked in its text, never inside a tag."""
    found = phrases(findings)
    pattern = _pattern(found)
    if pattern is None:
        return markup
    parts = _TAG.split(markup)
    for index in range(0, len(parts), 2):  # the text between tags
        text = html.unescape(parts[index])
        if pattern.search(text):  # untouched otherwise (a style sheet's "a > b" stays)
            parts[index] = _marked(text, found, pattern)
    return "".join(parts)


#: The styles of the marks, inside the email's own document (the page's do not reach it).
MARK_STYLE = (
    "<style>mark.finding{padding:0 2px;border-radius:2px}"
    "mark.finding-block{background:#fecaca;outline:1px solid #dc2626}"
    "mark.finding-warn{background:#fef08a;outline:1px solid #ca8a04}</style>"
)
