"""Uploaded text files: bytes to text, a CSV's delimiter and header row, and headers as layouts
compare them. Shared by every importer that reads a partner's export (the automotive inventory
and DMS imports, the B2B intent import), so each reads encodings and delimiters alike.

Exports come in UTF-8 (with or without a BOM) or Windows-1252. A file that is UTF-8 except for
a few bad bytes is still read as UTF-8: the bad bytes become lone surrogates
(``surrogateescape``), which the row checks report as that row's bad encoding, so one broken
row does not garble every other row's accents. A file mostly not UTF-8 is given to
``charset-normalizer``.
"""

from __future__ import annotations

import codecs
import csv
import re

from charset_normalizer import from_bytes

_ESCAPED = re.compile("[\udc80-\udcff]")
DELIMITERS = ",;\t|"
_NOT_KEPT = re.compile(r"[^a-z0-9#]+")


class Undecodable(ValueError):
    """The bytes are no text encoding we can tell."""


def decode(data: bytes) -> str:
    """The file's text (see the module docstring); :class:`Undecodable` when it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape")
    bad = len(_ESCAPED.findall(text))
    good = sum(1 for char in text if ord(char) > 0x7F) - bad
    if good and good >= bad:  # UTF-8 with a few broken bytes: the rows holding them are reported
        return text
    best = from_bytes(data).best()
    if best is None:
        raise Undecodable("The file is not text in an encoding this importer can tell.")
    encoding = best.encoding
    # Partners' files are Windows-1252 far more often than the Latin cousins a short sample
    # cannot tell apart from it; prefer it whenever it decodes the file.
    if encoding in {"latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman"}:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV from its header line: ``,`` ``;`` tab or ``|``."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
        return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def first_line(text: str) -> str:
    """The first non-blank line (a CSV's header row)."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def header_key(header: str) -> str:
    """A header as layouts are compared: "Stock #" → "stock#", "New/Used" → "newused"."""
    return _NOT_KEPT.sub("", header.lower())
