"""``fetch_source``: fetch an InventorySource's file by its kind.

The source's fields read here (``InventorySource`` in ``inventory/models.py``): ``kind``,
``url``, ``host``, ``port``, ``username``, ``path`` and ``credentials`` with the keys
``password``, ``authorization`` (a whole HTTP ``Authorization`` header, e.g. ``Bearer …``),
``private_key`` (OpenSSH or PEM text) and ``known_host_key`` (the SFTP server's public key
line). The limits are ``COMO_INVENTORY_MAX_BYTES`` and
``COMO_INVENTORY_FETCH_TIMEOUT``.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .base import FetchFailed, FetchRefused, max_bytes, timeout
from .https import fetch_https
from .sftp import fetch_sftp

if TYPE_CHECKING:
    from ..models import InventorySource

DEFAULT_SFTP_PORT = 22


def fetch_source(source: InventorySource) -> tuple[str, bytes]:
    """(file name, content) of the source's current file. FetchRefused when the source cannot
    be fetched as configured (an upload source, a forbidden address, …), FetchFailed when the
    network or server failed and a later try may succeed."""
    kind = str(source.kind)
    credentials = _credentials(source)
    if kind == "https":
        url = str(source.url or "")
        password = _text(credentials.get("password"))
        auth = (str(source.username), password) if source.username and password else None
        data = fetch_https(
            url,
            max_bytes=max_bytes(),
            timeout=timeout(),
            auth=auth,
            authorization=_text(credentials.get("authorization")),
        )
        return _name(unquote(urlsplit(url).path), source), data
    if kind == "sftp":
        if not (source.host and source.username and source.path):
            raise FetchRefused("An SFTP source needs a host, a user name and a path.")
        data = fetch_sftp(
            host=str(source.host),
            port=_port(source.port),
            username=str(source.username or ""),
            password=_text(credentials.get("password")),
            private_key=_text(credentials.get("private_key")),
            known_host_key=_text(credentials.get("known_host_key")),
            path=str(source.path),
            max_bytes=max_bytes(),
            timeout=timeout(),
        )
        return _name(str(source.path), source), data
    if kind == "file":
        return _read_file(source)
    raise FetchRefused(f"A source of kind {kind!r} is not fetched: its files are uploaded.")


def _port(value: Any) -> int:
    try:
        return int(value or DEFAULT_SFTP_PORT)
    except (TypeError, ValueError):
        raise FetchRefused(f"The port {value!r} is not a number.") from None


def _credentials(source: Any) -> Mapping[str, Any]:
    value = getattr(source, "credentials", None)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _name(path: str, source: Any) -> str:
    return posixpath.basename(path.rstrip("/")) or f"{source.kind}-source-{source.pk}"


def _read_file(source: Any) -> tuple[str, bytes]:
    """A ``file`` source reads under ``COMO_INVENTORY_FILE_ROOT`` only: a workspace's admin
    names the path, and without a root any file the worker can read would be imported (and
    quoted back in the import's errors)."""
    root_setting = getattr(settings, "COMO_INVENTORY_FILE_ROOT", "")
    if not root_setting:
        raise FetchRefused("File sources are off: COMO_INVENTORY_FILE_ROOT is not set.")
    root = Path(root_setting).resolve()
    path = (root / str(source.path or "")).resolve()  # resolves symlinks and ..
    if not path.is_relative_to(root) or path == root:
        raise FetchRefused(f"{source.path!r} is not a file under COMO_INVENTORY_FILE_ROOT.")
    limit = max_bytes()
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                raise FetchRefused(f"{path.name} is larger than the limit of {limit:,} bytes.")
            data = handle.read(limit + 1)
    except OSError as error:
        raise FetchFailed(f"{path.name} could not be read ({error.strerror}).") from None
    if len(data) > limit:
        raise FetchRefused(f"{path.name} is larger than the limit of {limit:,} bytes.")
    return path.name, data
