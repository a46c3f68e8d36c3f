"""run_demo's supervision: a dying child stops the rest; a signal is forwarded to all.

The real children (granian, Celery worker and beat) are replaced by small Python processes so
the test is about supervision alone; `make demo` runs the real ones.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from como import server
from como.demo.management.commands import run_demo

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeRunDemo(run_demo.Command):
    def __init__(self, argvs: dict[str, list[str]]) -> None:
        super().__init__(stdout=StringIO(), stderr=StringIO())
        self.argvs = argvs
        self.started: list[run_demo.Child] = []

    def children(self, *, host: str, port: int, options: dict[str, Any]) -> list[run_demo.Child]:
        self.started = [run_demo.Child(name, argv) for name, argv in self.argvs.items()]
        return self.started


@pytest.fixture(autouse=True)
def _no_collectstatic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_demo, "call_command", lambda *args, **kwargs: None)


def test_a_dying_child_stops_the_others_and_fails() -> None:
    command = FakeRunDemo(
        {
            "web": SLEEPER,
            "worker": [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"],
            "beat": SLEEPER,
        }
    )
    with pytest.raises(CommandError, match="worker exited with status 3") as raised:
        call_command(command, port=_free_port())
    assert raised.value.returncode == 3
    for child in command.started:
        assert child.process is not None
        assert child.process.poll() is not None, f"{child.name} still running"


def test_a_child_exiting_cleanly_still_counts_as_a_failure() -> None:
    command = FakeRunDemo({"web": SLEEPER, "beat": [sys.executable, "-c", "pass"]})
    with pytest.raises(CommandError) as raised:
        call_command(command, port=_free_port())
    assert raised.value.returncode == 1


def test_sigterm_is_forwarded_to_every_child() -> None:
    command = FakeRunDemo({"web": SLEEPER, "worker": SLEEPER, "beat": SLEEPER})
    previous = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command(command, port=_free_port())  # returns normally: a requested stop
    finally:
        timer.cancel()
    for child in command.started:
        assert child.process is not None
        assert child.process.returncode == -signal.SIGTERM, child.name
    assert signal.getsignal(signal.SIGTERM) == previous


def test_web_is_the_production_server_on_the_given_address() -> None:
    command = run_demo.Command(stdout=StringIO(), stderr=StringIO())
    options = {"web_workers": 3, "worker_concurrency": 2}
    web = command.children(host="0.0.0.0", port=8123, options=options)[0]  # noqa: S104
    assert web.name == "web"
    assert web.argv == server.command(host="0.0.0.0", port=8123, workers=3)  # noqa: S104
    assert web.argv[:3] == [sys.executable, "-m", "granian"]
    assert web.argv[-1] == "como.wsgi:application"
    expected = {
        "--interface=wsgi",
        "--host=0.0.0.0",
        "--port=8123",
        "--workers=3",
        "--blocking-threads=16",
        "--respawn-failed-workers",
        "--workers-kill-timeout=10",
        "--access-log",
    }
    assert expected <= set(web.argv)
