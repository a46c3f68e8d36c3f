"""Turning rendered email creative into what is sent: tracked links, the footer, the pixel.

Pure text in, text out; the URLs come from :mod:`.tracking`. Links are
rewritten before the footer is added, so the unsubscribe link and the pixel stay direct.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

#: A web link in plain text. Trailing punctuation is taken to end the sentence, not the URL.
_TEXT_URL = re.compile(r"""https?://[^\s<>"'\]\[)(]+""", re.IGNORECASE)
_TRAILING = ".,;:!?"
#: An ``href`` attribute with a quoted value.
_HREF = re.compile(r"""(\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_WEB = re.compile(r"^https?://", re.IGNORECASE)

Rewrite = Callable[[str], str]


def _split_trailing(url: str) -> tuple[str, str]:
    stripped = url.rstrip(_TRAILING)
    return stripped, url[len(stripped) :]


def rewrite_text_links(text: str, rewrite: Rewrite) -> str:
    def replace(match: re.Match[str]) -> str:
        url, tail = _split_trailing(match.group(0))
        return rewrite(url) + tail

    return _TEXT_URL.sub(replace, text)


def rewrite_html_links(markup: str, rewrite: Rewrite) -> str:
    """Every ``href`` to an http(s) URL; ``mailto:``, anchors and relative links stay."""

    def replace(match: re.Match[str]) -> str:
        prefix, quote, value = match.groups()
        url = html.unescape(value).strip()
        if not _WEB.match(url):
            return match.group(0)
        return f"{prefix}{quote}{html.escape(rewrite(url), quote=True)}{quote}"

    return _HREF.sub(replace, markup)


def text_to_html(text: str) -> str:
    """A plain-text body as a minimal HTML document: escaped, links clickable, lines kept."""

    def paragraph(block: str) -> str:
        parts: list[str] = []
        last = 0
        for match in _TEXT_URL.finditer(block):
            url, _tail = _split_trailing(match.group(0))
            parts.append(html.escape(block[last : match.start()]))
            escaped = html.escape(url, quote=True)
            parts.append(f'<a href="{escaped}">{escaped}</a>')
            last = match.start() + len(url)
        parts.append(html.escape(block[last:]))
        return "<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>"

    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    body = "\n".join(paragraph(b) for b in blocks)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f"{body}\n</body></html>\n"
    )


def text_footer(*, sender_name: str, postal_address: str, unsubscribe_url: str) -> str:
    lines = ["", "", "-- ", sender_name, *postal_address.strip().splitlines()]
    lines.append(f"Unsubscribe: {unsubscribe_url}")
    return "\n".join(lines) + "\n"


def html_footer(
    *, sender_name: str, postal_address: str, unsubscribe_url: str, pixel_url: str
) -> str:
    address = "<br>".join(html.escape(line) for line in postal_address.strip().splitlines())
    unsubscribe = html.escape(unsubscribe_url, quote=True)
    pixel = html.escape(pixel_url, quote=True)
    return (
        '\n<hr><p style="font-size:12px;color:#666">'
        f"{html.escape(sender_name)}<br>{address}<br>"
        f'<a href="{unsubscribe}">Unsubscribe</a></p>\n'
        f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0">\n'
    )


def append_to_body(markup: str, addition: str) -> str:
    """Insert before the last ``</body>``, or append when the markup has none."""
    ends = list(_BODY_END.finditer(markup))
    if not ends:
        return markup + addition
    at = ends[-1].start()
    return markup[:at] + addition + markup[at:]
