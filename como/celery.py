"""The Celery application.

Tasks are named explicitly (``como.<app>.<verb>``) so that renaming a module never orphans
queued messages; settings live under ``CELERY_*`` in :mod:`como.settings`.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init

from como import gcpolicy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")

app = Celery("como")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**_: object) -> None:
    """As in :mod:`como.wsgi`: what a worker process loaded at start stays for its life, so
    the garbage collector's passes need not walk it, and they are rarer
    (:mod:`como.gcpolicy`)."""
    gcpolicy.settle()
