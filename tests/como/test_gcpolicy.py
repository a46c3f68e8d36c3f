"""The web process settles its garbage collector once the application is loaded."""

from __future__ import annotations

import subprocess
import sys

from como import gcpolicy
from tests.e2e.celery_worker import ROOT, subprocess_environment


def test_the_wsgi_application_freezes_startup_and_raises_the_young_threshold() -> None:
    probe = (
        "import gc; default = gc.get_threshold(); import como.wsgi; "
        "print(gc.get_freeze_count() > 0, gc.get_threshold()[0], "
        "gc.get_threshold()[1:] == default[1:])"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=subprocess_environment(DJANGO_SETTINGS_MODULE="como.settings"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["True", str(gcpolicy.YOUNG_THRESHOLD), "True"]
