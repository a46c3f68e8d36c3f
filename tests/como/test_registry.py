"""The one registry type's contract (``como.registry``), and the project's registries keeping it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps

from como import verticals
from como.agents.execution import EXECUTORS, register_executor
from como.channels.base import ADAPTERS, ADAPTERS_BY_KIND, adapter_for_kind, register_adapter
from como.compliance.drafts import Draft
from como.compliance.registry import CHECKS, checks_for
from como.registry import AlreadyRegistered, Hooks, NotRegistered, Registry

from .compliance.builders import NOON, SENDER


@dataclass(frozen=True)
class Spec:
    key: str
    name: str


def test_entries_by_key_in_key_order() -> None:
    registry: Registry[Spec] = Registry("spec")
    b, a = Spec("b", "B"), Spec("a", "A")

    assert registry.register("b", b) is b
    registry.register("a", a)

    assert registry.get("a") is a
    assert registry.find("a") is a
    assert registry.find("c") is None
    assert "a" in registry
    assert "c" not in registry
    assert registry.keys() == ["a", "b"]
    assert registry.all() == [a, b]


def test_an_unknown_key_is_not_registered_which_is_a_lookup_error() -> None:
    registry: Registry[Spec] = Registry("spec")

    with pytest.raises(NotRegistered, match=r"No spec is registered as 'nope'\.") as raised:
        registry.get("nope")
    assert isinstance(raised.value, LookupError)
    assert raised.value.key == "nope"


def test_the_same_or_an_equal_entry_again_is_a_no_op_another_is_refused() -> None:
    changes: list[int] = []
    registry: Registry[Any] = Registry("spec", on_change=lambda: changes.append(1))
    spec = Spec("a", "A")
    handler = lambda: None  # noqa: E731

    registry.register("a", spec)
    registry.register("a", spec)  # a second ready()
    registry.register("a", Spec("a", "A"))  # an equal value rebuilt by it
    registry.register("h", handler)
    registry.register("h", handler)
    assert changes == [1, 1]

    with pytest.raises(AlreadyRegistered, match=r"Another spec is registered as 'a'\."):
        registry.register("a", Spec("a", "Impostor"))
    with pytest.raises(ValueError, match=r"Another spec is registered as 'h'\."):
        registry.register("h", lambda: None)
    assert registry.get("a") is spec
    assert registry.get("h") is handler
    assert changes == [1, 1]


def test_unregister_and_override_restore_and_report_changes() -> None:
    changes: list[int] = []
    registry: Registry[Spec] = Registry("spec", on_change=lambda: changes.append(1))
    a, b = Spec("a", "A"), Spec("b", "B")
    registry.register("a", a)
    live = registry.entries

    def swap_and_fail() -> None:
        with registry.override(a=b, c=b):
            assert registry.all() == [b, b]
            registry.register("d", a)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        swap_and_fail()
    assert registry.all() == [a]
    assert registry.entries is live  # changed in place: whoever holds it sees the same dict

    registry.unregister("a")
    registry.unregister("a")
    assert registry.all() == []
    assert len(changes) == 5  # register, override in, register inside, override out, unregister


def test_hooks_run_in_order_once_each_and_override_restores() -> None:
    hooks: Hooks[Any] = Hooks()
    calls: list[str] = []

    def first() -> None:
        calls.append("first")

    def second() -> None:
        calls.append("second")

    assert hooks.register(first) is first
    hooks.register(second)
    hooks.register(first)
    for handler in hooks.all():
        handler()
    assert calls == ["first", "second"]

    live = hooks.handlers
    with hooks.override(second):
        assert hooks.all() == (second,)
    assert hooks.all() == (first, second)
    assert hooks.handlers is live


def test_an_unknown_vertical_is_not_registered_and_names_those_that_are() -> None:
    with pytest.raises(NotRegistered, match=r"vertical 'marine' is not registered \(registered: "):
        verticals.get("marine")
    with pytest.raises(verticals.UnknownVertical):
        verticals.get("marine")


def test_an_action_kind_has_one_executor() -> None:
    """``register_executor`` used to overwrite silently."""

    def run(action: Any, idempotency_key: str) -> Mapping[str, Any]:
        return {}

    with EXECUTORS.override():
        register_executor("test_kind", run)
        register_executor("test_kind", run)
        with pytest.raises(AlreadyRegistered, match="Another executor is registered as 'webhook'"):
            register_executor("webhook", run)
    assert "test_kind" not in EXECUTORS


def test_an_adapter_claiming_a_taken_kind_registers_nothing() -> None:
    sms = ADAPTERS.get("sms")

    class Thief:
        key = "thief"
        kinds = frozenset({"thief_send", *sms.kinds})

    with pytest.raises(AlreadyRegistered, match="already belongs to channel 'sms'"):
        register_adapter(Thief())  # type: ignore[arg-type]
    assert "thief" not in ADAPTERS
    assert adapter_for_kind("thief_send") is None
    assert all(ADAPTERS_BY_KIND.get(kind) is sms for kind in sms.kinds)


def test_overriding_the_checks_refreshes_which_apply() -> None:
    draft = Draft(channel="test_channel", sender=SENDER, at=NOON, vertical="b2b")

    class Everywhere:
        key = "test_everywhere"
        channels = frozenset({"test_channel"})
        jurisdictions = None
        verticals = None

        def __call__(self, draft: Draft) -> list[Any]:
            return []

    before = checks_for(draft)
    check = Everywhere()
    with CHECKS.override(test_everywhere=check):
        assert checks_for(draft) == (*before, check)
    assert checks_for(draft) == before


def test_a_second_ready_leaves_every_registry_as_it_was() -> None:
    """Each app may run its ``ready()`` again (Django allows it): registering the same or an
    equal entry is a no-op, so whatever an app registers there must be that, not a fresh
    object. Covers every Registry and Hooks a como or vertical module holds, present and future."""
    registries = list(
        {
            id(value): value
            for name, module in list(sys.modules.items())
            if name.startswith(("como.", "verticals.")) and module is not None
            for value in vars(module).values()
            if isinstance(value, (Registry, Hooks))
        }.values()
    )
    assert len(registries) >= 13  # the thirteen of issue 11, at least

    def snapshot() -> list[Any]:
        return [
            dict(obj.entries) if isinstance(obj, Registry) else list(obj.handlers)
            for obj in registries
        ]

    before = snapshot()
    for config in apps.get_app_configs():
        if config.name.startswith(("como.", "verticals.")):
            config.ready()
    changed = [
        (getattr(obj, "what", "hooks"), was, now)
        for obj, was, now in zip(registries, before, snapshot(), strict=True)
        if was != now
    ]
    assert changed == []
