"""Writes to contacts and accounts.

Every function here is the one way its change is made, from the API, the admin, a command or a
task: it normalises identifiers, validates, enforces per-workspace uniqueness and raises a
:class:`~django.core.exceptions.ValidationError` keyed by field, never an ``IntegrityError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from como.workspaces.models import Membership, Workspace
from como.workspaces.principal import CallerKind, Principal
from como.workspaces.users import User
from como.workspaces.validators import validate_country

from . import reactions
from .models import Account, ActorKind, Contact, LifecycleStage, LifecycleTransition
from .normalize import contains_nul, normalize_domain, normalize_email, normalize_phone


class ContactFields(TypedDict, total=False):
    """The fields a caller may set on a contact (all optional; omitted means unchanged)."""

    email: str
    phone: str
    first_name: str
    last_name: str
    title: str
    company_size: int | None
    industry: str
    country: str
    region: str
    postal_code: str
    external_id: str
    account: Account | None
    attributes: dict[str, Any]
    lifecycle_stage: str


class AccountFields(TypedDict, total=False):
    """The fields a caller may set on an account (all optional; omitted means unchanged)."""

    domain: str
    name: str
    industry: str
    employee_count: int | None
    annual_revenue: Any
    country: str
    region: str
    postal_code: str
    external_id: str
    attributes: dict[str, Any]
    #: a user who is a member of the account's workspace, or None for no owner
    owner: Any


#: the one answer for an owner who is not a member, whether a stranger or another workspace's
OWNER_NOT_A_MEMBER = "The owner must be a member of this workspace."

#: constraint name → the field whose value collided, for races that pass the pre-check
_UNIQUE_FIELDS = {
    "contact_unique_email": "email",
    "contact_unique_external_id": "external_id",
    "account_unique_domain": "domain",
    "account_unique_external_id": "external_id",
}

_Owned = TypeVar("_Owned", Contact, Account)


# --- contacts --------------------------------------------------------------------------------


@transaction.atomic
def contact_create(
    *, workspace: Workspace, actor: Principal | None = None, **fields: Unpack[ContactFields]
) -> Contact:
    """Create a contact; registered reactions (re-scoring) run in the same transaction."""
    contact = Contact(workspace=workspace)
    _apply(contact, contact_clean(workspace=workspace, fields=fields))
    _save(contact)
    reactions.contacts_identified(workspace, [contact.pk])
    reactions.contacts_changed(workspace, [contact.pk])
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, actor: Principal | None = None, **changes: Unpack[ContactFields]
) -> Contact:
    """Change a contact. A stage set here is recorded as a transition by ``actor`` (default:
    the system); registered reactions (re-scoring) run in the same transaction."""
    before = contact.lifecycle_stage
    known_by = (contact.email, contact.external_id)
    _apply(contact, contact_clean(workspace=contact.workspace, fields=changes, contact=contact))
    _save(contact)
    if (contact.email, contact.external_id) != known_by:
        reactions.contacts_identified(contact.workspace, [contact.pk])
    if contact.lifecycle_stage != before:
        kind, user_id = actor_of(actor)
        transition = LifecycleTransition.objects.create(
            workspace_id=contact.workspace_id,
            contact=contact,
            from_stage=before,
            to_stage=contact.lifecycle_stage,
            at=timezone.now(),
            actor_kind=kind,
            actor_id=user_id,
            reason="Stage set by hand.",
            score=None,
        )
        reactions.stage_changed(contact.workspace, [transition])
    reactions.contacts_changed(contact.workspace, [contact.pk])
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    contacts_lock_for_delete([contact.pk])
    contact.delete()


@transaction.atomic
def contacts_delete(*, contacts: models.QuerySet[Contact]) -> int:
    """Delete these contacts and, by cascade, their events and the rest; how many contacts."""
    contacts_lock_for_delete(contacts.values_list("pk", flat=True))
    return contacts.delete()[1].get(Contact._meta.label, 0)


def contacts_lock_for_delete(ids: Iterable[int]) -> None:
    """Lock contacts ``FOR UPDATE`` (in id order) before deleting them; in a transaction.

    Events hold their contact by a foreign key with no database constraint (see
    :class:`~como.leads.models.Event`). An ingest batch holds each contact it points events at
    ``FOR KEY SHARE`` until it commits, so this lock waits for such a batch, and the cascade
    that follows deletes its events too; a batch that comes after finds the contact gone and
    resolves its people again. Without it the cascade could miss a batch's events still in
    flight and leave them pointing at no one.
    """
    locked = Contact.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")
    list(locked.values_list("pk", flat=True))


def actor_of(principal: Principal | None) -> tuple[str, int | None]:
    """``(actor_kind, user id)`` of a transition made by ``principal`` (None: the system)."""
    if principal is None:
        return ActorKind.SYSTEM, None
    kind = {
        CallerKind.API_KEY: ActorKind.API_KEY,
        CallerKind.AGENT: ActorKind.AGENT,
    }.get(principal.kind, ActorKind.MEMBER)
    return kind, None if kind == ActorKind.API_KEY else principal.user_id


_STAGE_CHANGE_SQL = """
UPDATE {contact} AS c
SET lifecycle_stage = %s, updated_at = %s
FROM (
    SELECT id, lifecycle_stage FROM {contact}
    WHERE workspace_id = %s AND id = ANY(%s::bigint[])
      AND lifecycle_stage <> %s AND lifecycle_stage = ANY(%s::text[])
    ORDER BY id
    FOR NO KEY UPDATE
) AS old
WHERE c.id = old.id
RETURNING c.id, old.lifecycle_stage
"""


@transaction.atomic
def contact_stage_change(
    *,
    workspace: Workspace,
    to_stage: str,
    reason: str,
    contact_ids: Iterable[int] = (),
    contact: Contact | None = None,
    from_stages: Iterable[str] | None = None,
    actor_kind: str = ActorKind.SYSTEM,
    actor_id: int | None = None,
    scores: Mapping[int, float] | None = None,
    at: datetime | None = None,
) -> list[LifecycleTransition]:
    """Move contacts to ``to_stage`` and record one transition per contact moved; set-based.

    Contacts already in ``to_stage``, or (when ``from_stages`` is given) in a stage not listed
    there, are left alone, so a repeated call moves nobody twice. The stage is checked and
    changed under row locks in one ``UPDATE``, so concurrent callers cannot both record the
    same move. ``scores`` (contact id → score) are kept on the transitions. Returns them.
    """
    _clean_stage(to_stage)
    ids = sorted({*contact_ids, *([contact.pk] if contact is not None else [])})
    if not ids:
        return []
    allowed = list(LifecycleStage.values if from_stages is None else from_stages)
    at = at or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _STAGE_CHANGE_SQL.format(contact=connection.ops.quote_name(Contact._meta.db_table)),
            [to_stage, at, workspace.pk, ids, to_stage, allowed],
        )
        moved = sorted(cursor.fetchall())
    transitions = LifecycleTransition.objects.bulk_create(
        LifecycleTransition(
            workspace_id=workspace.pk,
            contact_id=contact_id,
            from_stage=from_stage,
            to_stage=to_stage,
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            reason=reason,
            score=None if scores is None else scores.get(contact_id),
        )
        for contact_id, from_stage in moved
    )
    if contact is not None and any(t.contact_id == contact.pk for t in transitions):
        contact.lifecycle_stage = to_stage
    reactions.stage_changed(workspace, transitions)
    return transitions


def contact_clean(
    *, workspace: Workspace, fields: Mapping[str, Any], contact: Contact | None = None
) -> dict[str, Any]:
    """Normalise and validate contact fields; return the cleaned values.

    Raises a ValidationError with every problem keyed by its field. Uniqueness is checked too,
    so a form can show a duplicate email next to the email box before anything is saved.
    """
    cleaned: dict[str, Any] = dict(fields)
    errors: dict[str, list[str]] = {}
    _clean_field(cleaned, errors, "email", lambda v: normalize_email(v) if v.strip() else "")
    _clean_field(
        cleaned,
        errors,
        "phone",
        lambda v: normalize_phone(v, default_region=workspace.country) if v.strip() else "",
    )
    _clean_field(cleaned, errors, "country", _clean_country)
    _clean_field(cleaned, errors, "external_id", str.strip)
    _clean_field(cleaned, errors, "attributes", _clean_attributes)
    _clean_field(cleaned, errors, "lifecycle_stage", _clean_stage)
    account = cleaned.get("account")
    if account is not None and account.workspace_id != workspace.pk:
        errors.setdefault("account", []).append("This account belongs to another workspace.")
    candidate = Contact(workspace=workspace, pk=contact.pk if contact else None)
    if contact is not None:
        candidate.email, candidate.external_id = contact.email, contact.external_id
    _apply(candidate, {name: value for name, value in cleaned.items() if name not in errors})
    errors |= _unique_errors(candidate, ("email", "external_id"), "contact")
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- accounts --------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, workspace: Workspace, **fields: Unpack[AccountFields]) -> Account:
    account = Account(workspace=workspace)
    _apply(account, account_clean(workspace=workspace, fields=fields))
    return _save(account)


@transaction.atomic
def account_update(*, account: Account, **changes: Unpack[AccountFields]) -> Account:
    """Change an account; its contacts' reactions (re-scoring of fit) run in the same
    transaction."""
    _apply(account, account_clean(workspace=account.workspace, fields=changes, account=account))
    _save(account)
    contact_ids = list(Contact.objects.filter(account_id=account.pk).values_list("pk", flat=True))
    reactions.contacts_changed(account.workspace, contact_ids)
    return account


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Delete an account; its contacts stay, without an account."""
    account.delete()


def account_clean(
    *, workspace: Workspace, fields: Mapping[str, Any], account: Account | None = None
) -> dict[str, Any]:
    """Normalise and validate account fields; return the cleaned values (see contact_clean)."""
    cleaned: dict[str, Any] = dict(fields)
    errors: dict[str, list[str]] = {}
    _clean_field(cleaned, errors, "domain", lambda v: normalize_domain(v) if v.strip() else "")
    _clean_field(cleaned, errors, "name", str.strip)
    _clean_field(cleaned, errors, "country", _clean_country)
    _clean_field(cleaned, errors, "external_id", str.strip)
    _clean_field(cleaned, errors, "attributes", _clean_attributes)
    candidate = Account(workspace=workspace, pk=account.pk if account else None)
    if account is not None:
        candidate.domain, candidate.name = account.domain, account.name
        candidate.external_id = account.external_id
    _apply(candidate, {name: value for name, value in cleaned.items() if name not in errors})
    if not candidate.name and not candidate.domain and "domain" not in errors:
        errors[NON_FIELD_ERRORS] = ["An account needs a name or a domain."]
    errors |= _unique_errors(candidate, ("domain", "external_id"), "account")
    owner = cleaned.get("owner")
    if owner is not None and not _is_member(workspace, owner):
        errors["owner"] = [OWNER_NOT_A_MEMBER]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _is_member(workspace: Workspace, user: User) -> bool:
    return Membership.objects.filter(workspace=workspace, user_id=user.pk).exists()


# --- shared ----------------------------------------------------------------------------------


def _clean_field(
    cleaned: dict[str, Any],
    errors: dict[str, list[str]],
    name: str,
    clean: Callable[[Any], Any],
) -> None:
    if name not in cleaned:
        return
    value = cleaned[name]
    if value is None and name != "attributes":
        value = ""  # text columns store "unknown" as the empty string
    try:
        cleaned[name] = clean(value)
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)


def _clean_country(value: str) -> str:
    code = value.strip().upper()
    if code:
        validate_country(code)
    return code


def _clean_attributes(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            f"Attributes must be a JSON object, not {type(value).__name__}.", code="invalid"
        )
    if contains_nul(value):
        # PostgreSQL's jsonb cannot store U+0000; say so instead of failing at INSERT.
        raise ValidationError("Attributes must not contain the NUL character.", code="null")
    return value


def _clean_stage(value: str) -> str:
    if value not in LifecycleStage.values:
        raise ValidationError(
            f"{value!r} is not a lifecycle stage; choose one of: "
            f"{', '.join(LifecycleStage.values)}.",
            code="invalid_choice",
        )
    return value


def _apply(instance: models.Model, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(instance, name, value)


def _unique_errors(
    instance: Contact | Account, fields: tuple[str, ...], noun: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    others = type(instance).objects.filter(workspace_id=instance.workspace_id)
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    for name in fields:
        value = getattr(instance, name)
        if value and others.filter(**{name: value}).exists():
            errors[name] = [_duplicate_message(noun, name)]
    return errors


def _duplicate_message(noun: str, field: str) -> str:
    return f"Another {noun} in this workspace has this {field.replace('_', ' ')}."


def _save(instance: _Owned) -> _Owned:
    # Field-level checks (lengths, numbers) the cleaners do not repeat; uniqueness was checked
    # with field-keyed messages by the *_clean function, and a lost race is translated below.
    instance.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the outer block usable
            instance.save()
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        field = _UNIQUE_FIELDS.get(constraint or "")
        if field is None:
            raise
        noun = type(instance)._meta.model_name or "row"
        raise ValidationError({field: [_duplicate_message(noun, field)]}) from None
    return instance
