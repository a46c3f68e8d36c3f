"""Per-vehicle execution inside one action: each (vehicle, channel, operation) is a
:class:`~verticals.automotive.ads.models.VehicleAdStep`, sent at most once in effect.

A step that is ``done``, ``failed`` (the platform refused it) or ``skipped`` is never sent
again; a ``pending`` one is (after a crash, or a transient error), with the same idempotency
key ``{action}:{vehicle}:{channel}:{operation}``, so the platform (and the sandbox, which
dedupes by key) sees one request. A platform refusal fails that step only; a transient error
leaves it pending, lets the others finish, and then raises :class:`TransientError` so the
action is retried: the steps done are not repeated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from como.agents.models import AgentAction
from como.channels.base import adapter_for_kind
from como.channels.errors import ChannelRejected, PayloadInvalid, TransientError
from como.workspaces.models import Workspace

from ..models import StepStatus, VehicleAdStep


@dataclass
class StepAction:
    """What the channel adapter reads of one vehicle's part of the action
    (:class:`como.channels.base.ActionLike`)."""

    pk: Any
    workspace: Workspace
    workspace_id: int
    kind: str
    channel: str
    payload: Mapping[str, Any]
    target_type: str = "vehicle"
    target_id: str = ""


@dataclass
class Send:
    """One step of :meth:`Run.send_many`: what goes, ``ref`` what the caller keeps with it,
    and ``result`` the platform's answer once it went."""

    step: VehicleAdStep
    kind: str
    payload: Mapping[str, Any]
    ref: Any = None
    result: dict[str, Any] | None = None


#: Steps per transaction of :meth:`Run.send_many`.
SEND_BATCH = 100


def step_key(action: AgentAction, vehicle_id: int | str, channel: str, operation: str) -> str:
    return f"{action.pk}:{vehicle_id}:{channel}:{operation}"


@dataclass
class Run:
    """One execution attempt of an action, step by step."""

    action: AgentAction
    results: list[dict[str, Any]] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    _steps: dict[tuple[int, str, str], VehicleAdStep] = field(default_factory=dict)

    def prepare(self, parts: Iterable[tuple[int, str, str]]) -> None:
        """Every step of ``parts`` ((vehicle, channel, operation)) recorded at once, those of
        an earlier attempt kept as they are: one INSERT and one SELECT for the whole action
        rather than a round trip and a commit per vehicle before its call."""
        wanted = set(parts)
        VehicleAdStep.objects.bulk_create(
            [
                VehicleAdStep(
                    workspace_id=self.action.workspace_id,
                    action=self.action,
                    vehicle_id=vehicle_id,
                    channel=channel,
                    operation=operation,
                )
                for vehicle_id, channel, operation in sorted(wanted)
            ],
            ignore_conflicts=True,
        )
        for step in VehicleAdStep.objects.filter(action=self.action):
            self._steps[(step.vehicle_id, step.channel, step.operation)] = step

    def prepared(self, vehicle_id: int, channel: str, operation: str) -> VehicleAdStep:
        """A step :meth:`prepare` recorded, whatever its status."""
        return self._steps[(vehicle_id, channel, operation)]

    def step(self, vehicle_id: int, channel: str, operation: str) -> VehicleAdStep | None:
        """The step, when it is still to be sent; None (its result noted) when settled."""
        step = self._steps.get((vehicle_id, channel, operation))
        if step is None:
            step, _ = VehicleAdStep.objects.get_or_create(
                workspace_id=self.action.workspace_id,
                action=self.action,
                vehicle_id=vehicle_id,
                channel=channel,
                operation=operation,
            )
        if step.status != StepStatus.PENDING:
            self.note(step)
            return None
        return step

    def note(self, step: VehicleAdStep) -> None:
        entry: dict[str, Any] = {
            "vehicle_id": step.vehicle_id,
            "channel": step.channel,
            "operation": step.operation,
            "status": step.status,
        }
        if step.external_id:
            entry["external_id"] = step.external_id
        if step.error:
            entry["error" if step.status != StepStatus.SKIPPED else "reason"] = step.error
        self.results.append(entry)

    def skip(self, step: VehicleAdStep, reason: str) -> None:
        step.status, step.error = StepStatus.SKIPPED, reason
        step.save(update_fields=["status", "error", "updated_at"])
        self.note(step)

    def send(
        self,
        step: VehicleAdStep,
        kind: str,
        payload: Mapping[str, Any],
        *,
        before: Callable[[], None] | None = None,
        done: Callable[[Mapping[str, Any]], None] | None = None,
        failed: Callable[[str], None] | None = None,
    ) -> Mapping[str, Any] | None:
        """Send the step through the adapter of ``kind``; record the outcome (and call the
        matching hook in the same transaction). The result, or None when it did not go."""
        adapter = adapter_for_kind(kind)
        if adapter is None:
            raise LookupError(f"No channel adapter sends {kind!r}.")
        step.attempts += 1
        step.save(update_fields=["attempts", "updated_at"])
        if before is not None:
            before()
        key = step_key(self.action, step.vehicle_id, step.channel, step.operation)
        part = StepAction(
            pk=self.action.pk,
            workspace=self.action.workspace,
            workspace_id=self.action.workspace_id,
            kind=kind,
            channel=step.channel,
            payload=payload,
            target_id=str(step.vehicle_id),
        )
        try:
            result = dict(adapter.execute(part, key))
        except (PayloadInvalid, ChannelRejected) as error:
            with transaction.atomic():
                step.status, step.error = StepStatus.FAILED, str(error)
                step.save(update_fields=["status", "error", "updated_at"])
                if failed is not None:
                    failed(str(error))
            self.note(step)
            return None
        except TransientError as error:
            step.error = f"attempt {step.attempts}: {error}"
            step.save(update_fields=["error", "updated_at"])
            self.transient.append(f"vehicle {step.vehicle_id} on {step.channel}: {error}")
            self.note(step)
            return None
        with transaction.atomic():
            step.status, step.error = StepStatus.DONE, ""
            step.external_id = str(result.get("external_id") or "")[:255]
            step.result = {k: v for k, v in result.items() if k != "sandbox"}
            step.save(update_fields=["status", "error", "external_id", "result", "updated_at"])
            if done is not None:
                done(result)
        self.note(step)
        return result

    def send_many(
        self, sends: Sequence[Send], *, done: Callable[[list[Send]], None] | None = None
    ) -> None:
        """Send each of ``sends`` as :meth:`send` does (same keys, same outcomes per step),
        :data:`SEND_BATCH` at a time: one UPDATE counts a batch's attempts, then the calls go
        and one transaction records the batch's outcomes (one UPDATE) with ``done`` called on
        the steps sent. Per step, :meth:`send` made three commits and five round trips, which
        were most of a 500-vehicle pause. A crash during a batch leaves its steps pending: they
        go again under the same keys (the sandbox answers what it recorded, a platform
        dedupes by key; a pause sent twice pauses once)."""
        for start in range(0, len(sends), SEND_BATCH):
            batch = sends[start : start + SEND_BATCH]
            steps = [item.step for item in batch]
            VehicleAdStep.objects.filter(pk__in=[step.pk for step in steps]).update(
                attempts=F("attempts") + 1, updated_at=timezone.now()
            )
            for step in steps:
                step.attempts += 1
            with transaction.atomic():
                sent = [item for item in batch if self._send_one(item)]
                at = timezone.now()
                for step in steps:
                    step.updated_at = at
                VehicleAdStep.objects.bulk_update(
                    steps, ["status", "error", "external_id", "result", "updated_at"]
                )
                if done is not None and sent:
                    done(sent)
            for step in steps:
                self.note(step)

    def _send_one(self, item: Send) -> bool:
        """One call of :meth:`send_many`; the outcome set on the step (not saved)."""
        step = item.step
        adapter = adapter_for_kind(item.kind)
        if adapter is None:
            raise LookupError(f"No channel adapter sends {item.kind!r}.")
        part = StepAction(
            pk=self.action.pk,
            workspace=self.action.workspace,
            workspace_id=self.action.workspace_id,
            kind=item.kind,
            channel=step.channel,
            payload=item.payload,
            target_id=str(step.vehicle_id),
        )
        key = step_key(self.action, step.vehicle_id, step.channel, step.operation)
        try:
            result = dict(adapter.execute(part, key))
        except (PayloadInvalid, ChannelRejected) as error:
            step.status, step.error = StepStatus.FAILED, str(error)
            return False
        except TransientError as error:
            step.error = f"attempt {step.attempts}: {error}"
            self.transient.append(f"vehicle {step.vehicle_id} on {step.channel}: {error}")
            return False
        step.status, step.error = StepStatus.DONE, ""
        step.external_id = str(result.get("external_id") or "")[:255]
        step.result = {k: v for k, v in result.items() if k != "sandbox"}
        item.result = result
        return True

    def finish(self, **extra: Any) -> dict[str, Any]:
        """The action's result: counts per status and per-vehicle results; raises
        TransientError (after every other step went) when one must be tried again."""
        if self.transient:
            raise TransientError(
                f"{len(self.transient)} step(s) to try again: " + "; ".join(self.transient[:5])
            )
        counts = Counter(entry["status"] for entry in self.results)
        return {
            "counts": {status: counts.get(status, 0) for status in StepStatus.values},
            "vehicles": self.results,
            **extra,
        }
