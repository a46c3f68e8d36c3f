"""Fetching an inventory source's file: HTTPS (SSRF-safe), SFTP, or a file under a set root.

The contract the importer codes against (docs in each module): :func:`fetch_source`,
:func:`fetch_https`, :func:`fetch_sftp`, and their two failures, :class:`FetchRefused`
(permanent: policy) and :class:`FetchFailed` (transient: network or server), both
:class:`FetchError`.
"""

from .base import FetchError, FetchFailed, FetchRefused
from .https import fetch_https
from .sftp import fetch_sftp
from .sources import fetch_source

__all__ = ["FetchError", "FetchFailed", "FetchRefused", "fetch_https", "fetch_sftp", "fetch_source"]
