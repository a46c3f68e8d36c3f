"""The API's JSON parser: :mod:`como.jsonsafe` at the door of every DRF view.

DRF's own parser lets ``1e400``, lone surrogates and NUL through to PostgreSQL (a 500) and
recurses without bound on deep nesting (a 500). Here the whole body is refused with a 400 that
names each bad value's path; a view that answers per row or per event (ingest, report imports)
uses :class:`LenientJSONParser` and checks each row with :func:`como.jsonsafe.problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import exceptions, parsers

from como import jsonsafe


class JSONParser(parsers.JSONParser):
    """Parses with :func:`como.jsonsafe.loads` and refuses any value that cannot be stored."""

    #: False: values are returned as they are, for the view to judge one row at a time.
    check_values = True

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = stream.read() if stream is not None else b""
        try:
            value = jsonsafe.loads(data)
        except jsonsafe.JSONSyntaxError as error:
            message = f"JSON parse error - {jsonsafe.printable(str(error))}"
            raise exceptions.ParseError(message) from None
        if self.check_values:
            found = jsonsafe.problems(value)
            if found:
                raise exceptions.ValidationError(found)
        return value


class LenientJSONParser(JSONParser):
    check_values = False
