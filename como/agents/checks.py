"""``manage.py check``: every vertical's playbook defaults are settings a playbook reads."""

from __future__ import annotations

from typing import Any

from django.core import checks

from como import verticals

from .playbook_settings import settings_errors


@checks.register()
def playbook_defaults_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"vertical {profile.slug!r}: playbook_defaults[{key!r}]: {'; '.join(problems)}",
            hint="Keys and values must be settings of como.agents.playbook_settings."
            "PlaybookSettings (a key nothing reads is refused).",
            id="agents.E001",
        )
        for profile in verticals.all_profiles()
        for key, problems in settings_errors(profile.playbook_defaults, profile.slug).items()
    ]
