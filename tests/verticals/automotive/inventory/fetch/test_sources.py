"""fetch_source dispatches by the source's kind and reads its fields and credentials; a file
source stays inside COMO_INVENTORY_FILE_ROOT. The source is a stand-in with the model's field
names (InventorySource's own tests cover the model)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from verticals.automotive.inventory.fetch import FetchRefused, fetch_source

from .servers import FEED, FeedServer
from .sftp_server import PASSWORD, USER, SFTPServer


def source(**fields: Any) -> Any:
    defaults = {
        "pk": 7,
        "kind": "https",
        "url": "",
        "host": "",
        "port": None,
        "username": "",
        "credentials": {},
        "path": "",
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_an_https_source_is_fetched_with_its_name(
    allow_local: Any, feed_server: FeedServer
) -> None:
    assert fetch_source(source(url=feed_server.url("/feed.csv"))) == ("feed.csv", FEED)


def test_an_https_source_sends_its_credentials(allow_local: Any, feed_server: FeedServer) -> None:
    found = source(
        url=feed_server.url("/auth"), username="dealer", credentials={"password": "s3cret"}
    )
    assert fetch_source(found) == ("auth", b"Basic ZGVhbGVyOnMzY3JldA==")


def test_an_https_source_sends_its_authorization_header(
    allow_local: Any, feed_server: FeedServer
) -> None:
    found = source(url=feed_server.url("/auth"), credentials={"authorization": "Bearer t0k"})
    assert fetch_source(found) == ("auth", b"Bearer t0k")


def test_an_https_source_on_a_private_address_is_refused(fetch_settings: Any) -> None:
    with pytest.raises(FetchRefused, match="como may not connect"):
        fetch_source(source(url="https://169.254.169.254/latest/meta-data/"))


def test_an_sftp_source_is_fetched(allow_local: Any, tmp_path: Path) -> None:
    (tmp_path / "inv.csv").write_bytes(FEED)
    with SFTPServer(tmp_path) as server:
        found = source(
            kind="sftp",
            host="127.0.0.1",
            port=server.port,
            username=USER,
            path="/inv.csv",
            credentials={"password": PASSWORD, "known_host_key": server.known_host_key},
        )
        assert fetch_source(found) == ("inv.csv", FEED)


def test_an_sftp_source_without_a_host_is_refused(fetch_settings: Any) -> None:
    with pytest.raises(FetchRefused, match="needs a host, a user name and a path"):
        fetch_source(source(kind="sftp", path="/x.csv"))


def test_an_upload_source_is_not_fetched() -> None:
    with pytest.raises(FetchRefused, match="uploaded"):
        fetch_source(source(kind="upload"))


def test_a_file_source_reads_under_the_root_only(settings: Any, tmp_path: Path) -> None:
    root = tmp_path / "feeds"
    root.mkdir()
    (root / "lakeside.csv").write_bytes(FEED)
    (tmp_path / "secret.txt").write_text("not a feed")
    (root / "link.csv").symlink_to(tmp_path / "secret.txt")
    settings.COMO_INVENTORY_FILE_ROOT = ""
    with pytest.raises(FetchRefused, match="COMO_INVENTORY_FILE_ROOT is not set"):
        fetch_source(source(kind="file", path="lakeside.csv"))
    settings.COMO_INVENTORY_FILE_ROOT = str(root)
    assert fetch_source(source(kind="file", path="lakeside.csv")) == ("lakeside.csv", FEED)
    for escape in ("../secret.txt", str(tmp_path / "secret.txt"), "link.csv", "", "/etc/passwd"):
        with pytest.raises(FetchRefused, match="not a file under"):
            fetch_source(source(kind="file", path=escape))


def test_a_file_source_over_the_limit_is_refused(settings: Any, tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_bytes(b"x" * 100)
    settings.COMO_INVENTORY_FILE_ROOT = str(tmp_path)
    settings.COMO_INVENTORY_MAX_BYTES = 99
    with pytest.raises(FetchRefused, match="larger than the limit of 99 bytes"):
        fetch_source(source(kind="file", path="big.csv"))
