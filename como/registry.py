"""The one registry type: entries by key, and hook lists for reactions.

Every place where one part of como lets another plug in (channel adapters, compliance checks,
feed sources, agents, executors, schedules, verticals, the contact scorer, the reactions of
higher floors) is a :class:`Registry` or a :class:`Hooks` from here, with the same rules:

- **Who fills it.** An app's ``AppConfig.ready()`` (or, for adapters and generic checks, the
  module that defines them, imported from there). Registration happens at start-up; nothing
  registers per request.
- **Duplicates.** A key is registered once. Registering an *equal* entry again (the very same
  object, or an equal frozen value such as a dataclass spec, as when ``ready()`` runs a second
  time) is a no-op; anything else under a taken key raises :class:`AlreadyRegistered`
  (a ``ValueError``). A hook registered twice is called once.
- **Lookups.** :meth:`Registry.get` raises :class:`NotRegistered` (a ``LookupError``) for an
  unknown key, and nothing else; :meth:`Registry.find` is the lookup for callers to whom a
  missing entry is an ordinary answer (``None``). :meth:`Registry.all` lists entries in key
  order, so what is derived from them (admin choices, docs) does not depend on import order.
- **Tests.** :meth:`Registry.override` and :meth:`Hooks.override` swap entries in for the
  duration of a ``with`` block and restore the registry exactly as it was, whatever the block
  did; production code never calls them.

This module is below every app (it imports nothing of como), so the ground floor can use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
H = TypeVar("H", bound=Callable[..., Any])


class NotRegistered(LookupError):
    """Nothing is registered under the key."""

    def __init__(self, what: str, key: str, message: str = "") -> None:
        super().__init__(message or f"No {what} is registered as {key!r}.")
        self.key = key


class AlreadyRegistered(ValueError):
    """Another entry holds the key."""

    def __init__(self, what: str, key: str, message: str = "") -> None:
        super().__init__(message or f"Another {what} is registered as {key!r}.")
        self.key = key


class Registry(Generic[T]):
    """Entries of one kind by key (see the module docstring for the contract).

    ``what`` names an entry in error messages ("channel adapter"). ``not_registered`` and
    ``already_registered`` are the error types raised (subclasses of the two above, for a
    registry whose callers catch a more specific one). ``on_change`` is called after every
    change, for a cache derived from the entries.
    """

    def __init__(
        self,
        what: str,
        *,
        not_registered: Callable[[str, str], NotRegistered] = NotRegistered,
        already_registered: Callable[[str, str], AlreadyRegistered] = AlreadyRegistered,
        on_change: Callable[[], object] | None = None,
    ) -> None:
        self.what = what
        self._not_registered = not_registered
        self._already_registered = already_registered
        self._on_change = on_change
        #: The live entries. Changed in place only, so that a test holding it sees changes.
        self.entries: dict[str, T] = {}

    def register(self, key: str, entry: T) -> T:
        existing = self.entries.get(key, _MISSING)
        if existing is _MISSING:
            self.entries[key] = entry
            self._changed()
        elif existing is not entry and existing != entry:
            raise self._already_registered(self.what, key)
        return entry

    def unregister(self, key: str) -> None:
        """Remove ``key`` if present (for a test that registered an entry of its own)."""
        if self.entries.pop(key, _MISSING) is not _MISSING:
            self._changed()

    def get(self, key: str) -> T:
        try:
            return self.entries[key]
        except KeyError:
            raise self._not_registered(self.what, key) from None

    def find(self, key: str) -> T | None:
        return self.entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def keys(self) -> list[str]:
        return sorted(self.entries)

    def all(self) -> list[T]:
        return [self.entries[key] for key in sorted(self.entries)]

    @contextmanager
    def override(self, entries: dict[str, T] | None = None, /, **by_key: T) -> Iterator[None]:
        """Test-only: within the block, ``entries`` (and ``by_key``) are registered, replacing
        what holds their keys; afterwards the registry is exactly as before."""
        saved = dict(self.entries)
        self.entries.update(entries or {}, **by_key)
        self._changed()
        try:
            yield
        finally:
            self.entries.clear()
            self.entries.update(saved)
            self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


class Hooks(Generic[H]):
    """Handlers to call, in registration order, when something happened (a reaction registry:
    a lower floor calls them, a higher floor fills them). ``register`` returns the handler, so
    it works as a decorator."""

    def __init__(self) -> None:
        #: The live list. Changed in place only, so that a test holding it sees changes.
        self.handlers: list[H] = []

    def register(self, handler: H) -> H:
        if handler not in self.handlers:
            self.handlers.append(handler)
        return handler

    def all(self) -> tuple[H, ...]:
        """A snapshot: a handler registering another while they run does not disturb it."""
        return tuple(self.handlers)

    @contextmanager
    def override(self, *handlers: H) -> Iterator[None]:
        """Test-only: within the block, exactly ``handlers`` are registered; afterwards the
        list is exactly as before."""
        saved = list(self.handlers)
        self.handlers[:] = handlers
        try:
            yield
        finally:
            self.handlers[:] = saved


_MISSING: Any = object()
