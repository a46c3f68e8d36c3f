"""The vertical registry: como's only door for verticals.

A vertical package (``verticals/<slug>``) builds a :class:`VerticalProfile` and calls
:func:`register` from its ``AppConfig.ready()``. The core looks verticals up by slug and never
imports a vertical package, so adding an industry is adding a package, not editing como.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from como.registry import AlreadyRegistered, NotRegistered, Registry


class UnknownVertical(NotRegistered):
    def __init__(self, what: str, slug: str) -> None:
        registered = ", ".join(slugs())
        message = f"vertical {slug!r} is not registered (registered: {registered})"
        super().__init__(what, slug, message)
        self.slug = slug


class VerticalTaken(AlreadyRegistered):
    def __init__(self, what: str, slug: str) -> None:
        message = f"vertical {slug!r} is already registered with another profile"
        super().__init__(what, slug, message)


@dataclass(frozen=True)
class VerticalProfile:
    """What an industry brings: the defaults a new workspace's playbook starts from."""

    slug: str
    name: str
    description: str
    #: Channel keys the vertical enables by default (adapters arrive with the channels issue).
    channels: tuple[str, ...] = ()
    #: Lifecycle-, jurisdiction- and agent-level defaults copied into a new playbook.
    playbook_defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Default scoring model as data (filled by the scoring issue).
    default_scoring_model: Mapping[str, Any] = field(default_factory=dict)
    #: Event types the vertical's sources send, with a one-line meaning each; the API docs and
    #: the demo seeder use them.
    event_types: Mapping[str, str] = field(default_factory=dict)
    #: The vertical's own event types that are a touch for attribution, with their kind:
    #: ``landing`` (a page: a touch when it starts a visit or carries a campaign) or ``form``
    #: (a form the person sent). como's own (page_view, form_submitted, clicks) need no entry.
    touch_types: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (
            not self.slug
            or not self.slug.replace("_", "").isalnum()
            or self.slug != self.slug.lower()
        ):
            raise ValueError(f"vertical slug must be lowercase letters, digits or _: {self.slug!r}")
        # Freeze the mappings too: a profile is shared by every workspace of the vertical.
        object.__setattr__(
            self, "playbook_defaults", MappingProxyType(dict(self.playbook_defaults))
        )
        object.__setattr__(
            self, "default_scoring_model", MappingProxyType(dict(self.default_scoring_model))
        )
        object.__setattr__(self, "event_types", MappingProxyType(dict(self.event_types)))
        object.__setattr__(self, "touch_types", MappingProxyType(dict(self.touch_types)))


#: Profiles by slug, filled by each vertical's ``AppConfig.ready()``.
PROFILES: Registry[VerticalProfile] = Registry(
    "vertical", not_registered=UnknownVertical, already_registered=VerticalTaken
)


def register(profile: VerticalProfile) -> VerticalProfile:
    return PROFILES.register(profile.slug, profile)


def get(slug: str) -> VerticalProfile:
    """The profile registered as ``slug``; :class:`UnknownVertical` when none is."""
    return PROFILES.get(slug)


def is_registered(slug: str) -> bool:
    return slug in PROFILES


def slugs() -> list[str]:
    return PROFILES.keys()


def all_profiles() -> list[VerticalProfile]:
    return PROFILES.all()


def choices() -> list[tuple[str, str]]:
    return [(profile.slug, profile.name) for profile in all_profiles()]


def url_modules() -> list[str]:
    """The API URL modules of the installed verticals: ``<package>.urls`` where one exists.

    como's URLs mount each under ``/api/v1/``, so a vertical's routes arrive with its package
    (``COMO_VERTICALS``) and como still names no vertical."""
    from django.conf import settings

    found = []
    for package in getattr(settings, "COMO_VERTICALS", ()):
        if importlib.util.find_spec(f"{package}.urls") is not None:
            found.append(f"{package}.urls")
    return found
