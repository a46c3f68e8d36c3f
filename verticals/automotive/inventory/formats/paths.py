"""What XML and JSON feeds share: a path mapping (where the records are, where each field is
inside a record) and the default names a field is looked up by."""

from __future__ import annotations

from collections.abc import Mapping

from .base import CANONICAL_FIELDS, RowError
from .presets import GENERIC_COLUMNS, header_key

#: The mapping's key for the records' path (XML: "vehicles/vehicle"; JSON: a pointer
#: such as "/data/vehicles"); every other key is a canonical field.
RECORDS = "records"

#: Per canonical field, the names (compared as :func:`header_key` does) a record's child tag
#: or key may have when no mapping names it.
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(header_key(header) for header in GENERIC_COLUMNS.get(name, (name,))))
    for name in CANONICAL_FIELDS
}


def field_paths(mapping: Mapping[str, str]) -> tuple[dict[str, str], list[RowError]]:
    """The mapping's field paths, and its problems as file-level errors."""
    paths: dict[str, str] = {}
    problems = []
    for name, path in mapping.items():
        if name == RECORDS:
            continue
        if name not in DEFAULT_NAMES:
            problems.append(
                RowError(0, str(name), "The mapping names a field vehicles do not have.")
            )
        elif not isinstance(path, str):
            problems.append(RowError(0, name, "A field's path is text."))
        else:
            paths[name] = path
    return paths, problems


def default_fields(names: Mapping[str, str]) -> dict[str, str]:
    """canonical field → the record's own name for it, from ``names`` (header key → name)."""
    found = {}
    for field, candidates in DEFAULT_NAMES.items():
        for candidate in candidates:
            if candidate in names:
                found[field] = names[candidate]
                break
    return found
