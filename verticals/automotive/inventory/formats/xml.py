"""XML feeds, parsed with ``defusedxml``: an entity declaration (a billion-laughs bomb, an
external entity) or a DTD fetch is a file-level error, never expanded.

The mapping's ``records`` is the records' path from the root ("vehicles/vehicle"; by default
every child of the root); a field's path is a child tag ("price", "pricing/msrp") or an
attribute ("@vin", "pricing/@currency"). Without a mapping a field is the child tag or
attribute named as the field or as a preset's column. An element with children and no text
(``<photos><photo>…</photo></photos>``) is read as its children's texts joined by ``|``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .base import FORMATS, FeedRow, RowError
from .paths import RECORDS, default_fields, field_paths
from .presets import header_key


def _first_byte(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]


class XmlFormat:
    key = "xml"

    def recognises(self, head: bytes) -> bool:
        return _first_byte(head) == b"<"

    def score(self, head: bytes) -> int:
        return 1

    def read(
        self, data: bytes, *, mapping: Mapping[str, str] | None = None
    ) -> Iterator[FeedRow | RowError]:
        mapping = mapping or {}
        paths, problems = field_paths(mapping)
        yield from problems
        try:
            root = fromstring(data)
        except DefusedXmlException as error:
            yield RowError(
                0, "", f"The XML declares entities or a DTD, which are refused ({error})."
            )
            return
        except (ParseError, ValueError) as error:  # ValueError: text PostgreSQL-hostile bytes
            yield RowError(0, "", f"The file is not well-formed XML: {error}.")
            return
        for number, record in enumerate(_records(root, mapping.get(RECORDS, "")), start=1):
            fields = {name: _value(record, path) for name, path in paths.items()}
            for name, path in _defaults(record).items():
                fields.setdefault(name, _value(record, path))
            yield FeedRow(number, fields)


def _records(root: Element, path: str) -> list[Element]:
    steps = [step for step in str(path).strip("/").split("/") if step]
    if steps and steps[0] == root.tag:
        steps = steps[1:]
    if not steps:
        return list(root)
    try:
        return root.findall("/".join(steps))
    except SyntaxError:  # an XPath ElementTree does not support: no records
        return []


def _defaults(record: Element) -> dict[str, str]:
    names = {header_key(child.tag): child.tag for child in record if isinstance(child.tag, str)}
    names.update({header_key(name): "@" + name for name in record.attrib})
    return default_fields(names)


def _value(record: Element, path: str) -> str:
    element_path, _, attribute = path.rpartition("@") if "@" in path else (path, "", "")
    element: Element | None = record
    element_path = element_path.rstrip("/")
    if element_path:
        try:
            element = record.find(element_path)
        except SyntaxError:
            element = None
    if element is None:
        return ""
    if attribute:
        return element.get(attribute, "")
    text = (element.text or "").strip()
    if text or not len(element):
        return text
    return " | ".join((child.text or "").strip() for child in element if (child.text or "").strip())


XML = FORMATS.register("xml", XmlFormat())
