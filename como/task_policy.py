"""How the apps' Celery tasks retry, written once.

Tasks take ids and are idempotent (README, "Exactly once"), so running one again
after a failure is always safe; what differs is which failures are worth it.
"""

from __future__ import annotations

from typing import Any, Final

from django.db import OperationalError

#: The database was briefly unreachable (a restart, a failover, a dropped connection): retry
#: with exponential backoff (1 s, 2 s, 4 s … with Celery's jitter), five times, then give up
#: and let beat or the sweeper find the work again.
RETRY_ON_DATABASE_ERRORS: Final[dict[str, Any]] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
}
