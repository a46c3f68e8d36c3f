"""A sequence version's program as validated data: one pydantic model per step type, the entry
trigger and the exits. Stored as JSON on the version; read back through :func:`program_of`.

Steps run in list order unless a step names its ``next`` (a branch names both ways). A step id
is stable across versions, which is how an active member moves to a newly approved version: it
stays on the step with the same id.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from como.beat import crontab_fields

StepId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
#: How many steps one member may run in one pass (a loop of branches without a wait stops here).
MAX_STEPS_PER_PASS = 20


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: StepId
    #: The step after this one; absent: the next in the list (the end of the list completes).
    next: StepId | None = None


class SendStep(_Step):
    """A message on one channel; ``body`` is the template (a direct-mail step's letter). With
    ``written_consent_only`` the member is skipped (a decision with its why) unless the ledger
    holds their express written consent on the channel, rather than left to the gate's block."""

    type: Literal["send"]
    channel: Literal["email", "sms", "direct_mail"]
    subject: str = Field(default="", max_length=998)
    body: str = Field(min_length=1, max_length=64_000)
    html: str | None = Field(default=None, max_length=256_000)
    written_consent_only: bool = False

    @model_validator(mode="after")
    def _email_has_subject(self) -> SendStep:
        if self.channel == "email" and not self.subject.strip():
            raise ValueError("an email step needs a subject")
        return self


class LocalWindow(BaseModel):
    """A daily window in the workspace's local time: the member goes on at its next opening."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time


class AdAudienceStep(_Step):
    """Add the member to, or remove them from, a platform's customer-list audience. Members
    reaching such steps in one beat batch go in one action per audience and direction (the
    adapter sends them as one list)."""

    type: Literal["ad_audience"]
    platform: Literal["meta"] = "meta"
    #: The platform's id of the customer-list audience.
    audience_id: str = Field(pattern=r"^[0-9]{1,32}$")
    action: Literal["add", "remove"]


class WaitStep(_Step):
    type: Literal["wait"]
    minutes: int | None = Field(default=None, ge=1, le=366 * 24 * 60)
    until: LocalWindow | None = None

    @model_validator(mode="after")
    def _one_of(self) -> WaitStep:
        if (self.minutes is None) == (self.until is None):
            raise ValueError("a wait step takes either minutes or until (a local time window)")
        return self


class Condition(BaseModel):
    """What a branch asks of the member's history since they entered the sequence (or of their
    state now, for ``score`` and ``stage``; or of what the membership is about, for ``subject``:
    the subject holds ``properties`` with exactly these values)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: Literal["opened", "clicked", "event", "score", "stage", "subject"]
    event_type: str | None = Field(default=None, max_length=100)
    #: For ``event``: properties the event must carry with exactly these values.
    properties: dict[str, str | int | float | bool] = Field(default_factory=dict)
    score_at_least: float | None = None
    stages: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Condition:
        if self.on == "event" and not self.event_type:
            raise ValueError("an event condition needs event_type")
        if self.on == "score" and self.score_at_least is None:
            raise ValueError("a score condition needs score_at_least")
        if self.on == "stage" and not self.stages:
            raise ValueError("a stage condition needs stages")
        if self.on == "subject" and not self.properties:
            raise ValueError("a subject condition needs properties")
        return self


class BranchStep(_Step):
    type: Literal["branch"]
    condition: Condition
    yes: StepId
    no: StepId


class ExitStep(_Step):
    type: Literal["exit"]
    reason: str = Field(default="goal", min_length=1, max_length=40)


Step = Annotated[
    SendStep | AdAudienceStep | WaitStep | BranchStep | ExitStep, Field(discriminator="type")
]


SourceKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")]


class Trigger(BaseModel):
    """How people enter: an event of a type (with a property filter), a move to a stage, a
    schedule over an audience (a crontab and either the audience's stages or a saved audience,
    ``audience_id``, whose rule as approved is what runs), or a vertical's own source (a crontab
    and the source's key: :mod:`como.sequences.sources`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: Literal["event", "stage", "schedule", "source", "manual"]
    event_type: str | None = Field(default=None, max_length=100)
    properties: dict[str, str | int | float | bool] = Field(default_factory=dict)
    stage: str | None = None
    crontab: str | None = None
    audience_stages: list[str] = Field(default_factory=list)
    #: A saved audience (como.audiences) of the sequence's workspace.
    audience_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    source: SourceKey | None = None

    @model_validator(mode="after")
    def _complete(self) -> Trigger:
        if self.on == "event" and not self.event_type:
            raise ValueError("an event trigger needs event_type")
        if self.on == "stage" and not self.stage:
            raise ValueError("a stage trigger needs stage")
        if self.on == "schedule":
            if not self.crontab or bool(self.audience_stages) == (self.audience_id is not None):
                raise ValueError(
                    "a schedule trigger needs crontab and either audience_stages or audience_id"
                )
            crontab_fields(self.crontab)  # a ValueError names what is wrong
        if self.on == "source":
            if not (self.crontab and self.source):
                raise ValueError("a source trigger needs crontab and source")
            crontab_fields(self.crontab)
        return self

    @property
    def scheduled(self) -> bool:
        """Whether people enter on the trigger's crontab (a beat row per sequence)."""
        return self.on in ("schedule", "source") and bool(self.crontab)


class Exit(BaseModel):
    """A goal or exit checked before every step: the member leaves with this as the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: Literal["converted", "became_sql", "opted_out", "event"]
    event_type: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _complete(self) -> Exit:
        if self.on == "event" and not self.event_type:
            raise ValueError("an event exit needs event_type")
        return self

    @property
    def reason(self) -> str:
        return f"event:{self.event_type}" if self.on == "event" else self.on


class Program(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trigger: Trigger
    steps: list[Step] = Field(min_length=1, max_length=100)
    exits: list[Exit] = Field(default_factory=list, max_length=20)
    #: The source whose ``context()`` the sends read, for an event or stage trigger (a source
    #: trigger's own source gives context without naming it here).
    context_source: SourceKey | None = None

    @model_validator(mode="after")
    def _ids(self) -> Program:
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        known = set(ids)
        for step in self.steps:
            targets = [step.next] + ([step.yes, step.no] if isinstance(step, BranchStep) else [])
            for target in targets:
                if target is not None and target not in known:
                    raise ValueError(f"step {step.id!r} names an unknown step {target!r}")
        return self

    @property
    def source_key(self) -> str | None:
        """The source that gives the sends their context, if any."""
        if self.context_source:
            return self.context_source
        return self.trigger.source if self.trigger.on == "source" else None

    def by_id(self) -> dict[str, Any]:
        return {step.id: step for step in self.steps}

    def after(self, step_id: str) -> str | None:
        """The id of the step that follows ``step_id`` when it names none; None at the end."""
        steps = self.steps
        for index, step in enumerate(steps):
            if step.id == step_id:
                if step.next is not None:
                    return step.next
                return steps[index + 1].id if index + 1 < len(steps) else None
        return None


_PROGRAM = TypeAdapter(Program)


def program_of(data: Any) -> Program:
    """The program from stored or posted JSON; pydantic's ValidationError otherwise."""
    return _PROGRAM.validate_python(data)
