from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from .servers import FeedServer


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def fetch_settings(settings: Any, ca: trustme.CA, tmp_path: Path) -> Any:
    """The test CA trusted, no network allowed beyond the public ones (the default)."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    settings.COMO_INVENTORY_CA_BUNDLE = str(bundle)
    settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = []
    settings.COMO_INVENTORY_ALLOW_HTTP = False
    return settings


@pytest.fixture
def allow_local(fetch_settings: Any) -> Any:
    """127.0.0.1 allowed, as a private deployment allows its LAN; 127.0.0.2 still refused."""
    fetch_settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32"]
    return fetch_settings


@pytest.fixture
def feed_server(ca: trustme.CA) -> Iterator[FeedServer]:
    with FeedServer(ca, big=64 * 1024) as server:
        yield server
