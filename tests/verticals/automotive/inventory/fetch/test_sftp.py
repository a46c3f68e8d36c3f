"""fetch_sftp against a real asyncssh SFTP server on 127.0.0.1: password and key logins, the
pinned host key, the size cap, the deadline, and the same address rules as HTTPS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verticals.automotive.inventory.fetch import FetchFailed, FetchRefused, fetch_sftp

from .servers import FEED, RecordingListener
from .sftp_server import PASSWORD, USER, SFTPServer


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[SFTPServer]:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "inventory.csv").write_bytes(FEED)
    (tmp_path / "big.csv").write_bytes(b"x" * 5000)
    with SFTPServer(tmp_path) as server:
        yield server


def get(server: SFTPServer, **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "password": PASSWORD,
        "private_key": None,
        "known_host_key": server.known_host_key,
        "path": "/exports/inventory.csv",
        "max_bytes": 4096,
        "timeout": 10.0,
    }
    return fetch_sftp(**{**arguments, **overrides})


def test_a_password_login_fetches_the_file(allow_local: Any, sftp: SFTPServer) -> None:
    assert get(sftp) == FEED


def test_a_key_login_fetches_the_file(allow_local: Any, sftp: SFTPServer) -> None:
    assert get(sftp, password=None, private_key=sftp.private_key) == FEED


def test_a_wrong_password_is_refused(allow_local: Any, sftp: SFTPServer) -> None:
    with pytest.raises(FetchRefused, match="refused the user name or key"):
        get(sftp, password="wrong")


def test_a_server_with_another_host_key_is_refused(allow_local: Any, sftp: SFTPServer) -> None:
    import asyncssh

    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    with pytest.raises(FetchRefused, match="not the pinned one"):
        get(sftp, known_host_key=other)


def test_an_unpinned_server_is_refused_before_connecting(fetch_settings: Any) -> None:
    with RecordingListener() as target:
        with pytest.raises(FetchRefused, match="pin the server's host key"):
            fetch_sftp(
                host="127.0.0.1",
                port=target.port,
                username=USER,
                password=PASSWORD,
                private_key=None,
                known_host_key=None,
                path="/x.csv",
                max_bytes=10,
                timeout=5,
            )
        assert target.connections == 0


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "::ffff:127.0.0.1"]
)
def test_a_private_host_is_refused_without_connecting(
    host: str, fetch_settings: Any, sftp: SFTPServer
) -> None:
    with RecordingListener() as target:
        with pytest.raises(FetchRefused):
            get(sftp, host=host, port=target.port)
        time.sleep(0.2)
        assert target.connections == 0


def test_a_file_over_the_limit_is_refused(allow_local: Any, sftp: SFTPServer) -> None:
    with pytest.raises(FetchRefused, match="5,000 bytes; the limit is 4,096"):
        get(sftp, path="/big.csv")


def test_a_missing_file_is_a_failure(allow_local: Any, sftp: SFTPServer) -> None:
    with pytest.raises(FetchFailed, match="no such file"):
        get(sftp, path="/exports/nope.csv")


def test_a_server_that_never_speaks_is_cut_at_the_deadline(allow_local: Any) -> None:
    # Accepts and holds the connection without an SSH banner.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(silent.accept()[0]), daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchFailed, match="longer than 1 s"):
            fetch_sftp(
                host="127.0.0.1",
                port=silent.getsockname()[1],
                username=USER,
                password=PASSWORD,
                private_key=None,
                known_host_key=SFTPServer(Path(".")).known_host_key,
                path="/x.csv",
                max_bytes=10,
                timeout=1.0,
            )
    finally:
        silent.close()
        for connection in held:
            connection.close()
    assert time.monotonic() - started < 3.0


def test_an_unreadable_key_is_refused(allow_local: Any, sftp: SFTPServer) -> None:
    with pytest.raises(FetchRefused, match="could not be read"):
        get(sftp, known_host_key="ssh-ed25519 not-base64!")


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"username": "dea\x00ler"}, FetchRefused, "cannot be sent"),
        ({"username": "dea\u200eler"}, FetchRefused, "cannot be sent"),
        ({"path": "/"}, FetchRefused, "is a directory"),
        ({"path": "/exports"}, FetchRefused, "is a directory"),
        ({"path": "/exp\x00orts"}, FetchFailed, "failed"),
        ({"path": "../../../etc/passwd"}, FetchFailed, "no such file"),
        ({"private_key": "garbage", "password": None}, FetchRefused, "could not be read"),
    ],
)
def test_odd_values_refuse_or_fail_cleanly(
    overrides: dict[str, Any],
    error: type[Exception],
    message: str,
    allow_local: Any,
    sftp: SFTPServer,
) -> None:
    with pytest.raises(error, match=message):
        get(sftp, **overrides)
