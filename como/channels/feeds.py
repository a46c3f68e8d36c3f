"""Catalog feeds the ad platforms pull: product (or vehicle) rows as CSV or XML, behind signed,
expiring URLs.

``GET /feeds/<workspace slug>/<source>.<csv|xml>?expires=<unix>&signature=<hex>``

- The signature is HMAC-SHA256 (keyed from ``SECRET_KEY`` with this module's salt) over the
  path and the expiry; it is compared in constant time. A bad, missing or expired signature is
  a 403; a feed is public to whoever holds its URL until it expires, which is how Google
  Merchant Center and Meta's catalog scheduled fetches work (they cannot log in).
- Rows come from a **feed source** registered by key (:func:`register_feed_source`). como's
  campaigns app registers ``catalog`` (its ``CatalogItem`` table); a vertical registers its own
  (vehicles) the same way, from its ``AppConfig.ready()``.
- CSV cells, the header's included, are defused against formula injection
  (:mod:`como.csvsafe`); XML is RSS 2.0 with Google's ``g:`` namespace (Google Merchant Center
  product data specification), which Meta's catalogs read too, unless the source writes its
  own document (:class:`OwnXmlFeedSource`). Both are streamed, so a
  50,000-row feed never sits in memory.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from django.http import Http404, HttpRequest, HttpResponseForbidden, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from como import csvsafe
from como.registry import Registry
from como.workspaces.models import Workspace

from .public import public_url

SALT = "como.channels.feeds"
FORMATS = {"csv": "text/csv; charset=utf-8", "xml": "application/rss+xml; charset=utf-8"}
G_NAMESPACE = "http://base.google.com/ns/1.0"
#: A feed URL lives a year unless asked otherwise: platforms fetch on their own schedule.
DEFAULT_TTL = 365 * 24 * 3600


class FeedSource(Protocol):
    """Where a feed's rows come from. ``columns`` fixes the CSV header and column order (for
    a workspace: its items may carry extra attributes);
    ``rows`` yields one mapping per item with those keys (values may be nested mappings or
    lists for XML, e.g. a vehicle's address; CSV writes them as text)."""

    @property
    def title(self) -> str: ...

    def columns(self, workspace: Workspace) -> Sequence[str]: ...

    def rows(self, workspace: Workspace) -> Iterable[Mapping[str, Any]]: ...


class OwnXmlFeedSource(FeedSource, Protocol):
    """A source whose platform reads another XML document than RSS (Meta's vehicle catalog is
    ``<listings>``): it streams the whole document itself, escaped and well-formed."""

    def xml_chunks(self, workspace: Workspace, link: str) -> Iterator[str]: ...


FEED_SOURCES: Registry[FeedSource] = Registry("feed source")
_sources = FEED_SOURCES.entries  # the live entries, under the name tests patch


def register_feed_source(key: str, source: FeedSource) -> FeedSource:
    return FEED_SOURCES.register(key, source)


def feed_source(key: str) -> FeedSource | None:
    return FEED_SOURCES.find(key)


# --- signing ---------------------------------------------------------------------------------


def feed_signature(slug: str, source: str, fmt: str, expires: int) -> str:
    message = f"{slug}/{source}.{fmt}:{expires}"
    return salted_hmac(SALT, message, algorithm="sha256").hexdigest()


def signature_valid(
    slug: str, source: str, fmt: str, expires: str, signature: str, *, now: float | None = None
) -> bool:
    # ASCII digits only, and few of them: int() fails on "²" and on thousands of digits.
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12) or not signature:
        return False
    if int(expires) < (time.time() if now is None else now):
        return False
    expected = feed_signature(slug, source, fmt, int(expires))
    return hmac.compare_digest(expected, signature)


def feed_url(
    workspace: Workspace,
    source: str,
    fmt: str,
    ttl: int = DEFAULT_TTL,
    *,
    now: float | None = None,
) -> str:
    """The absolute, signed URL a platform is given; it works until ``now + ttl``."""
    if fmt not in FORMATS:
        raise ValueError(f"Feeds are {', '.join(FORMATS)}, not {fmt!r}.")
    FEED_SOURCES.get(source)  # NotRegistered (a LookupError) when there is none
    expires = int(time.time() if now is None else now) + int(ttl)
    where = reverse("catalog_feed", kwargs={"slug": workspace.slug, "source": source, "fmt": fmt})
    query = urlencode(
        {"expires": expires, "signature": feed_signature(workspace.slug, source, fmt, expires)}
    )
    # The platforms fetch it from outside: the public host, not the one staff use.
    return public_url(f"{where}?{query}")


# --- rendering -------------------------------------------------------------------------------


class _Line:
    """The csv writer's file: hands back each row instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ",".join(_cell(v) for v in value)
    return str(value)


def csv_lines(source: FeedSource, workspace: Workspace) -> Iterator[str]:
    writer = csvsafe.writer(_Line())
    columns = list(source.columns(workspace))
    yield writer.writerow(columns)  # a column is an attribute key: defused like any cell
    for row in source.rows(workspace):
        yield writer.writerow(_cell(row.get(column)) for column in columns)


#: What a feed field (a column, an XML element) may be called: an XML name without a colon, so
#: it can never start a formula either. Catalog attribute keys are held to it on input.
FEED_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z")
FEED_FIELD_NAME_MAX = 100


def _element(name: str, value: Any) -> str:
    tag = f"g:{name}"
    # An attribute key that is no XML name (a space, a colon) cannot be a feed field.
    if value is None or value == "" or not FEED_FIELD_NAME.match(name):
        return ""
    if isinstance(value, Mapping):
        inner = "".join(_element(k, v) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list | tuple):
        return "".join(_element(name, item) for item in value)
    return f"<{tag}>{escape(str(value))}</{tag}>"


def xml_chunks(source: FeedSource, workspace: Workspace, link: str) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<rss version="2.0" xmlns:g={quoteattr(G_NAMESPACE)}>\n<channel>\n'
    yield f"<title>{escape(f'{workspace.name}: {source.title}')}</title>\n"
    yield f"<link>{escape(link)}</link>\n"
    yield f"<description>{escape(source.title)}</description>\n"
    for row in source.rows(workspace):
        yield "<item>" + "".join(_element(k, v) for k, v in row.items()) + "</item>\n"
    yield "</channel>\n</rss>\n"


@require_GET
def feed_view(request: HttpRequest, slug: str, source: str, fmt: str) -> StreamingHttpResponse:
    if not signature_valid(
        slug,
        source,
        fmt,
        request.GET.get("expires", ""),
        request.GET.get("signature", ""),
    ):
        return HttpResponseForbidden(  # type: ignore[return-value]
            "This feed link is invalid or has expired; copy a fresh one from the admin.",
            content_type="text/plain; charset=utf-8",
        )
    found = feed_source(source)
    workspace = Workspace.objects.filter(slug=slug).first()
    if found is None or workspace is None or fmt not in FORMATS:
        raise Http404("No such feed.")
    if fmt == "csv":
        chunks = csv_lines(found, workspace)
    elif callable(own := getattr(found, "xml_chunks", None)):
        chunks = own(workspace, public_url("/"))  # an OwnXmlFeedSource
    else:
        chunks = xml_chunks(found, workspace, public_url("/"))
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="{slug}-{source}.{fmt}"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<slug:slug>/<slug:source>.<str:fmt>", feed_view, name="catalog_feed"),
]
