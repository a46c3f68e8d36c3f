"""The web server: granian serving como's WSGI application, with production's flags.

    python -m como.server [--host 0.0.0.0] [--port 8000] [--workers 2] [--threads 16]

The Dockerfile, compose's ``web``, ``run_demo``, the kill test and bench/http_events.py all
start the server through :func:`command`, so what is measured and tested is what is deployed.
granian parses HTTP in Rust: a bare WSGI request costs ≈ 0.035 ms of worker CPU against
gunicorn gthread's ≈ 0.28 ms (docs/architecture.md,
"Single events: `POST /api/v1/events/collect`").
"""

from __future__ import annotations

import argparse
import os
import sys

APPLICATION = "como.wsgi:application"
#: Blocking threads a worker calls the application from: the collect edge's group commit
#: gathers the concurrent requests of a process into one commit; 8 made batches smaller and
#: each event dearer (measured, docs/architecture.md). granian warns above 2 x cores + 1.
THREADS = 16
#: Seconds a stopping worker gets to finish its requests before it is killed (gunicorn's
#: --graceful-timeout was 10); without it granian waits for ever.
KILL_TIMEOUT = 10


def command(
    *,
    host: str,
    port: int,
    workers: int = 2,
    threads: int = THREADS,
    application: str = APPLICATION,
    access_log: bool = True,
) -> list[str]:
    """granian's argv, this interpreter's."""
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface=wsgi",
        f"--host={host}",
        f"--port={port}",
        f"--workers={workers}",
        f"--blocking-threads={threads}",
        "--backlog=2048",  # gunicorn's default; granian's is 1024
        "--no-ws",
        # A worker that dies (OOM, a segfault, SIGKILL) is started again, as gunicorn did;
        # without it granian stops every worker and exits. A worker dying again within 5.5 s
        # of its respawn is a crash loop: granian exits then.
        "--respawn-failed-workers",
        f"--workers-kill-timeout={KILL_TIMEOUT}",
    ]
    if access_log:
        # One line a request on stdout, as gunicorn's --access-logfile - wrote.
        argv.append("--access-log")
    return [*argv, application]


def main(args: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=THREADS, help="blocking threads a worker")
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    options = parser.parse_args(args)
    argv = command(
        host=options.host,
        port=options.port,
        workers=options.workers,
        threads=options.threads,
        access_log=options.access_log,
    )
    # exec: granian becomes this process, so a container's or supervisor's signals reach it.
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter and arguments


if __name__ == "__main__":
    main()
