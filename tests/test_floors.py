"""The floors of docs/architecture.md ("The floors") hold: a lower app never imports a higher one.

Every import in como/ is read, including those inside functions and under ``TYPE_CHECKING``, so
the rule cannot be dodged by importing late. A failure names the module and the import: either
the code moves down a floor, or the lower app offers a registry that the higher one fills (the
document says how), or, if the floors themselves change, the document changes with this list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The domain apps by floor, ground first.
FLOORS: dict[str, int] = {
    "workspaces": 0,
    "leads": 1,
    "consent": 1,
    "scoring": 2,
    "compliance": 2,
    "channels": 2,
    "audiences": 2,
    "agents": 3,
    "deals": 2,
    "campaigns": 3,
    "sequences": 3,
    "ingest": 4,
    "console": 4,
    "demo": 5,
}
#: Imports between apps of one floor, each allowed one way only.
SIDEWAYS = {
    ("consent", "leads"),
    ("channels", "compliance"),
    ("sequences", "agents"),
    # Attribution reads its settings from the playbook and follows its saves.
    ("campaigns", "agents"),
}


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Absolute module names ``path`` imports, with their line numbers."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            # `from como import leads` imports the app itself.
            yield from ((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "como" and parts[1] in FLOORS else None


def violations(root: Path) -> Iterator[str]:
    """Every import under ``root``/como that breaks the floors, as ``path:line imports …``."""
    for path in sorted((root / "como").rglob("*.py")):
        where = path.relative_to(root)
        source = app_of(".".join(where.with_suffix("").parts))
        for module, line in imports(path):
            if module == "verticals" or module.startswith("verticals."):
                yield f"{where}:{line} imports {module}: como never imports a vertical"
            target = app_of(module)
            if source is None or target is None or target == source:
                continue
            if FLOORS[target] > FLOORS[source] or (
                FLOORS[target] == FLOORS[source] and (source, target) not in SIDEWAYS
            ):
                yield f"{where}:{line} imports {module}: {source} may not import {target}"


def test_no_app_imports_a_higher_floor_and_como_never_imports_a_vertical() -> None:
    assert list(violations(ROOT)) == []


def test_an_upward_import_is_reported_even_inside_a_function(tmp_path: Path) -> None:
    leads = tmp_path / "como" / "leads"
    leads.mkdir(parents=True)
    (leads / "services.py").write_text(
        "from como.workspaces.models import Workspace\n"  # down: fine
        "from como import consent\n"  # sideways the wrong way
        "def f():\n"
        "    from como.scoring import engine\n"  # up, late
        "    import verticals.b2b\n"
    )
    (tmp_path / "como" / "creative.py").write_text("from como.agents import models\n")
    assert list(violations(tmp_path)) == [
        "como/leads/services.py:2 imports como.consent: leads may not import consent",
        "como/leads/services.py:4 imports como.scoring: leads may not import scoring",
        "como/leads/services.py:4 imports como.scoring.engine: leads may not import scoring",
        "como/leads/services.py:5 imports verticals.b2b: como never imports a vertical",
    ]
