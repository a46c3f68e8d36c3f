"""The one CSV writer como uses: every cell, header cells included, defused against formulas.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(…)``, ``+cmd|' /C calc'!A0``, DDE); a leading tab, CR or LF can hide
such a start, and some spreadsheet apps fold the full-width forms (U+FF1D …) into ASCII or
trim leading blanks first. OWASP's CSV-injection guidance: prefix such a cell with a single
quote and let the writer quote the cell, so no separator or quote inside it breaks out.

Write CSV only through :func:`writer`; ``tests/como/hardening/test_csv_cells.py`` fails if a
module of como or a vertical calls ``csv.writer`` itself.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

#: ASCII = + - @, tab, CR, LF, and their full-width forms.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


class _File(Protocol):
    def write(self, value: str, /) -> Any: ...


def neutralise(value: Any) -> str:
    """The cell as text, with ``'`` in front when a spreadsheet could read it as a formula."""
    text = "" if value is None else str(value)
    # Blanks before a formula start are trimmed by some readers; the cell itself is kept.
    if text.lstrip(" \u00a0\u3000")[:1] in FORMULA_STARTS - {""}:
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` whose ``writerow``/``writerows`` pass every cell through
    :func:`neutralise`; quoting stays minimal (the default), so plain cells read back as
    written."""

    def __init__(self, file: _File, **options: Any) -> None:
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(file: _File, **options: Any) -> SafeWriter:
    return SafeWriter(file, **options)
