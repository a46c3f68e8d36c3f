"""Third-party intent data about accounts: signals in (API batch, signed webhook, CSV import),
stored once per (provider, domain, topic, week), and an account's intent read from them at any
instant with a per-signal explanation. docs/architecture.md, "Intent data"."""


def register() -> None:
    """What intent data wires at start-up (called from the vertical's ``ready()``)."""
    from django.conf import settings

    from como.agents.playbook_settings import register_section
    from como.demo.hooks import seeders

    from .demo import demo_intent_seed
    from .playbook import SETTING, IntentSettings
    from .tasks import LINK_TASK, PURGE_TASK

    # The playbook's `intent` setting is validated by the vertical's model.
    register_section(SETTING, IntentSettings)
    # Signals that arrived before their account are linked when it appears.
    settings.CELERY_BEAT_SCHEDULE.setdefault(LINK_TASK, {"task": LINK_TASK, "schedule": 300.0})
    # The webhook's delivery ids are kept a day (its replay window is 5 minutes).
    settings.CELERY_BEAT_SCHEDULE.setdefault(PURGE_TASK, {"task": PURGE_TASK, "schedule": 3600.0})
    # Northwind Cloud's signals from both provider shapes.
    seeders.register(demo_intent_seed)
    # The console's sidebar lists the signals and webhooks in the vertical's one group (apps.py).
