"""Inventory feed formats: CSV (with shipped presets), XML and JSON, registered by key.

Importing this package registers them (the app's ``ready()`` does).
"""

from . import csv, json, xml  # noqa: F401 (registers the formats)
from .base import (
    CANONICAL_FIELDS,
    FORMATS,
    AmbiguousFormat,
    FeedFormat,
    FeedRow,
    RowError,
    recognise,
)

__all__ = [
    "CANONICAL_FIELDS",
    "FORMATS",
    "AmbiguousFormat",
    "FeedFormat",
    "FeedRow",
    "RowError",
    "recognise",
]
