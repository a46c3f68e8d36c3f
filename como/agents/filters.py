"""Query-string filters of the actions API (the approval queue)."""

from __future__ import annotations

import django_filters

from .models import ActionStatus, AgentAction, Risk


class AgentActionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ActionStatus.choices, help_text="e.g. proposed: the queue awaiting approval."
    )
    agent = django_filters.CharFilter(help_text="Key of the agent that proposed the action.")
    kind = django_filters.CharFilter(help_text="The action's kind, e.g. mql_handoff.")
    channel = django_filters.CharFilter(help_text="The channel it acts on, e.g. email.")
    risk = django_filters.ChoiceFilter(choices=Risk.choices)

    class Meta:
        model = AgentAction
        fields = ["status", "agent", "kind", "channel", "risk"]
