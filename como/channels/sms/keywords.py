"""The keywords a person can text back, recognised the way carriers do: the whole message is
the keyword, in any case, with any surrounding or inner spacing ("  oPt   OuT ")."""

from __future__ import annotations

import re
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    HELP = "help"
    START = "start"


#: TCPA / CTIA opt-out words (STOP, QUIT, END, REVOKE, OPT OUT, CANCEL, UNSUBSCRIBE: see
#: docs/architecture.md, "The compliance gate"), plus those Twilio's carrier-level opt-out honours.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT", "OPTOUT"}
)
HELP_WORDS = frozenset({"HELP", "INFO"})
#: Not "YES": a yes to some other question must never resubscribe anybody.
START_WORDS = frozenset({"START", "UNSTOP"})

_SPACE = re.compile(r"\s+")


def normalize_keyword(text: str) -> str:
    """Stripped, inner whitespace collapsed to one space, upper case."""
    return _SPACE.sub(" ", text).strip().upper()


def keyword_of(text: str) -> Keyword | None:
    word = normalize_keyword(text)
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in HELP_WORDS:
        return Keyword.HELP
    if word in START_WORDS:
        return Keyword.START
    return None
