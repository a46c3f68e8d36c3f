"""Run the whole platform in one terminal: web (granian, como/server.py), a Celery worker, Celery
beat and the ingest drain (the events ``POST /api/v1/events/collect`` accepted, stored in
batches).

They are child processes of this command. Ctrl-C or SIGTERM is forwarded to all of
them; when any one of them dies, the others are stopped and the command exits non-zero, so a
broken worker is never hidden behind a web server that still answers.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from como import server
from como.demo.banner import banner
from como.demo.credentials import DemoCredentials, default_path
from como.demo.hooks import feed_root

#: How long the children get to stop after the signal before they are killed (longer than
#: granian's own kill timeout for its workers, server.KILL_TIMEOUT).
STOP_GRACE_SECONDS = 20
#: How long the web server gets to answer its first request.
START_TIMEOUT_SECONDS = 90
_PR_SET_PDEATHSIG = 1


def _child_setup() -> None:  # pragma: no cover - runs in the forked child
    # Own process group: a Ctrl-C in the terminal reaches only this command, which forwards
    # it once (a second, direct SIGINT would turn the worker's warm shutdown into a cold one).
    os.setpgid(0, 0)
    # And die with the parent should it be killed outright (Linux; harmless elsewhere).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


class Command(BaseCommand):
    help = (
        "Run web (granian), a Celery worker, the ingest drain and Celery beat as child "
        "processes; print the URLs, logins and keys. Stops all when one dies or on "
        "Ctrl-C/SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument("--web-workers", type=int, default=2, help="granian workers (2)")
        parser.add_argument(
            "--worker-concurrency", type=int, default=2, help="Celery worker processes (2)"
        )
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=None,
            help=f"the file seed_demo keeps logins and keys in (default: {default_path()})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._stop_signal: int | None = None
        host, port = options["host"], options["port"]
        call_command("collectstatic", interactive=False, verbosity=0)

        children = self.children(host=host, port=port, options=options)
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        died: Child | None = None
        try:
            # The demo's feed files (seed_demo wrote them there) are what its ``file``
            # inventory sources read: the worker's moving-inventory task re-imports them.
            env = {
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "COMO_INVENTORY_FILE_ROOT": str(feed_root()),
            }
            for child in children:
                child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                    child.argv, cwd=settings.BASE_DIR, env=env, preexec_fn=_child_setup
                )
                self.stdout.write(f"started {child.name} (pid {child.process.pid})")

            shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
            base_url = f"http://{shown_host}:{port}"
            died = self._wait_until_serving(children, f"{base_url}/admin/login/")
            if died is None and self._stop_signal is None:
                path: Path = options["credentials_file"] or default_path()
                self.stdout.write(self.style.SUCCESS(f"\ncomo is running at {base_url}/"))
                self.stdout.write(banner(DemoCredentials.load(path), base_url))
                self.stdout.write("\n  Ctrl-C stops web, worker, the ingest drain and beat.\n")
                died = self._watch(children)
        finally:
            code = self._stop_all(children, died)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if died is not None:
            status = died.process.returncode if died.process else None
            raise CommandError(
                f"{died.name} exited with status {status}; stopped the others", returncode=code
            )

    def children(self, *, host: str, port: int, options: dict[str, Any]) -> list[Child]:
        """The processes to run: web, worker, the ingest drain, beat."""
        python = sys.executable
        return [
            Child(
                "web",
                server.command(host=host, port=port, workers=options["web_workers"]),
            ),
            Child(
                "worker",
                [
                    python,
                    "-m",
                    "celery",
                    "--app",
                    "como.celery:app",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    str(options["worker_concurrency"]),
                    "--hostname",
                    f"demo-{port}@%h",
                ],
            ),
            Child("ingest", [python, "manage.py", "ingest_drain"]),
            Child(
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "--app",
                    "como.celery:app",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--scheduler",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                ],
            ),
        ]

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop_signal = signum

    def _first_dead(self, children: list[Child]) -> Child | None:
        for child in children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _wait_until_serving(self, children: list[Child], url: str) -> Child | None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while self._stop_signal is None:
            died = self._first_dead(children)
            if died is not None:
                return died
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our URL
                    if response.status == 200:
                        return None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stderr.write(f"web did not answer {url} within {START_TIMEOUT_SECONDS}s")
                return children[0]
            time.sleep(0.3)
        return None

    def _watch(self, children: list[Child]) -> Child | None:
        while self._stop_signal is None:
            died = self._first_dead(children)
            if died is not None:
                return died
            time.sleep(0.5)
        return None

    def _stop_all(self, children: list[Child], died: Child | None) -> int:
        """Signal every child still running, wait, kill stragglers; return the exit status."""
        sig = self._stop_signal or signal.SIGTERM
        if died is not None:
            self.stderr.write(f"{died.name} died; stopping the others")
        else:
            self.stdout.write(
                f"\nstopping web, worker, the ingest drain and beat ({signal.Signals(sig).name})"
            )
        alive = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in alive:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(sig)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in alive:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{child.name} did not stop in {STOP_GRACE_SECONDS}s; killing")
                child.process.kill()
                child.process.wait()
        if died is None:
            return 0
        code = died.process.returncode if died.process else 1
        # A child that "exited cleanly" on its own is still a failure of the whole.
        return code if code and code > 0 else 1
