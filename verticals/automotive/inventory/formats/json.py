"""JSON feeds, decoded by :mod:`como.jsonsafe` (so NaN, lone surrogates and deep nesting are
handled as everywhere else).

The mapping's ``records`` is a JSON pointer to the list of records ("/data/vehicles"; by
default the document itself when it is a list, else its one member that is a list); a field's
path is a key path inside a record ("price", "pricing/msrp"). Without a mapping a field is the
key named as the field or as a preset's column. A list of strings (photos) is joined by ``|``;
a list of objects with a ``url`` is its URLs; other lists and objects are kept as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from como import jsonsafe

from .base import FORMATS, FeedRow, RowError
from .paths import RECORDS, default_fields, field_paths
from .presets import header_key


class JsonFormat:
    key = "json"

    def recognises(self, head: bytes) -> bool:
        return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")

    def score(self, head: bytes) -> int:
        return 1

    def read(
        self, data: bytes, *, mapping: Mapping[str, str] | None = None
    ) -> Iterator[FeedRow | RowError]:
        mapping = mapping or {}
        paths, problems = field_paths(mapping)
        yield from problems
        try:
            document = jsonsafe.loads(data.removeprefix(b"\xef\xbb\xbf"))
        except jsonsafe.JSONSyntaxError as error:
            yield RowError(0, "", f"The file is not JSON: {error}")
            return
        records = _records(document, str(mapping.get(RECORDS, "")))
        if records is None:
            yield RowError(0, RECORDS, "No list of vehicles at the records' path.")
            return
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield RowError(number, "", "A vehicle is a JSON object.")
                continue
            fields = {name: _text(_at(record, path)) for name, path in paths.items()}
            names = {header_key(str(key)): str(key) for key in record}
            for name, key in default_fields(names).items():
                fields.setdefault(name, _text(record.get(key)))
            yield FeedRow(number, fields)


def _at(value: Any, path: str) -> Any:
    for step in (step for step in path.strip("/").split("/") if step):
        step = step.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _records(document: Any, pointer: str) -> list[Any] | None:
    if pointer:
        found = _at(document, pointer)
        return found if isinstance(found, list) else None
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return " | ".join(value)
    if isinstance(value, list) and all(isinstance(item, dict) and "url" in item for item in value):
        return " | ".join(str(item["url"]) for item in value)
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return ""  # NaN inside a list or object: rows.py reports the field as missing


JSON = FORMATS.register("json", JsonFormat())
