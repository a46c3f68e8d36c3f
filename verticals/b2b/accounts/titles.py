"""A job title's department and level, by rules held as data (Demandbase's published approach,
docs/architecture.md, "B2B accounts"): the department from keywords, the level by first match
C-level → VP → director → manager → other.

The rules are the two tables below, read in order, first match wins. Titles are normalised
first: lower case, ``&`` → ``and``, punctuation → spaces, common abbreviations spelled out
(``sr`` → ``senior``, ``dir`` → ``director``, ``mgr`` → ``manager``, ``eng`` → ``engineering``…),
so the tables name whole words and phrases only. Keywords that other keywords contain come in
the department that must win: ``data engineer`` is engineering (listed before data), ``sales
operations analyst`` is data, ``business development`` is sales (the engineering list has no
bare "development"). C-level comes before VP so "SVP and Chief Technology Officer" is C-level;
"vice president" is spelled "vp" first, so the C-level "president" is the office itself.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, NamedTuple

Level = Literal["c_level", "vp", "director", "manager", "other"]
LEVELS: tuple[Level, ...] = ("c_level", "vp", "director", "manager", "other")

#: (department, keywords), first match wins.
DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "compliance",
        ("compliance", "regulatory", "privacy", "risk", "audit", "auditor", "dpo"),
    ),
    (
        "legal",
        (
            "chief legal officer",
            "clo",
            "counsel",
            "legal",
            "attorney",
            "lawyer",
            "paralegal",
            "contracts",
            "contract",
        ),
    ),
    (
        "procurement",
        (
            "chief procurement officer",
            "procurement",
            "purchasing",
            "sourcing",
            "vendor management",
            "vendor manager",
            "buyer",
            "supplier",
        ),
    ),
    (
        "finance",
        (
            "cfo",
            "chief financial officer",
            "finance",
            "financial",
            "controller",
            "comptroller",
            "accounting",
            "accountant",
            "treasurer",
            "treasury",
            "fp and a",
            "fpa",
        ),
    ),
    (
        "security",
        (
            "ciso",
            "chief information security officer",
            "security",
            "infosec",
            "cybersecurity",
            "cyber",
        ),
    ),
    (
        "it",
        (
            "cio",
            "chief information officer",
            "it",
            "information technology",
            "infrastructure",
            "systems administrator",
            "sysadmin",
            "network",
            "help desk",
            "helpdesk",
            "service desk",
            "enterprise applications",
            "erp",
            "database",
            "dba",
        ),
    ),
    (
        "engineering",
        (
            "cto",
            "chief technology officer",
            "engineer",
            "engineering",
            "architect",
            "architecture",
            "developer",
            "software development",
            "devops",
            "sre",
            "site reliability",
            "software",
            "platform",
            "programmer",
            "technical",
        ),
    ),
    (
        "data",
        (
            "cdo",
            "chief data officer",
            "chief analytics officer",
            "data",
            "analytics",
            "analyst",
            "bi",
            "business intelligence",
            "insights",
            "machine learning",
            "ml",
            "ai",
            "scientist",
            "statistician",
            "reporting",
        ),
    ),
    ("sales", ("cro", "chief revenue officer", "business development", "sales", "revenue")),
    (
        "marketing",
        (
            "cmo",
            "chief marketing officer",
            "marketing",
            "abm",
            "demand",
            "demand generation",
            "brand",
            "growth",
            "content",
            "communications",
            "seo",
            "campaigns",
        ),
    ),
    (
        "account_management",
        ("account executive", "account manager", "customer success", "sdr", "bdr"),
    ),
    ("product", ("cpo", "chief product officer", "product")),
    (
        "operations",
        ("coo", "chief operating officer", "operations", "ops", "supply chain", "logistics"),
    ),
    (
        "hr",
        (
            "chro",
            "chief people officer",
            "chief human resources officer",
            "hr",
            "human resources",
            "people",
            "talent",
            "recruiting",
            "recruiter",
        ),
    ),
    (
        "executive",
        (
            "ceo",
            "chief executive officer",
            "founder",
            "cofounder",
            "president",
            "owner",
            "managing director",
            "general manager",
            "chief of staff",
            "partner",
        ),
    ),
)
DEPARTMENT_KEYS: tuple[str, ...] = tuple(key for key, _ in DEPARTMENTS)

#: (level, phrases), first match wins; a title matching none is "other".
LEVEL_RULES: tuple[tuple[Level, tuple[str, ...]], ...] = (
    # An executive's aide, not an executive: before "chief" below.
    ("director", ("chief of staff",)),
    (
        "c_level",
        (
            "chief",
            "ceo",
            "cfo",
            "cio",
            "cto",
            "cmo",
            "coo",
            "cdo",
            "cro",
            "cpo",
            "ciso",
            "chro",
            "clo",
            "president",
            "founder",
            "cofounder",
            "owner",
            "managing director",
            "managing partner",
        ),
    ),
    # "vice president" was spelled "vp" by normalise(), so "president" above is the office.
    ("vp", ("vp", "svp", "evp", "avp", "head", "general counsel", "general manager")),
    ("director", ("director",)),
    ("manager", ("manager", "lead", "supervisor")),
)

_ABBREVIATIONS = {
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "dir": "director",
    "mgr": "manager",
    "mngr": "manager",
    "eng": "engineering",
    "engr": "engineer",
    "assoc": "associate",
    "asst": "assistant",
    "exec": "executive",
    "ops": "operations",
    "mktg": "marketing",
    "admin": "administrator",
    "dev": "developer",
}
_SEPARATORS = re.compile(r"[^a-z0-9]+")


class TitleReading(NamedTuple):
    department: str  # a DEPARTMENT_KEYS value, or "" when no keyword matched
    level: Level


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "chief data officer" wins over "chief" within one group.
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, ordered)) + r")(?![a-z0-9])")


_DEPARTMENT_PATTERNS = tuple((key, _pattern(words)) for key, words in DEPARTMENTS)
_LEVEL_PATTERNS = tuple((level, _pattern(words)) for level, words in LEVEL_RULES)


def normalise(title: str) -> str:
    text = title.lower().replace("&", " and ").replace("co-founder", "cofounder")
    text = text.replace("v.p.", "vp")
    words = [_ABBREVIATIONS.get(word, word) for word in _SEPARATORS.split(text) if word]
    return " ".join(words).replace("vice president", "vp").replace("fp and a", "fpa")


@lru_cache(maxsize=16_384)
def read_title(title: str) -> TitleReading:
    """The department and level of ``title`` (a blank title: no department, "other")."""
    text = normalise(title)
    department = next((key for key, pattern in _DEPARTMENT_PATTERNS if pattern.search(text)), "")
    level: Level = next(
        (level for level, pattern in _LEVEL_PATTERNS if pattern.search(text)), "other"
    )
    return TitleReading(department, level)
