"""One package per channel: code outside the channels app uses a channel's public names (its
package), never a module inside it, and every built-in adapter lives in its channel's package."""

from __future__ import annotations

import ast
from pathlib import Path

import como
from como.channels import base, builtin

ROOT = Path(como.__file__).resolve().parent.parent
CHANNELS = ROOT / "como" / "channels"
PACKAGES = sorted(p.name for p in CHANNELS.iterdir() if (p / "__init__.py").exists())


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imported(tree: ast.AST) -> set[str]:
    """The modules a file imports, ``from package import module`` included."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            inner = (f"{node.module}.{alias.name}" for alias in node.names)
            names.update(name for name in inner if _is_module(name))
    return names


def test_the_channel_packages_are_there() -> None:
    assert {"ads", "direct_mail", "email", "sms"} <= set(PACKAGES)


def test_outside_the_app_a_channel_is_imported_by_its_package() -> None:
    deep = {f"como.channels.{package}." for package in PACKAGES}
    offenders = []
    for folder in (ROOT / "como", ROOT / "verticals", ROOT / "bench"):
        for path in folder.rglob("*.py"):
            if CHANNELS in path.parents:
                continue
            for name in _imported(ast.parse(path.read_text(), str(path))):
                if any(name.startswith(prefix) for prefix in deep):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_every_builtin_adapter_lives_in_its_channels_package() -> None:
    assert builtin  # imported: every built-in adapter has registered
    places = {type(adapter).__module__ for adapter in base.registered_adapters()}
    assert places, "no adapter registered"
    for module in places:
        if not module.startswith("como.channels."):
            continue  # a test's or a vertical's adapter
        package = module.removeprefix("como.channels.").split(".")[0]
        assert package in PACKAGES, module
