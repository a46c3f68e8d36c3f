from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "Marketing-qualified lead"
    SQL = "sql", "Sales-qualified lead"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    RECYCLED = "recycled", "Recycled"


#: The lifecycle funnel's stages in order; "recycled" is none of them.
FUNNEL = (
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
)


class Account(WorkspaceOwned):
    """A company (B2B) or household/fleet (automotive) that contacts belong to."""

    domain = models.CharField(max_length=253, blank=True)
    name = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The sales rep who owns the account (takes its MQLs in B2B).",
    )
    # The account score state (B2B), written only by verticals.b2b.accounts.score_state,
    # set-based, the way a contact's ``score_*`` columns are: fit, intent as of
    # ``score_as_of`` (decaying by the workspace's scoring-model rate), and the decay-invariant
    # ranking key of that intent, so ``?ordering=-score`` walks ``account_score_rank``.
    score_fit = models.FloatField(default=0, editable=False, help_text="ICP fit points.")
    score_intent = models.FloatField(
        default=0, editable=False, help_text="Weighted members' and signals' intent, as of."
    )
    score_as_of = models.DateTimeField(null=True, blank=True, editable=False)
    score_intent_sign = models.SmallIntegerField(default=0, editable=False)
    score_intent_key = models.FloatField(null=True, blank=True, editable=False)
    stage = models.CharField(
        max_length=20,
        default="target",
        editable=False,
        help_text="The account stage (B2B): target, aware, engaged, mqa, opportunity, customer.",
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "domain"]
        indexes = [
            # The ranked account list: the contacts' ranking, on this table (como.scoring.ranking).
            models.Index(
                fields=["workspace", "score_fit", "-score_intent_sign", "-score_intent_key", "-id"],
                name="account_score_rank",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "domain"],
                condition=~Q(domain=""),
                name="account_unique_domain",
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="account_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.domain or f"account {self.pk}"


class Contact(WorkspaceOwned):
    """A person. Known by email, by an external id, or only by anonymous ids (a visitor).

    Its score state and activity instants are a :class:`ContactScore` row (``contact.score``),
    kept off this wide row so that scoring a batch rewrites only narrow rows."""

    # Every index below leads with the workspace, so a one-column index on it would only be
    # one more to maintain on each score update (and a plan that scans a whole workspace).
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +13125550123.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    company_size = models.PositiveIntegerField(null=True, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    # Indexed only where set (contact_account below): a contact without an account (every
    # visitor, most B2C people) then writes no entry there on each score update.
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_index=False,
    )
    attributes = models.JSONField(default=dict, blank=True)
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.SUBSCRIBER
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"], condition=~Q(email=""), name="contact_unique_email"
            ),
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "lifecycle_stage"]),
            # An account's contacts (``account_id = x`` implies the condition); a non-HOT
            # update of a contact with no account (an identity change) writes no entry.
            models.Index(
                fields=["account"], condition=Q(account__isnull=False), name="contact_account"
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.external_id or f"visitor {self.pk}"

    @property
    def is_anonymous(self) -> bool:
        return not self.email and not self.external_id


class ContactScore(models.Model):
    """A contact's stored score state and activity, one row per contact.

    Written only by the scoring services (:mod:`como.scoring.score_state`, set-based), so an
    ingest batch rewrites these narrow rows (pkey and ranking index only: updates are never
    HOT, the ranking key moves with the score) and never the wide contact row with its
    profile, attributes and five indexes. Every contact has one from its creation: an AFTER
    INSERT trigger on the contact table inserts it (migration ``leads.0013``), whichever path
    creates the contact (identity's raw INSERT, the ORM, imports, the admin, benches), and an
    AFTER DELETE trigger deletes it with its contact (raw deletes such as an identity merge's
    included). No foreign-key constraint: its deferred check would cost a query and a row lock
    per contact an ingest batch creates, twice. The ranked list lists every contact, so the row
    must exist even at a zero score.

    Because intent decays by one shared factor, the state answers the *current* score at any
    instant ``t ≥ score_as_of`` with no batch job::

        score(t) = score_fit + score_intent · (1 - r)^((t - score_as_of) / quarter)

    with ``r`` the decay rate of model version ``score_model_version`` and a quarter of 91.3
    days. ``score_intent_sign`` and ``score_intent_key`` are ``decay.ranking_key`` of the intent:
    they do not change as time passes, so within one fit value the index on
    ``(fit, sign, key)`` lists contacts by current score (see ``como.scoring.ranking``).
    ``score_caps`` holds the recent counted events of capped rules, so new events are scored
    against the stored state without re-reading the history. The column names are the ones
    the contact table had, so raw SQL reads the same names from this table.
    """

    # No constraint: the migration's triggers insert and delete the row with its contact, so
    # Django's collector need not query it either.
    contact = models.OneToOneField(
        Contact,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="score",
        db_constraint=False,
    )
    # The contact's, copied by the trigger; only to scope and rank (the index leads with it).
    # No constraint: the contact's own foreign key already ties it to a live workspace.
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    first_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    score_fit = models.FloatField(default=0, editable=False, help_text="Fit points (no decay).")
    score_intent = models.FloatField(
        default=0, editable=False, help_text="Intent points as of score_as_of."
    )
    score_as_of = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the stored intent was measured."
    )
    score_model_version = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The scoring model version used."
    )
    score_intent_sign = models.SmallIntegerField(
        default=0, editable=False, help_text="Sign of the stored intent: 1, 0 or -1."
    )
    score_intent_key = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Decay-invariant ranking key of non-zero intent; null for zero.",
    )
    score_caps = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Per capped rule, when it last counted (microseconds since the Unix epoch).",
    )

    class Meta:
        indexes = [
            # The ranked list: per fit value, current intent order (see como.scoring.ranking).
            models.Index(
                fields=[
                    "workspace",
                    "score_fit",
                    "-score_intent_sign",
                    "-score_intent_key",
                    "-contact",
                ],
                name="contact_score_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"score of contact {self.contact_id}"


class ActorKind(models.TextChoices):
    SYSTEM = "system", "System"
    MEMBER = "member", "Member"
    API_KEY = "api_key", "API key"
    AGENT = "agent", "Agent"


class LifecycleTransition(WorkspaceOwned):
    """A contact's move from one lifecycle stage to another: who or what, when and why.

    Append-only: rows are created by :func:`como.leads.services.contact_stage_change` (and the
    contact services when a stage is set by hand) and never changed.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    to_stage = models.CharField(max_length=20, choices=LifecycleStage.choices)
    at = models.DateTimeField()
    actor_kind = models.CharField(
        max_length=16, choices=ActorKind.choices, default=ActorKind.SYSTEM
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The member who made the change, when a member did.",
    )
    reason = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True, help_text="The contact's score at the time.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "-at"], name="transition_contact_at")]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("lifecycle transitions are append-only")
        super().save(*args, **kwargs)


class AnonymousId(WorkspaceOwned):
    """A device or cookie id seen before the person identified themselves."""

    value = models.CharField(max_length=128)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="anonymous_ids")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "value"], name="anonymous_id_unique"),
        ]

    def __str__(self) -> str:
        return self.value


class EventKey(models.Model):
    """A sender's event id the workspace holds: the idempotency key of ingest, across months.

    ``leads_event`` is partitioned by month, so its own unique key must hold ``occurred_at`` and
    cannot tell one id sent at two instants from two events. Ingest claims each new id here,
    in the transaction that stores its event (a plain ``INSERT``, then ``ON CONFLICT DO
    NOTHING`` when an id is taken): a
    concurrent batch claiming the same id waits for that transaction and then finds it taken,
    so an id is stored once whatever its instant. ``occurred_at`` is the stored event's, for
    the retention (:func:`como.leads.partitions.event_partitions_drop_old` forgets the ids of
    the months it drops). Written only by ingest's raw SQL; no model code reads it.
    """

    pk = models.CompositePrimaryKey("workspace_id", "event_id")
    # No foreign-key constraint (a check per event would be paid at every commit): ingest
    # holds the workspace against deletion while it writes, as for its events (see Event).
    # Deleting a workspace still deletes its keys (Django's cascade).
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    event_id = models.CharField(max_length=128)
    occurred_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.event_id


class Event(WorkspaceOwned):
    """Something a contact did, as reported by a source. Append-only.

    The table is partitioned by UTC month of ``occurred_at`` (:mod:`como.leads.partitions`):
    in the database the primary key is ``(id, occurred_at)``, because a partitioned table's
    keys must hold the partition key. Django keeps ``id`` as the primary key (one identity
    sequence keeps ids unique, and nothing holds a foreign key to an event). The sender's id
    is unique per workspace through :class:`EventKey`, which ingest claims first; the table
    itself has no unique key on it (nothing reads an event by its sender's id).

    Neither foreign key is a database constraint: their per-row checks, run at every ingest
    commit, cost more than the insert's own index writes. What they guarded is kept by locks
    instead: ingest holds every contact it points events at ``FOR KEY SHARE`` (identity
    resolution) and its workspace too, and whoever deletes a contact or a workspace locks it
    ``FOR UPDATE`` before the cascade (:func:`como.leads.services.contacts_lock_for_delete`,
    :mod:`como.leads.reactions`), so the cascade's ``DELETE`` sees every event committed for
    it; an identity merge moves the events before it deletes the merged visitor.
    """

    # The composite indexes below lead with the workspace and with the contact: one-column
    # indexes on either would only be more to write per event stored.
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    event_id = models.CharField(
        max_length=128, help_text="The sender's id for the event; unique per workspace."
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    type = models.CharField(max_length=64)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=64, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="event_contact_timeline"),
            models.Index(fields=["workspace", "type", "-occurred_at"], name="event_workspace_type"),
            # GET /api/v1/events and the admin list: a workspace's newest events first.
            models.Index(
                fields=["workspace", "-occurred_at", "-id"], name="event_workspace_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M}"
