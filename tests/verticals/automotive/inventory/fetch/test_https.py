"""fetch_https against real sockets: the acceptance's SSRF corpus is refused without a single
connection to the target (a listener on the target's address counts them), and a real local
HTTPS server with a test CA serves the feed, the redirects, the oversized and the slow bodies."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from verticals.automotive.inventory.fetch import FetchFailed, FetchRefused, fetch_https

from .servers import FEED, FeedServer, RecordingListener

LIMIT = 32 * 1024


def fetch(url: str, **kwargs: Any) -> bytes:
    return fetch_https(url, max_bytes=kwargs.pop("max_bytes", LIMIT), timeout=5.0, **kwargs)


@pytest.mark.parametrize(
    "template",
    [
        "https://127.0.0.1:{port}/feed.csv",
        "https://localhost:{port}/feed.csv",
        "https://[::ffff:127.0.0.1]:{port}/feed.csv",
        "https://[::ffff:7f00:1]:{port}/feed.csv",
        "https://[64:ff9b::7f00:1]:{port}/feed.csv",
        "https://2130706433:{port}/feed.csv",
        "https://0x7f.1:{port}/feed.csv",
        "https://0177.0.0.1:{port}/feed.csv",
        "https://127.1:{port}/feed.csv",
        "https://127.0.0.1.:{port}/feed.csv",
        "https://user:pw@127.0.0.1:{port}/feed.csv",
    ],
)
def test_loopback_in_any_spelling_is_refused_without_connecting(
    template: str, fetch_settings: Any
) -> None:
    with RecordingListener() as target:
        with pytest.raises(FetchRefused):
            fetch(template.format(port=target.port))
        time.sleep(0.2)
        assert target.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/feed.csv",
        "https://10.255.255.254/feed.csv",
        "https://172.16.0.1/feed.csv",
        "https://172.31.0.9/feed.csv",
        "https://192.168.0.1/feed.csv",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[::1]/feed.csv",
        "https://0.0.0.0/feed.csv",
        "https://224.0.0.1/feed.csv",
        "https://[fe80::1]/feed.csv",
        "https://100.100.100.200/feed.csv",
    ],
)
def test_private_and_metadata_addresses_are_refused_before_any_connection(
    url: str, fetch_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No listener can sit on these addresses here: prove instead that no socket connects.
    connects: list[Any] = []
    original = socket.socket.connect

    def spy(self: socket.socket, address: Any) -> Any:
        connects.append(address)
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    with pytest.raises(FetchRefused, match="como may not connect"):
        fetch(url)
    assert connects == []


def test_plain_http_is_refused_unless_the_setting_allows_it(fetch_settings: Any) -> None:
    with RecordingListener() as target:
        with pytest.raises(FetchRefused, match="only https"):
            fetch(f"http://feeds.example.com:{target.port}/feed.csv")
        # Allowed, the address rule still holds: the decimal form of 127.0.0.1 is refused.
        fetch_settings.COMO_INVENTORY_ALLOW_HTTP = True
        with pytest.raises(FetchRefused):
            fetch(f"http://2130706433:{target.port}/")
        time.sleep(0.2)
        assert target.connections == 0


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "https:///x", "x", "https://xn--/feed.csv"]
)
def test_other_schemes_and_hostless_urls_are_refused(url: str, fetch_settings: Any) -> None:
    with pytest.raises(FetchRefused):
        fetch(url)


def test_an_allowed_local_server_serves_the_feed(allow_local: Any, feed_server: FeedServer) -> None:
    assert fetch(feed_server.url("/feed.csv")) == FEED


def test_the_name_is_resolved_once_and_sent_as_host_and_sni(
    allow_local: Any, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if socket.getaddrinfo("localhost", 443, type=socket.SOCK_STREAM)[0][4][0] != "127.0.0.1":
        pytest.skip("localhost does not resolve to 127.0.0.1 first here")
    asked: list[Any] = []
    original = socket.getaddrinfo

    def spy(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    # The certificate is checked against "localhost" (SNI) although the socket goes to the IP.
    body = fetch(feed_server.url("/host", host="localhost"))
    assert body == f"localhost:{feed_server.port}".encode()
    assert asked.count("localhost") == 1


def test_a_certificate_from_an_unknown_ca_fails(
    allow_local: Any, feed_server: FeedServer, settings: Any
) -> None:
    settings.COMO_INVENTORY_CA_BUNDLE = ""  # certifi's CAs do not know the test CA
    with pytest.raises(FetchFailed, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(feed_server.url("/feed.csv"))


def test_a_redirect_to_a_private_address_is_refused_without_connecting(
    allow_local: Any, feed_server: FeedServer
) -> None:
    with RecordingListener("127.0.0.2") as private:
        for location in (
            f"https://127.0.0.2:{private.port}/feed.csv",
            f"https://0x7f.0.0.2:{private.port}/feed.csv",
            f"http://127.0.0.2:{private.port}/feed.csv",
        ):
            with pytest.raises(FetchRefused):
                fetch(feed_server.url(f"/to?u={location}"))
        time.sleep(0.2)
        assert private.connections == 0
    # The allowed server was asked three times; the private target never.
    assert len(feed_server.requests) == 3
    assert all(path.startswith("/to?u=") for path in feed_server.requests)


def test_a_relative_redirect_is_followed(allow_local: Any, feed_server: FeedServer) -> None:
    assert fetch(feed_server.url("/to?u=/feed.csv")) == FEED
    assert feed_server.requests == ["/to?u=/feed.csv", "/feed.csv"]


def test_a_redirect_loop_stops_after_five(allow_local: Any, feed_server: FeedServer) -> None:
    with pytest.raises(FetchRefused, match="More than 5 redirects"):
        fetch(feed_server.url("/loop"))
    assert len(feed_server.requests) == 6


def test_credentials_go_to_the_first_origin_only(
    fetch_settings: Any, ca: Any, feed_server: FeedServer
) -> None:
    fetch_settings.COMO_INVENTORY_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32", "127.0.0.2/32"]
    assert (
        fetch(feed_server.url("/auth"), auth=("dealer", "s3cret")) == b"Basic ZGVhbGVyOnMzY3JldA=="
    )
    with FeedServer(ca, host="127.0.0.2") as other:
        hop = fetch(feed_server.url(f"/to?u={other.url('/auth')}"), auth=("dealer", "s3cret"))
    assert hop == b"none"
    with FeedServer(ca, host="127.0.0.2") as other:
        bearer = fetch(feed_server.url(f"/to?u={other.url('/auth')}"), authorization="Bearer t0k")
    assert bearer == b"none"
    assert fetch(feed_server.url("/auth"), authorization="Bearer t0k") == b"Bearer t0k"
    with pytest.raises(FetchRefused, match="characters a header cannot"):
        fetch(feed_server.url("/auth"), authorization="Bearer x\r\nX-Evil: 1")


def test_an_oversized_chunked_body_is_cut_at_the_limit(
    allow_local: Any, feed_server: FeedServer
) -> None:
    with pytest.raises(FetchRefused, match="larger than the limit"):
        fetch(feed_server.url("/big"))


def test_a_declared_length_over_the_limit_is_refused_unread(
    allow_local: Any, feed_server: FeedServer
) -> None:
    with pytest.raises(FetchRefused, match="the limit is"):
        fetch(feed_server.url("/declared"))


def test_a_slow_body_is_cut_at_the_deadline(allow_local: Any, feed_server: FeedServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="longer than 1 s"):
        fetch_https(feed_server.url("/slow"), max_bytes=LIMIT, timeout=1.0)
    assert time.monotonic() - started < 2.0


def test_an_error_status_is_a_failure(allow_local: Any, feed_server: FeedServer) -> None:
    with pytest.raises(FetchFailed, match="answered 404"):
        fetch(feed_server.url("/gone"))


def test_an_unreadable_ca_bundle_is_a_failure(allow_local: Any, settings: Any) -> None:
    settings.COMO_INVENTORY_CA_BUNDLE = "/nonexistent/ca.pem"
    with pytest.raises(FetchFailed, match="CA bundle"):
        fetch("https://127.0.0.1:1/feed.csv")


def test_messages_never_show_credentials_or_the_query(
    allow_local: Any, feed_server: FeedServer
) -> None:
    secret_url = feed_server.url("/gone?token=hunter2").replace("://", "://dealer:pw0rd@")
    with pytest.raises(FetchFailed) as failed:
        fetch(secret_url)
    with pytest.raises(FetchRefused) as refused:
        fetch("https://dealer:pw0rd@10.0.0.1/feed.csv?token=hunter2")
    with pytest.raises(FetchRefused) as scheme:
        fetch("ftp://dealer:pw0rd@feeds.example.com/feed.csv?token=hunter2")
    for error in (failed.value, refused.value, scheme.value):
        assert "pw0rd" not in str(error)
        assert "hunter2" not in str(error)
    assert "answered 404" in str(failed.value)
