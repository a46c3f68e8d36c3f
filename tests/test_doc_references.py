"""What comments and docs cite exists: files by path, documents by name, sections by title.

Comments once cited a design document that is not in the repository and a test file that had
moved. Every repository path (``tests/…py``, ``bench/…``, ``docs/…md``) and every bare document
name (``README.md``) in como/, verticals/, tests/, bench/, docs/ and the README must exist, and
every ``docs/architecture.md, "Section"`` (or ``#anchor``) must name one of its headings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = "docs/architecture.md"

_PATH = re.compile(
    r"(?<![\w./-])((?:como|tests|bench|docs|verticals|templates|docker)/[\w./-]*\.(?:py|md|html|yaml))"
)
_DOCUMENT = re.compile(r"(?<![\w./-])([\w-]+\.md)\b")
_SECTION = re.compile(r"docs/architecture\.md(?:#([\w-]+))?(?:,\s*\"([^\"]+)\")?")
#: A citation may wrap onto the next comment line.
_WRAP = re.compile(r"\s*\n\s*(?:#:?\s*)?")


def sources(root: Path) -> Iterator[Path]:
    for top in ("como", "verticals", "tests", "bench", "docs"):
        for path in sorted((root / top).rglob("*")):
            # This module's own examples of broken citations are not citations.
            if (
                path.suffix in {".py", ".md"}
                and "migrations" not in path.parts
                and path != Path(__file__).resolve()
            ):
                yield path
    yield root / "README.md"


def headings(document: Path) -> tuple[set[str], set[str]]:
    """The headings' titles and their GitHub anchors."""
    titles = {
        line.lstrip("#").strip()
        for line in document.read_text().splitlines()
        if line.startswith("#")
    }
    anchors = {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in titles}
    return titles, anchors


def problems(root: Path, files: Iterable[Path]) -> Iterator[str]:
    architecture = root / ARCHITECTURE
    titles, anchors = headings(architecture) if architecture.exists() else (set(), set())
    for path in files:
        text = _WRAP.sub(" ", path.read_text())
        where = path.relative_to(root)
        for cited in _PATH.findall(text):
            if not (root / cited.rstrip(".")).exists():
                yield f"{where} cites {cited}, which does not exist"
        for name in _DOCUMENT.findall(text):
            if not (root / name).exists() and not (path.parent / name).exists():
                yield f"{where} cites {name}, which is not in the repository"
        for anchor, title in _SECTION.findall(text):
            if anchor and anchor not in anchors:
                yield f"{where} cites {ARCHITECTURE}#{anchor}, which has no such heading"
            if title and title not in titles:
                yield f'{where} cites {ARCHITECTURE}, "{title}", which has no such heading'


def test_every_cited_file_document_and_section_exists() -> None:
    assert list(problems(ROOT, sources(ROOT))) == []


def test_a_missing_file_document_or_section_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / ARCHITECTURE).write_text("# Title\n\n## Hot paths\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    module = tmp_path / "module.py"
    module.write_text(
        '"""See tests/test_x.py and tests/como/gone/test_y.py (DESIGN.md, "Performance").\n\n'
        'Fast (docs/architecture.md, "Hot paths"; docs/architecture.md#hot-paths), exactly once\n'
        '(docs/architecture.md, "Exactly\n'
        'once")."""\n'
        '#: docs/architecture.md, "Hot\n'
        '#: paths"\n'
    )
    assert list(problems(tmp_path, [module])) == [
        "module.py cites tests/como/gone/test_y.py, which does not exist",
        "module.py cites DESIGN.md, which is not in the repository",
        'module.py cites docs/architecture.md, "Exactly once", which has no such heading',
    ]
