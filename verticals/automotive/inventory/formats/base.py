"""The feed-format contract: a format turns a file's bytes into rows of canonical fields.

A format never validates a value; it only finds each canonical field's raw text, so that every
format's rows go through the same per-row checks (:mod:`verticals.automotive.inventory.rows`).
A problem of the whole file (bad encoding, an unknown layout, an XML entity bomb) is one
:class:`RowError` with row 0; the good rows of a file are never lost to a bad one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from como.csvread import Row, RowError
from como.registry import NotRegistered, Registry

#: The fields a format may fill, as the rows module and the Vehicle model name them.
CANONICAL_FIELDS = (
    "vin",
    "stock_number",
    "year",
    "make",
    "model",
    "trim",
    "body_style",
    "condition",
    "certified",
    "mileage",
    "exterior_color",
    "interior_color",
    "transmission",
    "drivetrain",
    "fuel_type",
    "msrp",
    "price",
    "internet_price",
    "cost",
    "dealer_charges",
    "status",
    "received_at",
    "photos",
    "vdp_url",
)
#: Never exported, never in an API answer or a template's context.
CONFIDENTIAL_FIELDS = ("cost",)
#: The canonical fields anyone may see.
PUBLIC_FIELDS = tuple(f for f in CANONICAL_FIELDS if f not in CONFIDENTIAL_FIELDS)


#: A row of canonical fields and a problem named by row: como's shared reader's types.
FeedRow = Row


class FeedFormat(Protocol):
    key: str

    def recognises(self, head: bytes) -> bool: ...

    def score(self, head: bytes) -> int:
        """How well ``head`` fits, among the formats that recognise it (ties are ambiguous)."""
        ...

    def read(
        self, data: bytes, *, mapping: Mapping[str, str] | None = None
    ) -> Iterator[FeedRow | RowError]: ...


class AmbiguousFormat(NotRegistered):
    """Several formats fit the file equally well; the message names them."""


FORMATS: Registry[FeedFormat] = Registry("inventory feed format")


#: What recognition reads of a file: enough for any header row and the first records.
HEAD_BYTES = 64 * 1024


def recognise(data: bytes) -> FeedFormat:
    """The format that fits ``data`` best (XML and JSON by their first non-blank byte, a CSV
    preset by its header row); :class:`NotRegistered` when none fits, :class:`AmbiguousFormat`
    naming the candidates when several fit equally well."""
    head = data[:HEAD_BYTES]
    scored = [(fmt.score(head), fmt) for fmt in FORMATS.all() if fmt.recognises(head)]
    if not scored:
        raise NotRegistered(
            FORMATS.what, "", "The file is not a CSV, XML or JSON feed this importer knows."
        )
    best = max(score for score, _ in scored)
    top = [fmt.key for score, fmt in scored if score == best]
    if len(top) > 1:
        raise AmbiguousFormat(
            FORMATS.what,
            top[0],
            f"The file fits several layouts equally well ({', '.join(top)}); choose its format.",
        )
    return next(fmt for score, fmt in scored if score == best)
