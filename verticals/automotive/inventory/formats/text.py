"""Photo lists of dealer files; the text handling every import shares is :mod:`como.textfiles`
(re-exported here for the inventory's formats)."""

from __future__ import annotations

import re

from como.textfiles import DELIMITERS, Undecodable, decode, first_line, sniff_delimiter

__all__ = ["DELIMITERS", "Undecodable", "decode", "first_line", "sniff_delimiter", "split_photos"]

#: Photo lists: ``|``, ``;`` or blanks always separate (URLs hold none of them unencoded);
#: a comma only where a layout uses it, since a URL may hold one.
PHOTO_SEPARATORS = re.compile(r"[|;\s]+")
PHOTO_SEPARATORS_WITH_COMMA = re.compile(r"[|;,\s]+")


def split_photos(text: str, *, commas: bool) -> list[str]:
    pattern = PHOTO_SEPARATORS_WITH_COMMA if commas else PHOTO_SEPARATORS
    return [url for url in pattern.split(text) if url]
