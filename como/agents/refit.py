"""The scoring-refit agent: learn the rule weights from outcomes, propose them as a new version.

Sales tells us which MQLs were worth it: a contact that went on to SQL, opportunity or customer
is a **positive** outcome; one sales sent back (``recycled``) is a **negative** one (the stages
have no "lost": a lost opportunity was still accepted by sales, so for the MQL→SQL question it is
positive). From those contacts this agent fits a logistic regression over the *rules* of the
active model, translates the coefficients back into rule points, backtests old against new on
held-out outcomes, and proposes the new version through
:func:`como.agents.services.action_propose`. Approving the action activates the version (the
executor below), which re-scores the workspace in the background as any new version does.

**Features.** One column per rule of the active model, the rule's structure untouched:

- a fit rule: 1 when it matches the contact, else 0;
- an intent rule: the events it counted (caps applied, exactly as the engine counts them),
  each decayed to the instant the contact is scored at: ``Σ (1 - r)^(age / quarter)``. The
  rule's score is its points times this, so a coefficient per column *is* a number of points
  per event (fit: per match), and the fitted score is again a plain rule model.

**When (leakage).** A contact is scored as it stood when it became an MQL: the instant of its
last transition *to* ``mql`` before its outcome, with the events up to then. That is the
moment the model's decision was made and the one the threshold is about; what happens after
the handoff is sales' doing (meetings booked, the trial sales set up, a customer reading the
docs) and would teach the model to recognise a contact sales already accepted. A contact that
reached its outcome without passing MQL (moved by hand) is scored just before its outcome
transition. A contact whose stage was *set* to an outcome with no transition recorded (an
import) cannot be placed in time and is left out; the rationale counts them. Fit is evaluated
on the contact's attributes as they are now (attributes are not versioned), with the lifecycle
stage it had at that instant. Each contact counts once: positive if it ever reached SQL or later
(its last MQL before that), otherwise negative at its first recycle.

**Fit and split.** Contacts in id order, a stratified split (:data:`HELD_OUT_SHARE` held out,
seed :data:`SPLIT_SEED`); standardised columns and scikit-learn's ``LogisticRegression``
(L2, ``C`` = :data:`REGULARISATION_C`) fitted on the training part, the coefficients mapped
back to raw units. A rule that fired for fewer than :data:`MIN_RULE_SUPPORT` training contacts
(or for all of them) has no evidence either way: it keeps its points and stays out of the fit.

**Scale.** The threshold keeps its number, and keeps a meaning: points are ``s · β`` with
``s = threshold / (logit(p̄) - b)``, where ``b`` is the fitted log-odds of a contact no rule
matches and ``p̄`` the training base rate, so a contact exactly at the threshold is predicted to
convert as often as the average outcome so far (above it: better than average). ``min_fit``, if
the model has one, is scaled with the fit points (by the ratio of the positive fit points new to
old). Points are rounded to :data:`POINTS_DECIMALS` decimals. Decay, caps, conditions, labels
and the market stay as they are.

**Backtest.** On the held-out contacts, both versions score each contact with the engine at its
instant: the AUC of each score against the outcomes (``roc_auc_score``) and, among the contacts
each version would have made an MQL at that instant (its threshold and ``min_fit``), the share
that reached SQL. Nothing is proposed with fewer than :data:`MIN_OUTCOMES` outcomes or fewer
than :data:`MIN_PER_CLASS` of either kind, nor when the new weights do not rank the held-out
contacts better than the active ones: the result says why instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction

from como.leads.models import Contact, Event, LifecycleStage, LifecycleTransition
from como.scoring.decay import decay_factor
from como.scoring.engine import (
    CompiledModel,
    compile_model,
    evaluate_fit,
    evaluate_intent,
    score_at,
)
from como.scoring.inputs import (
    EVENT_COLUMNS,
    account_snapshot,
    compiled,
    contact_snapshot,
    event_record,
)
from como.scoring.models import ScoringModel, definition_errors
from como.scoring.services import scoring_model_active, scoring_model_create_version
from como.scoring.snapshots import EventRecord
from como.workspaces.models import Workspace

from .models import ActionApproval, ActionStatus, AgentAction, Risk
from .registry import AgentSpec, agent_enabled
from .services import ActionDraft, action_propose, action_supersede

logger = logging.getLogger(__name__)

AGENT = "scoring_refit"
KIND = "scoring_model_version"

REFIT_AGENT = AgentSpec(
    key=AGENT,
    name="Scoring refit",
    description="Fits the scoring rules' points to the outcomes sales recorded (SQL and later "
    "versus recycled) and proposes them as a new scoring model version, with a backtest on "
    "held-out outcomes.",
    kinds=(KIND,),
    triggers=("schedule",),
)

#: Stages that make an MQL a positive outcome (sales accepted it) and a negative one.
POSITIVE_STAGES: tuple[str, ...] = (
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
)
NEGATIVE_STAGES: tuple[str, ...] = (LifecycleStage.RECYCLED,)

#: Fewer outcomes than this, or fewer than MIN_PER_CLASS of either kind: nothing is proposed.
MIN_OUTCOMES = 50
MIN_PER_CLASS = 10
#: The most recent outcomes used (bounds the work of one run).
MAX_OUTCOMES = 20_000
#: A rule must fire for this many training contacts (and not for all) to be refitted.
MIN_RULE_SUPPORT = 5
HELD_OUT_SHARE = 0.3
SPLIT_SEED = 20_260_101
#: Inverse L2 strength on standardised columns: mild shrinkage of rules with little evidence.
REGULARISATION_C = 1.0
POINTS_DECIMALS = 1
#: Contacts whose events are read per query.
CHUNK = 2_000


# --- What a run found ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One contact with a known outcome, and the instant it is scored at."""

    contact_id: int
    positive: bool
    at: datetime
    #: "mql" (the moment it became an MQL) or "outcome" (just before its outcome)
    anchored_on: str
    #: its lifecycle stage at that instant (what a fit rule on the stage would have seen)
    stage: str
    outcome_at: datetime


@dataclass(frozen=True)
class Backtest:
    based_on_version: int
    positives: int
    negatives: int
    anchored_at_mql: int
    anchored_before_outcome: int
    #: contacts in an outcome stage with no transition recorded into it (left out)
    unplaced: int
    trained_on: int
    #: the held-out contacts, by id, and their outcomes (1 positive, 0 negative), in order
    held_out: tuple[int, ...]
    held_out_outcomes: tuple[int, ...]
    auc_old: float
    auc_new: float
    mqls_old: int
    mqls_new: int
    #: MQL→SQL rate among the held-out contacts each version makes MQL (None: it makes none)
    rate_old: float | None
    rate_new: float | None

    @property
    def outcomes(self) -> int:
        return self.positives + self.negatives

    def as_data(self) -> dict[str, Any]:
        return {
            "based_on_version": self.based_on_version,
            "positives": self.positives,
            "negatives": self.negatives,
            "anchored_at_mql": self.anchored_at_mql,
            "anchored_before_outcome": self.anchored_before_outcome,
            "unplaced": self.unplaced,
            "trained_on": self.trained_on,
            "held_out": len(self.held_out),
            "auc_old": self.auc_old,
            "auc_new": self.auc_new,
            "mqls_old": self.mqls_old,
            "mqls_new": self.mqls_new,
            "rate_old": self.rate_old,
            "rate_new": self.rate_new,
        }


@dataclass(frozen=True)
class RuleChange:
    key: str
    kind: str  # "fit" | "intent"
    old: float
    new: float
    #: training contacts it fired for; below MIN_RULE_SUPPORT (or all of them) it was kept
    support: int
    fitted: bool


class RefitStatus(models.TextChoices):
    """What a refit run did (the task's result)."""

    PROPOSED = "proposed", "A new version is proposed"
    NOT_ENOUGH_OUTCOMES = "not_enough_outcomes", "Too few outcomes to fit on"
    CANNOT_FIT = "cannot_fit", "No rule, or no threshold, to fit"
    NO_IMPROVEMENT = "no_improvement", "The refit does not rank held-out outcomes better"
    UNCHANGED = "unchanged", "The refit gives every rule the points it has"
    DISABLED = "disabled", "The agent is switched off"


class CannotFit(Exception):
    """Why the outcomes give no new weights (the message is the reason, for the result)."""


@dataclass(frozen=True)
class Fitted:
    definition: dict[str, Any]
    changes: tuple[RuleChange, ...]


@dataclass(frozen=True)
class RefitResult:
    status: RefitStatus
    message: str
    action: AgentAction | None = None
    definition: dict[str, Any] | None = None
    backtest: Backtest | None = None
    changes: tuple[RuleChange, ...] = field(default=())


# --- The run ---------------------------------------------------------------------------------


def scoring_refit_run(*, workspace: Workspace) -> RefitResult:
    """Refit the workspace's active scoring model on its outcomes and propose the result.

    Does nothing when the agent is switched off in the playbook. Returns what happened; when
    nothing is proposed, ``message`` says why (also logged)."""
    if not agent_enabled(workspace, AGENT):
        return _quiet(RefitStatus.DISABLED, f"The {AGENT} agent is switched off in the playbook.")
    model = scoring_model_active(workspace=workspace)
    engine = compiled(model)
    outcomes, unplaced = outcomes_known(workspace=workspace)
    positives = sum(1 for o in outcomes if o.positive)
    negatives = len(outcomes) - positives
    if len(outcomes) < MIN_OUTCOMES or positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        message = (
            f"not enough outcomes: {positives} positive, {negatives} negative, need at least "
            f"{MIN_OUTCOMES} with at least {MIN_PER_CLASS} of each"
        )
        if unplaced:
            message += f" ({unplaced} in an outcome stage without a recorded transition left out)"
        return _quiet(RefitStatus.NOT_ENOUGH_OUTCOMES, message + ".")
    data = _dataset(workspace, engine, outcomes)
    split = _split(data.labels)
    try:
        fitted = _fit(model, engine, data, split)
    except CannotFit as why:
        return _quiet(RefitStatus.CANNOT_FIT, str(why))
    definition, changes = fitted.definition, fitted.changes
    if definition == model.definition:
        return _quiet(
            RefitStatus.UNCHANGED, "The refit gives every rule the points it has already."
        )
    backtest = _backtest(model, engine, definition, data, split, unplaced)
    if backtest.auc_new <= backtest.auc_old:
        return _quiet(
            RefitStatus.NO_IMPROVEMENT,
            f"The refitted weights do not rank held-out outcomes better than v{model.version} "
            f"(AUC {backtest.auc_new:.3f} against {backtest.auc_old:.3f}); nothing proposed.",
            definition=definition,
            backtest=backtest,
            changes=changes,
        )
    action = _propose(workspace, model, definition, backtest, changes)
    return RefitResult(
        RefitStatus.PROPOSED,
        f"Proposed scoring model v{model.version} refitted as action {action.pk}.",
        action,
        definition,
        backtest,
        changes,
    )


def _quiet(status: RefitStatus, message: str, **extra: Any) -> RefitResult:
    logger.info("scoring refit: %s", message)
    return RefitResult(status, message, **extra)


def outcomes_known(*, workspace: Workspace) -> tuple[list[Outcome], int]:
    """The workspace's contacts with a known outcome, each placed at the instant it is scored
    at (see the module docstring), in contact id order; and how many contacts are in an
    outcome stage with no recorded transition into one (left out)."""
    outcome_stages = (*POSITIVE_STAGES, *NEGATIVE_STAGES)
    with_outcome = LifecycleTransition.objects.filter(
        workspace=workspace, to_stage__in=outcome_stages
    ).values("contact_id")
    rows = (
        LifecycleTransition.objects.filter(
            workspace=workspace,
            contact_id__in=with_outcome,
            to_stage__in=(*outcome_stages, LifecycleStage.MQL),
        )
        .order_by("contact_id", "at", "id")
        .values_list("contact_id", "from_stage", "to_stage", "at")
    )
    by_contact: dict[int, list[tuple[str, str, datetime]]] = {}
    for contact_id, from_stage, to_stage, at in rows.iterator(chunk_size=CHUNK):
        by_contact.setdefault(contact_id, []).append((from_stage, to_stage, at))
    outcomes = [_placed(pk, moves) for pk, moves in by_contact.items()]
    placed = [o for o in outcomes if o is not None]
    # The most recent outcomes when there are too many, then in id order (the split's order).
    placed.sort(key=lambda o: o.outcome_at, reverse=True)
    placed = sorted(placed[:MAX_OUTCOMES], key=lambda o: o.contact_id)
    unplaced = (
        Contact.objects.filter(workspace=workspace, lifecycle_stage__in=outcome_stages)
        .exclude(pk__in=with_outcome)
        .count()
    )
    return placed, unplaced


def _placed(contact_id: int, moves: Sequence[tuple[str, str, datetime]]) -> Outcome | None:
    """The outcome of one contact from its MQL and outcome transitions (in time order)."""
    end = next((i for i, move in enumerate(moves) if move[1] in POSITIVE_STAGES), None)
    positive = end is not None
    if end is None:
        end = next((i for i, move in enumerate(moves) if move[1] in NEGATIVE_STAGES), None)
    if end is None:
        return None
    outcome_from, _, outcome_at = moves[end]
    mql = next((move for move in reversed(moves[:end]) if move[1] == LifecycleStage.MQL), None)
    if mql is not None:
        return Outcome(contact_id, positive, mql[2], "mql", mql[0], outcome_at)
    # Just before the outcome: timestamps are in microseconds, so nothing lies in between.
    just_before = outcome_at - timedelta(microseconds=1)
    return Outcome(contact_id, positive, just_before, "outcome", outcome_from, outcome_at)


# --- Features --------------------------------------------------------------------------------


@dataclass
class _Dataset:
    keys: list[str]
    kinds: list[str]
    #: features, one row per outcome (contact id order)
    rows: list[list[float]]
    labels: list[int]
    #: per outcome, what the engine needs to score it again at its instant
    subjects: list[tuple[Any, Any, list[EventRecord], datetime]]
    #: the outcomes of the rows (a contact deleted meanwhile has none)
    outcomes: list[Outcome]


def _dataset(workspace: Workspace, engine: CompiledModel, outcomes: Sequence[Outcome]) -> _Dataset:
    keys = [rule.key for rule in engine.fit] + [rule.key for rule in engine.intent]
    kinds = ["fit"] * len(engine.fit) + ["intent"] * len(engine.intent)
    column = {key: i for i, key in enumerate(keys)}
    rate = engine.rate_per_quarter
    data = _Dataset(keys, kinds, [], [], [], [])
    for chunk in _chunks(outcomes, CHUNK):
        ids = [o.contact_id for o in chunk]
        contacts = Contact.objects.filter(workspace=workspace, pk__in=ids).select_related("account")
        by_id = {contact.pk: contact for contact in contacts}
        latest = max(o.at for o in chunk)
        events: dict[int, list[EventRecord]] = {pk: [] for pk in ids}
        stored = Event.objects.filter(
            workspace=workspace, contact_id__in=ids, occurred_at__lte=latest
        ).values_list("contact_id", *EVENT_COLUMNS)
        for contact_id, *row in stored.iterator(chunk_size=CHUNK):
            events[contact_id].append(event_record(*row))
        for outcome in chunk:
            contact = by_id.get(outcome.contact_id)
            if contact is None:  # deleted since its outcome was read
                continue
            snapshot = replace(contact_snapshot(contact), lifecycle_stage=outcome.stage)
            account = account_snapshot(contact.account)
            history = [e for e in events[outcome.contact_id] if e.occurred_at <= outcome.at]
            features = [0.0] * len(keys)
            for key, _points in evaluate_fit(engine, snapshot, account):
                features[column[key]] = 1.0
            for counted in evaluate_intent(engine, history, outcome.at):
                features[column[counted.rule]] += decay_factor(
                    rate, counted.occurred_at, outcome.at
                )
            data.rows.append(features)
            data.labels.append(1 if outcome.positive else 0)
            data.subjects.append((snapshot, account, history, outcome.at))
            data.outcomes.append(outcome)
    return data


def _chunks(items: Sequence[Outcome], size: int) -> Iterable[Sequence[Outcome]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Fit and translate -----------------------------------------------------------------------


@dataclass
class _Split:
    train: list[int]
    test: list[int]


def _split(labels: Sequence[int]) -> _Split:
    from sklearn.model_selection import train_test_split

    indices = list(range(len(labels)))
    train, test = train_test_split(
        indices, test_size=HELD_OUT_SHARE, stratify=list(labels), random_state=SPLIT_SEED
    )
    return _Split(sorted(train), sorted(test))


def _fit(model: ScoringModel, engine: CompiledModel, data: _Dataset, split: _Split) -> Fitted:
    """The new definition and the per-rule changes; raises :class:`CannotFit` saying why there
    is none."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(data.rows, dtype=float).reshape(len(data.rows), len(data.keys))
    y = np.asarray(data.labels)
    x_train, y_train = x[split.train], y[split.train]
    support = (x_train != 0).sum(axis=0)
    columns = [
        j for j in range(len(data.keys)) if MIN_RULE_SUPPORT <= support[j] < len(split.train)
    ]
    if not columns:
        raise CannotFit(
            f"No rule of v{model.version} fired for at least {MIN_RULE_SUPPORT} (and not all) of "
            f"the {len(split.train)} training contacts: there is nothing to fit."
        )
    chosen = x_train[:, columns]
    mean, spread = chosen.mean(axis=0), chosen.std(axis=0)
    regression = LogisticRegression(C=REGULARISATION_C, max_iter=1_000)
    regression.fit((chosen - mean) / spread, y_train)
    beta = regression.coef_[0] / spread
    intercept = float(regression.intercept_[0] - (regression.coef_[0] * mean / spread).sum())
    base_rate = float(y_train.mean())
    threshold = engine.threshold
    room = math.log(base_rate / (1.0 - base_rate)) - intercept
    if threshold <= 0 or room <= 0:
        raise CannotFit(
            "The fitted weights put a contact that no rule matches at or above the average "
            f"outcome ({base_rate:.1%} positive), so no positive threshold separates better "
            "than average contacts: nothing proposed."
        )
    scale = threshold / room
    old = model_points(engine)
    new_points = dict(old)
    for j, b in zip(columns, beta, strict=True):
        new_points[data.keys[j]] = round(float(scale * b), POINTS_DECIMALS) + 0.0
    definition = _with_points(model.definition, new_points)
    old_fit = sum(max(0.0, rule.points) for rule in engine.fit)
    new_fit = sum(max(0.0, new_points[rule.key]) for rule in engine.fit)
    if engine.min_fit is not None and old_fit > 0 and new_fit > 0:
        definition["min_fit"] = round(engine.min_fit * new_fit / old_fit, POINTS_DECIMALS) + 0.0
    errors = definition_errors(definition)
    if errors:  # the structure is the active version's, so this would be a bug here
        raise ValueError("The refitted definition does not validate: " + "; ".join(errors))
    changes = tuple(
        RuleChange(
            key=key,
            kind=data.kinds[j],
            old=old[key],
            new=new_points[key],
            support=int(support[j]),
            fitted=j in columns,
        )
        for j, key in enumerate(data.keys)
    )
    return Fitted(definition, changes)


def model_points(engine: CompiledModel) -> dict[str, float]:
    """Every rule's points, by key."""
    points = {rule.key: rule.points for rule in engine.fit}
    points.update({rule.key: rule.points for rule in engine.intent})
    return points


def _with_points(definition: Mapping[str, Any], points: Mapping[str, float]) -> dict[str, Any]:
    """A copy of ``definition`` with each rule's points replaced (nothing else changes)."""
    copy: dict[str, Any] = json.loads(json.dumps(definition))
    for section in ("fit", "intent"):
        for rule in copy.get(section) or []:
            value = points[rule["key"]]
            rule["points"] = int(value) if float(value).is_integer() else value
    return copy


# --- Backtest --------------------------------------------------------------------------------


def _backtest(
    model: ScoringModel,
    engine: CompiledModel,
    definition: Mapping[str, Any],
    data: _Dataset,
    split: _Split,
    unplaced: int,
) -> Backtest:
    from sklearn.metrics import roc_auc_score

    proposed = compile_model(definition)
    truth = [data.labels[i] for i in split.test]
    old_scores, new_scores = [], []
    for i in split.test:
        snapshot, account, history, at = data.subjects[i]
        old_scores.append(score_at(engine, snapshot, account, history, at))
        new_scores.append(score_at(proposed, snapshot, account, history, at))

    def rate(scores: Sequence[Any]) -> tuple[int, float | None]:
        made = [label for label, score in zip(truth, scores, strict=True) if score.is_mql]
        return len(made), (sum(made) / len(made) if made else None)

    mqls_old, rate_old = rate(old_scores)
    mqls_new, rate_new = rate(new_scores)
    positives = sum(data.labels)
    return Backtest(
        based_on_version=model.version,
        positives=positives,
        negatives=len(data.labels) - positives,
        anchored_at_mql=sum(1 for o in data.outcomes if o.anchored_on == "mql"),
        anchored_before_outcome=sum(1 for o in data.outcomes if o.anchored_on == "outcome"),
        unplaced=unplaced,
        trained_on=len(split.train),
        held_out=tuple(data.outcomes[i].contact_id for i in split.test),
        held_out_outcomes=tuple(truth),
        auc_old=float(roc_auc_score(truth, [s.score for s in old_scores])),
        auc_new=float(roc_auc_score(truth, [s.score for s in new_scores])),
        mqls_old=mqls_old,
        mqls_new=mqls_new,
        rate_old=rate_old,
        rate_new=rate_new,
    )


# --- The proposal ----------------------------------------------------------------------------


def definition_digest(definition: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


def _propose(
    workspace: Workspace,
    model: ScoringModel,
    definition: dict[str, Any],
    backtest: Backtest,
    changes: Sequence[RuleChange],
) -> AgentAction:
    digest = definition_digest(definition)
    with transaction.atomic():
        proposed = action_propose(
            workspace=workspace,
            proposer=workspace.agent_user,
            draft=ActionDraft(
                agent=AGENT,
                kind=KIND,
                idempotency_key=f"{AGENT}:v{model.version}:{digest[:32]}",
                rationale=rationale(backtest),
                preview=preview(model, definition, changes),
                target_type="scoring_model",
                target_id=model.pk,
                payload={
                    "based_on_version": model.version,
                    "definition": definition,
                    "definition_sha256": digest,
                    "backtest": backtest.as_data(),
                },
                risk=Risk.MEDIUM,
            ),
        )
        # An undecided older refit is obsolete: this one saw more outcomes or another model.
        older = AgentAction.objects.filter(
            workspace=workspace, agent=AGENT, kind=KIND, status=ActionStatus.PROPOSED
        ).exclude(pk=proposed.action.pk)
        for stale in older:
            action_supersede(
                action=stale,
                note=f"A newer scoring refit replaces it (action {proposed.action.pk}).",
            )
    return proposed.action


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def rationale(backtest: Backtest) -> str:
    """The backtest as a table, for the approver."""
    b = backtest
    v = f"v{b.based_on_version} (active)"
    held = len(b.held_out)
    held_pos = sum(b.held_out_outcomes)
    lines = [
        f"Refit of scoring model v{b.based_on_version} on {b.outcomes} contacts with a known "
        f"outcome: {b.positives} reached SQL or later, {b.negatives} were recycled.",
        f"Each is scored as it stood when it became an MQL ({b.anchored_at_mql}) or, if it never "
        f"was one, just before its outcome ({b.anchored_before_outcome}), so what sales did "
        "afterwards does not leak in."
        + (
            f" {b.unplaced} contacts in an outcome stage without a recorded transition were "
            "left out."
            if b.unplaced
            else ""
        ),
        f"Backtest on {held} held-out contacts ({held_pos} positive, {held - held_pos} negative), "
        f"fitted on the other {b.trained_on} (stratified split, seed {SPLIT_SEED}).",
        "",
        f"{'':<22} {v:>14} {'proposed':>12}",
        f"{'AUC':<22} {b.auc_old:>14.3f} {b.auc_new:>12.3f}",
        f"{'MQLs at the threshold':<22} {f'{b.mqls_old} of {held}':>14} "
        f"{f'{b.mqls_new} of {held}':>12}",
        f"{'MQL→SQL rate':<22} {_percent(b.rate_old):>14} {_percent(b.rate_new):>12}",
    ]
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def preview(
    model: ScoringModel, definition: Mapping[str, Any], changes: Sequence[RuleChange]
) -> str:
    """Rule points, old → new."""
    v = f"v{model.version}"
    lines = [f"{'rule':<28} {'kind':<7} {v:>8} {'proposed':>9} {'change':>8}"]
    for change in changes:
        delta = change.new - change.old
        note = "" if change.fitted else f"  kept: fired for {change.support} training contacts"
        lines.append(
            f"{change.key:<28} {change.kind:<7} {change.old:>8g} {change.new:>9g} "
            f"{delta:>+8.1f}{note}"
        )
    old_min_fit = model.definition.get("min_fit")
    new_min_fit = definition.get("min_fit")
    lines += [
        "",
        f"threshold {_number(model.definition.get('threshold'))} (unchanged)",
        f"min_fit {_number(old_min_fit)} → {_number(new_min_fit)}"
        if old_min_fit != new_min_fit
        else f"min_fit {_number(old_min_fit)} (unchanged)",
        "Conditions, caps and decay are unchanged.",
    ]
    return "\n".join(lines)


# --- Execution -------------------------------------------------------------------------------


class RefitStale(Exception):
    """The active model changed after the refit was proposed: refit again rather than undo it."""


def _marker(idempotency_key: str) -> str:
    """How the version's note names the action that made it (for people; the link is the
    action's ``scoring_model``)."""
    return f"[agent action {idempotency_key}]"


def scoring_model_version_execute(action: AgentAction, idempotency_key: str) -> dict[str, Any]:
    """Executor of ``scoring_model_version``: create the proposed version and activate it
    (which re-scores the workspace in the background).

    Idempotent: the action records the version it made (``AgentAction.scoring_model``, in the
    version's transaction), so a second call finds that version instead of making another."""
    marker = _marker(idempotency_key)
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=action.workspace_id)
        existing = ScoringModel.objects.filter(
            workspace=workspace, proposing_action=action.pk
        ).first()
        if existing is not None:
            return {"scoring_model": existing.pk, "version": existing.version, "created": False}
        payload = action.payload or {}
        based_on = payload.get("based_on_version")
        active = scoring_model_active(workspace=workspace)
        if active.version != based_on:
            raise RefitStale(
                f"The active scoring model is v{active.version}, not v{based_on} that this refit "
                "was fitted on; the next refit will start from it."
            )
        approval = (
            ActionApproval.objects.filter(action=action).order_by("-created_at", "-id").first()
        )
        backtest = payload.get("backtest") or {}
        note = f"{marker} Refit of v{based_on} by the {AGENT} agent" + (
            f": held-out AUC {backtest['auc_old']:.3f} → {backtest['auc_new']:.3f}."
            if "auc_old" in backtest and "auc_new" in backtest
            else "."
        )
        created = scoring_model_create_version(
            workspace=workspace,
            definition=payload["definition"],
            created_by=approval.user if approval is not None else None,
            note=note,
        )
        AgentAction.objects.filter(pk=action.pk).update(scoring_model=created)
    return {"scoring_model": created.pk, "version": created.version, "created": True}
