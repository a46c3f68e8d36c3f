"""The console's sidebar: admin pages grouped the way an operator thinks, not by Django app.

Groups are registered (``SIDEBAR``, keyed by group key) so a vertical adds its own from its
``ready()`` without como naming it. Each request shows only the pages its user may view (the
page's own ``has_view_or_change_permission``, i.e. workspace roles on the scoped admins), and
any registered page no group names still shows, under "More", so none is ever unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from como.registry import Registry


@dataclass(frozen=True)
class SidebarGroup:
    key: str
    title: str
    order: int
    #: (``app_label.ModelName``, Material Symbols icon) for each page, in the order shown
    pages: tuple[tuple[str, str], ...]
    #: folded until one of its pages is open (for groups an operator seldom needs)
    collapsible: bool = False


SIDEBAR: Registry[SidebarGroup] = Registry("sidebar group")


def register_group(group: SidebarGroup) -> SidebarGroup:
    return SIDEBAR.register(group.key, group)


CORE_GROUPS = (
    SidebarGroup(
        "approvals",
        "Approvals",
        10,
        (
            ("agents.InboxAction", "inbox"),
            ("agents.AgentAction", "task_alt"),
            ("agents.Handoff", "handshake"),
            ("agents.Notification", "notifications"),
            ("agents.ActionTransition", "history"),
        ),
    ),
    SidebarGroup(
        "campaigns",
        "Campaigns & channels",
        20,
        (
            ("campaigns.Campaign", "campaign"),
            ("campaigns.ChannelMetric", "monitoring"),
            ("campaigns.CatalogItem", "inventory_2"),
            ("sequences.Sequence", "route"),
            ("sequences.SequenceMember", "group"),
            ("audiences.SavedAudience", "filter_alt"),
            ("channels.ChannelAccount", "hub"),
            ("channels.Message", "mail"),
            ("channels.SandboxRequest", "science"),
        ),
    ),
    SidebarGroup(
        "contacts",
        "Contacts & scoring",
        30,
        (
            ("leads.Contact", "person"),
            ("leads.Account", "domain"),
            ("leads.Event", "bolt"),
            ("deals.Opportunity", "paid"),
            ("scoring.ScoringModel", "functions"),
            ("scoring.RescoreRun", "refresh"),
        ),
    ),
    SidebarGroup(
        "consent",
        "Consent",
        40,
        (
            ("consent.ConsentRecord", "verified_user"),
            ("consent.Suppression", "block"),
            ("consent.Erasure", "delete_forever"),
        ),
    ),
    SidebarGroup(
        "playbook",
        "Playbook",
        50,
        (
            ("agents.Playbook", "menu_book"),
            ("agents.PlaybookVersion", "history"),
            ("agents.Territory", "map"),
        ),
    ),
    SidebarGroup(
        "workspace",
        "Workspace",
        80,
        (
            ("workspaces.Workspace", "workspaces"),
            ("workspaces.Membership", "group"),
            ("workspaces.ApiKey", "key"),
        ),
    ),
    SidebarGroup(
        "administration",
        "Administration",
        90,
        (
            ("auth.User", "manage_accounts"),
            ("auth.Group", "groups"),
            ("django_celery_beat.PeriodicTask", "schedule"),
            ("django_celery_beat.CrontabSchedule", "calendar_month"),
            ("django_celery_beat.IntervalSchedule", "timer"),
            ("django_celery_beat.ClockedSchedule", "alarm"),
            ("django_celery_beat.SolarSchedule", "wb_sunny"),
            ("axes.AccessAttempt", "lock"),
            ("axes.AccessLog", "login"),
            ("axes.AccessFailureLog", "lock_clock"),
        ),
        collapsible=True,
    ),
)


def register_core_groups() -> None:
    for group in CORE_GROUPS:
        register_group(group)


def _item(request: HttpRequest, model: Any, model_admin: Any, icon: str) -> dict[str, Any] | None:
    if not model_admin.has_view_or_change_permission(request):
        return None
    opts = model._meta
    try:
        link = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        return None
    return {"title": str(opts.verbose_name_plural).capitalize(), "icon": icon, "link": link}


def sidebar(request: HttpRequest) -> list[dict[str, Any]]:
    """unfold's ``SIDEBAR["navigation"]`` for this request."""
    registry = {
        model._meta.label: (model, model_admin)
        for model, model_admin in admin.site._registry.items()
    }
    navigation: list[dict[str, Any]] = [
        {
            "title": "Console",
            "items": [
                {"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")},
                {"title": "Reports", "icon": "analytics", "link": reverse("console-reports")},
            ],
        }
    ]
    named: set[str] = set()
    for group in sorted(SIDEBAR.all(), key=lambda group: (group.order, group.key)):
        items = []
        for label, icon in group.pages:
            named.add(label)
            if label in registry and (item := _item(request, *registry[label], icon)):
                items.append(item)
        if items:
            navigation.append(
                {"title": group.title, "collapsible": group.collapsible, "items": items}
            )
    rest = [
        item
        for label, (model, model_admin) in sorted(registry.items())
        if label not in named and (item := _item(request, model, model_admin, "list"))
    ]
    if rest:
        navigation.append({"title": "More", "collapsible": True, "items": rest})
    return navigation
