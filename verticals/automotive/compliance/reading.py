"""What every automotive check reads: the creative's text and the amounts printed in it, the
vehicle's prices and charges, and the jurisdictions, each worked out once per draft.

The engine runs the checks one after another on the same draft, so :func:`creative` keeps the
last draft it read (a reference, so its id cannot be reused) and the other checks get the same
:class:`Creative` without joining, lower-casing and scanning the text again.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from como.compliance.drafts import Draft

#: Fields that are addresses or headers, not text a reader sees.
NOT_TEXT = frozenset(
    {
        "from",
        "to",
        "reply_to",
        "link",
        "final_url",
        "final_urls",
        "offer_url",
        "list_unsubscribe",
        "list_unsubscribe_post",
        "photo",
        "image_url",
        "path1",
        "path2",
    }
)
_TAG = re.compile(r"<[^<>]*>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_ENTITIES = (("&nbsp;", " "), ("&amp;", "&"), ("&#36;", "$"), ("&#x24;", "$"))

#: "$18,995", "$18995.00", "USD 18,995", "$18.9k", "$19K"; and "18,995 dollars".
_AMOUNT = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?( ?k\b)?")
_AMOUNT_USD = re.compile(r"(?:\$|\busd ?)\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?( ?k\b)?")
_AMOUNT_WORDS = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})? ?(k )?dollars\b")
#: Where a clause ends: what is said about an amount is said in its clause. A full stop after
#: an abbreviation ("/mo.", "incl.", "o.a.c.") ends nothing.
_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|\n|\s[|•]\s")
_ABBREVIATIONS = frozenset(
    {"mo", "mos", "incl", "reg", "no", "approx", "st", "vs", "w.a.c", "o.a.c"}
)
_WORD_BEFORE = re.compile(r"[\w.]*$")

# What an amount is, from the words right after it (one anchored match, alternatives in order
# of precedence) or right before it (the text's last words, compared as suffixes).
_AFTER = re.compile(
    r"\s*(?:"
    r"(?P<payment>(?:/\s*|per\s+|a\s+|each\s+|every\s+)?(?:mo\b|mos\b|mth\b|mon\b(?!-)|"
    r"months?\b|wk\b|weeks?\b|bi-?weeks?\b|two weeks\b)"
    r"|(?:monthly|weekly|bi-?weekly|semi-?monthly)\b)"
    r"|(?P<signing>(?:total\s+|cash\s+)?(?:due\s+)?(?:at|@)\s+(?:lease\s+)?"
    r"(?:signing|delivery|inception)|drive[- ]?off)"
    r"|(?P<down>(?:total |cash |customer )?down\b(?!\s+(?:from|to|since)\b))"
    r"|(?P<former>(?:msrp|sticker|list price|retail)\b)"
    r"|(?P<other>(?:off\b|rebates?|cash\b|cash back|bonus|savings|in savings|discount|"
    r"incentive|customer cash|factory|manufacturer|trade|doc\b|documentary|documentation|"
    r"dealer\b|fees?\b|in (?:dealer )?fees|financed|per \$|allowance|security|deposit|below|"
    r"under msrp|less\b|conquest|loyalty|military|college|graduate|over invoice|under invoice|"
    r"(?:processing|prep|preparation|admin|administrative|reconditioning|destination) ))"
    r")"
)
_BEFORE: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "payment",
        tuple(
            f" {what} {prep}"
            for what in ("payment", "payments", "monthly payment", "installment", "installments")
            for prep in ("of", "at", "from")
        ),
    ),
    (
        "signing",
        (" due at signing", " due at lease signing", " drive-off", " drive off", " driveoff",
         " due at signing of", " drive-off of"),
    ),
    (
        "down",
        (" down payment", " down payment of", " down payments of", " down payment is",
         " downpayment", " downpayment of", " down"),
    ),
    (
        "former",
        (" msrp", " m.s.r.p.", " m.s.r.p", " was", " were", " reg", " reg.", " regular",
         " regularly", " regular price", " originally", " orig", " orig.", " list",
         " list price", " sticker", " sticker price", " compare at", " retail", " retail price",
         " before rebate", " before rebates", " pre-rebate price", " price before rebate",
         " price before rebates", " price before the rebate", " msrp price"),
    ),
    (
        "other",
        (" save", " saving", " savings", " savings of", " rebate", " rebates", " rebate of",
         " cash of", " bonus of", " discount of", " fee of", " fees of", " fee", " fees",
         " charge of", " including", " incl", " incl.", " includes", " plus", " +", " up to",
         " under", " below", " less than", " off", " per", " deposit of", " deposit",
         " allowance of", " worth", " value of", " valued at", " for your trade",
         " total of payments", " total cost", " total sale price", " amount financed",
         " finance charge", " interest"),
    ),
)  # fmt: skip
_FILLERS = (" just", " only")
#: The last word of every phrase above: a tail ending in another word has no role to find.
_LAST_WORDS = frozenset(word.rsplit(" ", 1)[-1] for _, words in _BEFORE for word in words)
_PRECEDENCE = {"payment": 0, "signing": 1, "down": 2, "former": 3, "other": 4, "price": 5}

PRICE = "price"
PAYMENT = "payment"
DOWN = "down"
SIGNING = "signing"
FORMER = "former"
OTHER = "other"

#: Words for a charge that is a tax or a government fee (never part of the advertised price).
_GOVERNMENT = re.compile(
    r"\b(?:tax|taxes|title|registration|regist|licen[cs]e|license plate|plates?|tags?|dmv|"
    r"government|state fee|tire fee|smog|emission|inspection fee|"
    r"electronic (?:filing|registration))\b",
    re.IGNORECASE,
)
_DOC = re.compile(r"\bdoc(?:ument)?(?:ary|ation|ument|s)?\b|\bprocessing\b", re.IGNORECASE)

_CONDITION_LABELS = {"new", "used", "cpo"}


class Amount:
    """One amount printed in the text: its value, how precisely it was printed, where, and
    what it is (a vehicle price, a payment, a down payment, a due-at-signing amount, a former
    price, or something else: a fee, a rebate, savings)."""

    __slots__ = ("end", "role", "start", "tolerance", "value")

    def __init__(self, value: float, tolerance: float, start: int, end: int, role: str) -> None:
        self.value = value
        self.tolerance = tolerance
        self.start = start
        self.end = end
        self.role = role

    def matches(self, target: float) -> bool:
        return abs(self.value - target) <= self.tolerance

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Amount({self.value}, {self.role}, {self.start})"


class Creative:
    """The draft's readable text (HTML tags and links removed), lower-cased, with the field
    each stretch came from, and the amounts in it (parsed on first use)."""

    __slots__ = ("_amounts", "_ends", "lower", "spans", "text")

    def __init__(self, fields: Mapping[str, Any]) -> None:
        parts: list[str] = []
        spans: list[tuple[int, int, str]] = []
        offset = 0
        for name, value in fields.items():
            if name in NOT_TEXT or name.endswith("_url") or not isinstance(value, str):
                continue
            if not value:
                continue
            if "<" in value:
                value = _TAG.sub(" ", value)
            if "&" in value:
                for entity, char in _ENTITIES:
                    value = value.replace(entity, char)
            if "://" in value or "www." in value:
                value = _URL.sub(" ", value)
            parts.append(value)
            spans.append((offset, offset + len(value), name))
            offset += len(value) + 1
        self.text = "\n".join(parts)
        self.lower = self.text.lower()
        self.spans = spans
        self._amounts: list[Amount] | None = None
        self._ends: list[int] | None = None

    @property
    def amounts(self) -> list[Amount]:
        if self._amounts is None:
            self._amounts = _amounts(self.lower)
        return self._amounts

    def field_at(self, position: int) -> str:
        for start, end, name in self.spans:
            if start <= position <= end:
                return name
        return ""

    def clause(self, start: int, end: int, *, before: int = 80, after: int = 90) -> str:
        """The clause around ``[start, end)``: from the previous clause end (at most
        ``before`` characters back) to the next one (at most ``after`` on)."""
        if self._ends is None:
            self._ends = _clause_ends(self.lower)
        ends = self._ends
        first = max(0, start - before)
        last = min(len(self.lower), end + after)
        at = bisect_left(ends, start)
        if at and ends[at - 1] + 1 > first:
            first = ends[at - 1] + 1
        after_at = bisect_left(ends, end)
        if after_at < len(ends) and ends[after_at] < last:
            last = ends[after_at]
        return self.lower[first:last]

    def prices(self) -> list[Amount]:
        return [a for a in self.amounts if a.role == PRICE]


def _number(digits: str, cents: str | None, thousands: str | None) -> tuple[float, float]:
    value = float(digits.replace(",", "") + (cents or ""))
    if thousands:
        places = len(cents) - 1 if cents else 0
        return value * 1000, 500 / (10**places)
    return value, 0.5 if not cents else 0.005


def _role(lower: str, start: int, end: int) -> str:
    after = _AFTER.match(lower, end, end + 40)
    role = after.lastgroup or PRICE if after is not None else PRICE
    if role == PAYMENT:
        return role
    tail = " " + lower[max(0, start - 40) : start].rstrip(" :\t")
    if tail.endswith(_FILLERS):
        tail = tail.rsplit(" ", 1)[0].rstrip(" :")
    if tail[tail.rfind(" ") + 1 :] not in _LAST_WORDS:
        return role  # the common case: one set lookup
    for before, words in _BEFORE:
        if _PRECEDENCE[before] >= _PRECEDENCE[role]:
            break
        if tail.endswith(words):
            if before == DOWN and tail.endswith(" price down"):
                continue  # "price down $1,000": a reduction, not a down payment
            return before
    return role


def _amounts(lower: str) -> list[Amount]:
    found = []
    if "$" in lower or "usd" in lower:
        # A literal first character lets the regex engine skip to each "$" at C speed.
        for match in (_AMOUNT_USD if "usd" in lower else _AMOUNT).finditer(lower):
            value, tolerance = _number(*match.groups())
            start, end = match.span()
            found.append(Amount(value, tolerance, start, end, _role(lower, start, end)))
    if "dollar" in lower:
        for match in _AMOUNT_WORDS.finditer(lower):
            value, tolerance = _number(*match.groups())
            start, end = match.span()
            found.append(Amount(value, tolerance, start, end, _role(lower, start, end)))
        found.sort(key=lambda amount: amount.start)
    return found


def _clause_ends(lower: str) -> list[int]:
    ends = []
    for match in _CLAUSE_END.finditer(lower):
        if match.group(0) == ".":
            word = _WORD_BEFORE.search(lower, max(0, match.start() - 8), match.start())
            if word is not None and word.group(0) in _ABBREVIATIONS:
                continue
        ends.append(match.start())
    return ends


_last: tuple[Draft, Creative] | None = None


def creative(draft: Draft) -> Creative:
    """The draft's :class:`Creative`, read once however many checks ask."""
    global _last
    last = _last
    if last is not None and last[0] is draft:
        return last[1]
    read = Creative(draft.fields)
    _last = (draft, read)
    return read


def jurisdictions(draft: Draft) -> frozenset[str]:
    if draft.recipient is None and not draft.audience:
        return draft.jurisdictions
    return draft.all_jurisdictions


# --- the vehicle -------------------------------------------------------------------------


def money(value: Any) -> float | None:
    """An amount of the vehicle's data (a Decimal, a number or its text) as a float: the checks
    compare it with printed amounts, to the cent at best, so floats are exact enough."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return None


def dollars(value: float) -> str:
    """``$18,995`` (cents only when there are any)."""
    cents = round(value * 100)
    return f"${cents / 100:,.2f}" if cents % 100 else f"${cents // 100:,}"


def selling_price(vehicle: Mapping[str, Any]) -> float | None:
    """The price the dealer sells for, before its charges (``price``, else the internet
    price)."""
    price = money(vehicle.get("price"))
    return price if price is not None else money(vehicle.get("internet_price"))


def mandatory_charges(vehicle: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The dealer's mandatory charges, ``(name, amount)``: ``dealer_charges`` (the inventory's:
    all mandatory) and ``dealer_fees`` given as a list (the lint API's ``{name, amount,
    mandatory}``; ``mandatory`` false leaves one out). Taxes and government fees are never
    dealer charges, whatever list they arrive in."""
    charges: list[tuple[str, float]] = []
    for key in ("dealer_charges", "dealer_fees"):
        listed = vehicle.get(key)
        if not isinstance(listed, (list, tuple)):
            continue
        for item in listed:
            if not isinstance(item, dict) or item.get("mandatory", True) is False:
                continue
            amount = money(item.get("amount"))
            name = str(item.get("name") or "")
            if amount is None or amount <= 0 or is_government(name):
                continue
            charges.append((name, amount))
    if not charges:
        # vehicle_data() carries the charges' total as ``dealer_fees`` beside the list.
        total = money(vehicle.get("dealer_fees"))
        if total and not vehicle.get("dealer_charges"):
            charges.append(("dealer fees", total))
    return charges


@lru_cache(maxsize=1024)
def is_government(name: str) -> bool:
    """A tax or a government fee, by its name (a dealer uses a handful of names)."""
    return _GOVERNMENT.search(name) is not None


@lru_cache(maxsize=1024)
def is_doc_fee(name: str) -> bool:
    return _DOC.search(name) is not None


def condition(vehicle: Mapping[str, Any]) -> str:
    """``new``, ``used``, ``cpo`` or ``demo`` (a demonstrator is a used vehicle in most state
    codes, but it is advertised as what it is); ``""`` when unknown."""
    value = str(vehicle.get("condition") or "").strip().lower()
    if value in ("demo", "demonstrator") or vehicle.get("demo") is True:
        return "demo"
    if value in ("pre-owned", "preowned", "pre owned"):
        return "used"
    if value in ("certified", "certified pre-owned"):
        return "cpo"
    return value if value in _CONDITION_LABELS else ""


def is_certified(vehicle: Mapping[str, Any]) -> bool:
    return vehicle.get("certified") is True or condition(vehicle) == "cpo"
