"""Reads of leads data that are more than one ORM call."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import DateTimeField, QuerySet, Value
from django.db.models.functions import Coalesce

from como.workspaces.models import Workspace
from como.workspaces.principal import Principal

from .models import AnonymousId, Contact, Event

#: Sorts never-seen contacts after every seen one in "most recently seen first" order.
_NEVER_SEEN = datetime(1970, 1, 1, tzinfo=UTC)

#: The name of the non-null sort key :func:`contacts_with_sort_keys` adds.
LAST_SEEN_SORT_KEY = "last_seen_sort"


def contacts_with_sort_keys(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """Contacts annotated with a non-null ``last_seen_at`` sort key.

    Cursor pagination compares the sort value of the last row of a page, so the column it
    sorts by must never be null; ``last_seen_at`` is null until a contact's first event.
    """
    return contacts.annotate(
        **{
            LAST_SEEN_SORT_KEY: Coalesce(
                "score__last_seen_at", Value(_NEVER_SEEN), output_field=DateTimeField()
            )
        }
    )


def visible_workspace_ids(principal: Principal) -> frozenset[int]:
    """The workspaces whose rows the principal reads (every one for a superuser)."""
    if principal.is_superuser:
        return frozenset(Workspace.objects.values_list("pk", flat=True))
    return principal.workspace_ids


def contact_timeline(*, contact: Contact, principal: Principal) -> QuerySet[Event]:
    """The contact's events, newest first, as the principal may see them."""
    return (
        Event.objects.visible_to(principal)
        .filter(contact_id=contact.pk)
        .order_by("-occurred_at", "-id")
    )


def contact_anonymous_ids(*, contact: Contact, principal: Principal) -> QuerySet[AnonymousId]:
    return (
        AnonymousId.objects.visible_to(principal)
        .filter(contact_id=contact.pk)
        .order_by("created_at", "id")
    )
