"""What and whom an action is about, and how its creative will look: the approver's view of it.

A keyed registry by action kind (``PRESENTERS``, a :class:`como.registry.Registry`). An entry is
a :class:`Presenter` with two callables:

- ``subjects(actions)``: the actions of its kind (one or many, of one workspace or several,
  rows already read) → one :class:`Subject` per action, in the same order. It reads the
  action's fields and payload and, in a constant number of queries for the whole list, the
  rows they name (a contact's name, vehicles), always within the action's own workspace. It
  never parses the rationale (data is fields, not text) and never raises on a payload of the
  wrong shape: it says what it can read (the compliance report judges the payload).
- ``creatives(action)`` (optional): the creative as it will appear, as plain
  :class:`Creative` values the inbox draws (an ad mock-up, an SMS bubble, the email). It may
  compose the message as its channel would send it; it writes nothing and sends nothing.

A kind with no entry reads its subject from ``target_type``/``target_id`` (:func:`fallback`)
and shows no creative.

Who fills it: the agents app for the channels' kinds (channels sit a floor below agents and
cannot import this module, so :mod:`como.agents.inbox.channel_kinds` reads their payloads as
their adapters document them) and for its own kinds; a vertical for its kinds, from its
``AppConfig.ready()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from como.registry import Registry

from .models import AgentAction

#: How many vehicles (or items) a subject names before "and n more".
NAMED = 3


@dataclass(frozen=True)
class Subject:
    """Who and what, as data; ``str()`` is the one line the approver reads."""

    #: The first few vehicles by year, make and model; ``vehicle_count`` is all of them.
    vehicles: tuple[str, ...] = ()
    vehicle_count: int = 0
    #: The person: a name, and an address or number mostly hidden (:func:`mask_email`).
    person: str = ""
    #: The account (company) it concerns.
    account: str = ""
    #: How many people it reaches (an audience, a mailing).
    audience: int | None = None
    #: What else it is about, in a few words (a rooftop, an ad, an ad group, a model).
    other: str = ""

    def parts(self) -> list[str]:
        parts: list[str] = []
        if self.vehicle_count:
            named = ", ".join(self.vehicles)
            more = self.vehicle_count - len(self.vehicles)
            noun = "vehicle" if self.vehicle_count == 1 else "vehicles"
            parts.append(
                f"{self.vehicle_count} {noun}: {named}" + (f" and {more} more" if more > 0 else "")
            )
        if self.person:
            parts.append(self.person)
        if self.account:
            parts.append(f"account {self.account}")
        if self.audience is not None:
            parts.append(f"{self.audience:,} {'person' if self.audience == 1 else 'people'}")
        if self.other:
            parts.append(self.other)
        return parts

    def __str__(self) -> str:
        return " · ".join(self.parts()) or "-"


CreativeForm = Literal["ad", "search_ad", "sms", "email", "letter"]


@dataclass(frozen=True)
class Creative:
    """One piece as it will appear. ``fields`` by ``form``:

    - ``ad``: ``platform``, ``headline``, ``primary_text``, ``description``, ``image_url``,
      ``link``, ``call_to_action`` (text; missing ones are left out of the mock-up);
    - ``search_ad``: ``headlines`` and ``descriptions`` (lists), ``url``, ``path``;
    - ``sms``: ``to`` (masked), ``body``;
    - ``email``: ``from``, ``to`` (masked), ``subject``, ``html`` (the full document);
    - ``letter``: ``to`` (masked), ``body``.

    ``findings``: those that concern this piece (a vehicle's own); None means the action's.
    """

    form: CreativeForm
    label: str
    fields: Mapping[str, Any]
    findings: Sequence[Mapping[str, Any]] | None = None


SubjectsOf = Callable[[Sequence[AgentAction]], list[Subject]]
CreativesOf = Callable[[AgentAction], list[Creative]]


@dataclass(frozen=True)
class Presenter:
    subjects: SubjectsOf
    creatives: CreativesOf | None = None


PRESENTERS: Registry[Presenter] = Registry("action presenter")


def register_presenter(kind: str, presenter: Presenter) -> Presenter:
    return PRESENTERS.register(kind, presenter)


def fallback(action: AgentAction) -> Subject:
    """What a kind without a presenter is about: its target, as recorded."""
    target = f"{action.target_type} {action.target_id}".strip()
    return Subject(other=target)


def subjects_of(actions: Sequence[AgentAction]) -> list[Subject]:
    """A subject per action, in order: one call per kind present, whatever the list's length."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, action in enumerate(actions):
        by_kind[action.kind].append(index)
    subjects: list[Subject | None] = [None] * len(actions)
    for kind, indexes in by_kind.items():
        presenter = PRESENTERS.find(kind)
        chosen = [actions[i] for i in indexes]
        found = presenter.subjects(chosen) if presenter else [fallback(a) for a in chosen]
        for index, subject in zip(indexes, found, strict=True):
            subjects[index] = subject
    return [subject or Subject() for subject in subjects]


def creatives_of(action: AgentAction) -> list[Creative]:
    presenter = PRESENTERS.find(action.kind)
    if presenter is None or presenter.creatives is None:
        return []
    return presenter.creatives(action)


# --- helpers for presenters --------------------------------------------------------------------


def payload_of(action: AgentAction) -> Mapping[str, Any]:
    return action.payload if isinstance(action.payload, Mapping) else {}


def int_of(value: Any) -> int | None:
    """A payload's id as an int, or None (a string of digits counts: ids travel as both)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def ids_of(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in (int_of(v) for v in value) if i is not None]


def mask_email(address: str) -> str:
    """``ana.diaz@example.com`` → ``a•••@example.com``: enough to tell people apart."""
    local, at, domain = address.partition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"


def mask_phone(number: str) -> str:
    """``+13125550142`` → ``•••• 0142``."""
    digits = [c for c in number if c.isdigit()]
    return f"•••• {''.join(digits[-4:])}" if len(digits) >= 4 else "••••"


def contacts_for(
    actions: Iterable[AgentAction], key: str = "contact_id"
) -> dict[tuple[int, int], Any]:
    """The contacts the actions' payloads name under ``key``, by (workspace, contact id), in
    one query; a contact of another workspace is not found."""
    from como.leads.models import Contact

    wanted = {
        (action.workspace_id, contact_id)
        for action in actions
        if (contact_id := int_of(payload_of(action).get(key))) is not None
    }
    if not wanted:
        return {}
    rows = Contact.objects.filter(pk__in=sorted({pk for _, pk in wanted})).select_related("account")
    return {(c.workspace_id, c.pk): c for c in rows if (c.workspace_id, c.pk) in wanted}


def person_of(contact: Any, *, via: Literal["email", "phone", "name"]) -> str:
    """A contact as the approver sees it: the name, with the channel's address masked."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    if via == "email" and contact.email:
        address = mask_email(contact.email)
    elif via == "phone" and contact.phone:
        address = mask_phone(contact.phone)
    else:
        address = ""
    if name and address:
        return f"{name} ({address})"
    return name or address or f"contact {contact.pk}"


@dataclass
class Named:
    """Collects names (vehicles, items) up to :data:`NAMED`, counting all of them."""

    names: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.names) < NAMED and name:
            self.names.append(name)
