"""Identity resolution, through the ingest service and directly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
import pytest
from django.db import transaction

from como.ingest.services import events_ingest
from como.leads import reactions
from como.leads.identity import PersonRef, contacts_resolve
from como.leads.models import AnonymousId, Contact, Event
from como.workspaces.models import Workspace

from .helpers import event

pytestmark = pytest.mark.django_db


def ingest(workspace: Workspace, *events: dict[str, Any]) -> None:
    results = events_ingest(workspace=workspace, events=list(events))
    assert [r.status for r in results] == ["created"] * len(events), results


def contacts(workspace: Workspace) -> list[tuple[str, str]]:
    return sorted(Contact.objects.filter(workspace=workspace).values_list("email", "external_id"))


def owner(workspace: Workspace, event_id: str) -> Contact:
    return (
        Event.objects.select_related("contact").get(workspace=workspace, event_id=event_id).contact
    )


def anonymous_ids(workspace: Workspace) -> dict[str, int]:
    return dict(AnonymousId.objects.filter(workspace=workspace).values_list("value", "contact_id"))


def test_an_unknown_email_creates_a_contact_and_mixed_case_finds_it(workspace: Workspace) -> None:
    ingest(workspace, event("a", contact={"email": "Ana@Example.com"}))
    ingest(workspace, event("b", contact={"email": "  ANA@example.COM"}))
    assert contacts(workspace) == [("ana@example.com", "")]
    assert owner(workspace, "a") == owner(workspace, "b")


def test_external_id_identifies_a_person(workspace: Workspace) -> None:
    ingest(
        workspace,
        event("a", contact={"external_id": "crm-1"}),
        event("b", contact={"external_id": "crm-1"}),
    )
    ingest(workspace, event("c", contact={"external_id": "crm-1"}))
    assert contacts(workspace) == [("", "crm-1")]
    assert owner(workspace, "a") == owner(workspace, "c")


def test_email_and_external_id_join_on_one_contact(workspace: Workspace) -> None:
    ingest(workspace, event("a", contact={"email": "ana@example.com"}))
    # the contact known by email adopts the external id ...
    ingest(workspace, event("b", contact={"email": "ana@example.com", "external_id": "crm-1"}))
    # ... and is then found by it alone
    ingest(workspace, event("c", contact={"external_id": "crm-1"}))
    assert contacts(workspace) == [("ana@example.com", "crm-1")]
    assert owner(workspace, "a") == owner(workspace, "b") == owner(workspace, "c")


def test_external_id_wins_over_an_email_held_by_someone_else(workspace: Workspace) -> None:
    ingest(workspace, event("a", contact={"email": "ana@example.com", "external_id": "crm-1"}))
    ingest(workspace, event("b", contact={"email": "ana@example.com", "external_id": "crm-2"}))
    # crm-2 is a different person; the email stays with crm-1 (never moved, never merged)
    assert contacts(workspace) == [("", "crm-2"), ("ana@example.com", "crm-1")]
    assert owner(workspace, "b").external_id == "crm-2"


def test_anonymous_then_identified_within_one_batch(workspace: Workspace) -> None:
    visitor = {"anonymous_id": "cookie-1"}
    ingest(
        workspace,
        event("a", contact=visitor),
        event("b", contact=visitor),
        event("c", contact={**visitor, "email": "Ana@Example.com"}),
        event("d", contact=visitor),
    )
    assert contacts(workspace) == [("ana@example.com", "")]
    ana = Contact.objects.get(workspace=workspace)
    assert {owner(workspace, e).pk for e in "abcd"} == {ana.pk}
    assert anonymous_ids(workspace) == {"cookie-1": ana.pk}


def test_anonymous_history_is_promoted_when_the_person_identifies_later(
    workspace: Workspace,
) -> None:
    ingest(workspace, event("a", contact={"anonymous_id": "cookie-1"}))
    visitor = owner(workspace, "a")
    assert visitor.is_anonymous

    ingest(workspace, event("b", contact={"anonymous_id": "cookie-1", "external_id": "crm-7"}))

    promoted = Contact.objects.get(workspace=workspace)
    assert promoted.pk == visitor.pk  # the same row keeps its history
    assert (promoted.email, promoted.external_id) == ("", "crm-7")
    assert owner(workspace, "b").pk == visitor.pk


def test_anonymous_history_merges_into_a_known_contact_across_batches(
    workspace: Workspace,
) -> None:
    ingest(workspace, event("known", contact={"email": "ana@example.com"}))
    ingest(
        workspace,
        event("v1", contact={"anonymous_id": "cookie-1"}),
        event("v2", contact={"anonymous_id": "cookie-2"}),
    )
    ingest(workspace, event("v3", contact={"anonymous_id": "cookie-1"}))
    ana = Contact.objects.get(workspace=workspace, email="ana@example.com")
    visitor = owner(workspace, "v1")
    assert visitor.pk != ana.pk

    ingest(
        workspace, event("login", contact={"anonymous_id": "cookie-1", "email": "ANA@example.com"})
    )

    assert not Contact.objects.filter(pk=visitor.pk).exists()
    assert {owner(workspace, e).pk for e in ("known", "v1", "v3", "login")} == {ana.pk}
    assert owner(workspace, "v2").pk not in (ana.pk, visitor.pk)  # another visitor, untouched
    assert anonymous_ids(workspace)["cookie-1"] == ana.pk
    assert contacts(workspace) == [("", ""), ("ana@example.com", "")]


def test_a_visitor_with_two_cookies_merges_both_histories(workspace: Workspace) -> None:
    ingest(
        workspace,
        event("phone", contact={"anonymous_id": "cookie-phone"}),
        event("laptop", contact={"anonymous_id": "cookie-laptop"}),
    )
    ingest(
        workspace,
        event("login-1", contact={"anonymous_id": "cookie-phone", "email": "ana@example.com"}),
        event("login-2", contact={"anonymous_id": "cookie-laptop", "email": "ana@example.com"}),
    )
    ana = Contact.objects.get(workspace=workspace)
    assert ana.email == "ana@example.com"
    assert {owner(workspace, e).pk for e in ("phone", "laptop", "login-1", "login-2")} == {ana.pk}
    assert anonymous_ids(workspace) == {"cookie-phone": ana.pk, "cookie-laptop": ana.pk}


def test_within_one_batch_a_new_visitor_merges_into_a_known_contact(
    workspace: Workspace,
) -> None:
    ingest(workspace, event("known", contact={"email": "ana@example.com"}))
    ana = Contact.objects.get(workspace=workspace)
    ingest(
        workspace,
        event("v1", contact={"anonymous_id": "cookie-1"}),
        event("login", contact={"anonymous_id": "cookie-1", "email": "ana@example.com"}),
        event("v2", contact={"anonymous_id": "cookie-1"}),
    )
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert {owner(workspace, e).pk for e in ("v1", "login", "v2")} == {ana.pk}
    assert anonymous_ids(workspace) == {"cookie-1": ana.pk}


def test_a_shared_device_does_not_move_one_persons_history_to_another(
    workspace: Workspace,
) -> None:
    ingest(workspace, event("a", contact={"anonymous_id": "kiosk", "email": "ana@example.com"}))
    ingest(workspace, event("b", contact={"anonymous_id": "kiosk", "email": "bob@example.com"}))
    ingest(workspace, event("c", contact={"anonymous_id": "kiosk"}))
    ana = Contact.objects.get(workspace=workspace, email="ana@example.com")
    bob = Contact.objects.get(workspace=workspace, email="bob@example.com")
    assert owner(workspace, "a") == ana
    assert owner(workspace, "b") == bob
    assert owner(workspace, "c") == ana  # the id still names whoever it named first
    assert anonymous_ids(workspace) == {"kiosk": ana.pk}


def test_identities_never_cross_workspaces(
    workspace: Workspace, other_workspace: Workspace
) -> None:
    ingest(workspace, event("a", contact={"anonymous_id": "cookie-1"}))
    ingest(other_workspace, event("b", contact={"anonymous_id": "cookie-1", "email": "x@y.com"}))
    assert owner(workspace, "a").is_anonymous
    assert contacts(other_workspace) == [("x@y.com", "")]


def test_resolution_is_a_handful_of_statements_whatever_the_batch_size(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 500 people, each seen anonymously and then identified; 50 of them already known.
    ingest(workspace, *[event(f"k{i}", contact={"email": f"p{i}@example.com"}) for i in range(50)])
    refs = []
    for i in range(500):
        refs.append(PersonRef(anonymous_id=f"cookie-{i}"))
        refs.append(PersonRef(anonymous_id=f"cookie-{i}", email=f"p{i}@example.com"))
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)  # a spy: it still executes
    with transaction.atomic():
        resolution = contacts_resolve(workspace_id=workspace.pk, refs=refs)
    monkeypatch.undo()

    # savepoint in/out, two reads, the lock of the known contacts, id allocation, contact
    # insert, anonymous-id insert
    assert len(statements) <= 8, statements
    assert len(resolution.contact_ids) == 1000
    assert len(set(resolution.contact_ids)) == 500
    assert len(resolution.created) == 450
    assert Contact.objects.filter(workspace=workspace).count() == 500
    assert len(anonymous_ids(workspace)) == 500


def test_merge_handlers_see_each_merge_before_the_anonymous_contact_goes(
    workspace: Workspace,
) -> None:
    seen: list[tuple[int, dict[int, int], bool]] = []

    def handler(workspace_id: int, merged: Mapping[int, int]) -> None:
        (source,) = merged
        seen.append((workspace_id, dict(merged), Contact.objects.filter(pk=source).exists()))

    ingest(workspace, event("known", contact={"email": "ana@example.com"}))
    ingest(workspace, event("v", contact={"anonymous_id": "cookie-1"}))
    visitor, ana = owner(workspace, "v"), owner(workspace, "known")
    reactions.register_merge_handler(handler)
    try:
        ingest(
            workspace,
            event("login", contact={"anonymous_id": "cookie-1", "email": "ana@example.com"}),
        )
    finally:
        reactions._merge_handlers.remove(handler)
    assert seen == [(workspace.pk, {visitor.pk: ana.pk}, True)]
