"""The Celery application.

Tasks are named explicitly (``como.<app>.<verb>``) so that renaming a module never orphans
queued messages; settings live under ``CELERY_*`` in :mod:`como.settings`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")

app = Celery("como")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
