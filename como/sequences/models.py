"""Sequences, their versions, their members and each member's steps.

A :class:`Sequence` runs one approved :class:`SequenceVersion` at a time; editing makes a new
draft version that needs its own approval (one ``sequence_version_approve`` action). A
:class:`SequenceMember` is one person's way through a version; a :class:`MemberStep` is one
step they ran, unique per (member, step, occurrence), so each send happens once however often
the beat pass repeats (docs/architecture.md, "Sequences").
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from como.workspaces.scoping import WorkspaceOwned


class ReEntry(models.TextChoices):
    NEVER = "never", "Never: once per person"
    AFTER_EXIT = "after_exit", "Again once the previous membership ended"
    #: A source's occasions: again once ended, but never twice for the same occasion (the
    #: subject's ``ref``, or the whole subject without one), so a reminder that ran its course
    #: does not start over while its occasion stays due.
    NEW_SUBJECT = "new_subject", "Again once ended, for a new occasion (the subject's ref)"


class Sequence(WorkspaceOwned):
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    re_entry = models.CharField(max_length=12, choices=ReEntry.choices, default=ReEntry.NEVER)
    #: The vertical's default program this sequence was made from (como.sequences.defaults),
    #: switched on and off by the playbook's ``sequences_enabled``; blank for one made by hand.
    default_key = models.SlugField(max_length=64, blank=True)
    #: Off: nobody enters (a default program switched off in the playbook).
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="sequence_unique_key"),
            models.UniqueConstraint(
                fields=["workspace", "default_key"],
                condition=~Q(default_key=""),
                name="sequence_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.key


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    RETIRED = "retired", "Retired"


class SequenceVersion(WorkspaceOwned):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    #: The validated program (como.sequences.steps.Program): trigger, steps, exits.
    program = models.JSONField()
    state = models.CharField(max_length=10, choices=VersionState.choices, default="draft")
    #: The ``sequence_version_approve`` action; every send of this version is covered by it.
    approving_action = models.OneToOneField(
        "agents.AgentAction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_sequence_version",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["sequence"], condition=Q(state="approved"), name="version_one_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence_id} v{self.number} ({self.state})"


class MemberState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXITED = "exited", "Exited"
    COMPLETED = "completed", "Completed"


class SequenceMember(WorkspaceOwned):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="members")
    version = models.ForeignKey(SequenceVersion, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "leads.Contact", on_delete=models.CASCADE, related_name="sequence_memberships"
    )
    #: What the membership is about, as a source's entry gave it (plain JSON: {"vin": …}).
    subject = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=64, blank=True)
    #: How many steps the member ran: the occurrence of the next one.
    position = models.PositiveIntegerField(default=0)
    next_due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=MemberState.choices, default="active")
    exit_reason = models.CharField(max_length=60, blank=True)
    entered_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "contact"],
                condition=Q(state="active"),
                name="member_one_active_per_contact",
            )
        ]
        indexes = [
            # The beat pass: active members by due time.
            models.Index(fields=["next_due_at"], condition=Q(state="active"), name="member_due"),
            models.Index(fields=["contact"], name="member_contact"),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} in sequence {self.sequence_id} ({self.state})"


class Outcome(models.TextChoices):
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    BRANCHED = "branched", "Branched"
    WAITED = "waited", "Waited"
    EXITED = "exited", "Exited"


class MemberStep(WorkspaceOwned):
    """One step a member ran: what happened and why, as fields."""

    member = models.ForeignKey(SequenceMember, on_delete=models.CASCADE, related_name="steps")
    version = models.ForeignKey(SequenceVersion, on_delete=models.PROTECT, related_name="+")
    step_id = models.CharField(max_length=64)
    occurrence = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    #: Why: the condition asked (branch), the exit's reason, the wait's end; plain fields.
    condition = models.CharField(max_length=20, blank=True)
    matched = models.BooleanField(null=True, blank=True)
    reason = models.CharField(max_length=60, blank=True)
    next_step = models.CharField(max_length=64, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    #: The action that carried it out; an ad-audience step's members of one pass share one.
    action = models.ForeignKey(
        "agents.AgentAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["member_id", "occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "step_id", "occurrence"], name="member_step_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_id} #{self.occurrence}: {self.outcome}"
