"""Bytes to text, the delimiter of a CSV, and photo lists: what every dealer file needs.

The text handling is como's shared CSV reader's (:mod:`como.csvread`): UTF-8 with or without
a BOM, Windows-1252, a few broken bytes reported on their rows, the delimiter sniffed from
the header row. Photo lists are the inventory's own.
"""

from __future__ import annotations

import re

from como.csvread import DELIMITERS, Undecodable, decode, first_line, sniff_delimiter

__all__ = [
    "DELIMITERS",
    "PHOTO_SEPARATORS",
    "PHOTO_SEPARATORS_WITH_COMMA",
    "Undecodable",
    "decode",
    "first_line",
    "sniff_delimiter",
    "split_photos",
]

#: Photo lists: ``|``, ``;`` or blanks always separate (URLs hold none of them unencoded);
#: a comma only where a layout uses it, since a URL may hold one.
PHOTO_SEPARATORS = re.compile(r"[|;\s]+")
PHOTO_SEPARATORS_WITH_COMMA = re.compile(r"[|;,\s]+")


def split_photos(text: str, *, commas: bool) -> list[str]:
    pattern = PHOTO_SEPARATORS_WITH_COMMA if commas else PHOTO_SEPARATORS
    return [url for url in pattern.split(text) if url]
