"""What every automotive check reads: the creative's text and the amounts printed in it, the
vehicle's prices and charges, and the jurisdictions, each worked out once per draft.

The engine runs the checks one after another on the same draft, so :func:`creative` keeps the
last draft it read (a reference, so its id cannot be reused) and the other checks get the same
:class:`Creative` without joining, lower-casing and scanning the text again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
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

#: "$18,995", "$18995.00", "USD 18,995", "$18.9k", "$19K", "18,995 dollars".
_AMOUNT = re.compile(
    r"(?:\$|\busd ?)\s?(?P<a>\d{1,3}(?:,\d{3})+|\d+)(?P<ac>\.\d{1,2})?(?P<ak> ?k\b)?"
    r"|\b(?P<b>\d{1,3}(?:,\d{3})+|\d+)(?P<bc>\.\d{1,2})? ?(?P<bk>k )?dollars\b"
)
#: Where a clause ends: what is said about an amount is said in its clause.
_CLAUSE_END = re.compile(
    r"(?<!\bmo)(?<!\bmos)(?<!\bincl)(?<!\breg)(?<!\bno)(?<!\bapprox)(?<!\bst)(?<!\bvs)"
    r"(?<!\bw\.a\.c)(?<!\bo\.a\.c)[.!?;](?=\s|$)|\n|\s[|•]\s"
)

# What an amount is, from the words right after or right before it.
_AFTER_PAYMENT = re.compile(
    r"\s*(?:/\s*|per\s+|a\s+|each\s+|every\s+)(?:mo\b|mos\b|month|wk\b|week|bi-?week|two weeks)"
    r"|\s*(?:monthly|weekly|bi-?weekly|semi-?monthly)\b"
)
_BEFORE_PAYMENT = re.compile(
    r"(?:payments?|monthly payment|installments?) (?:of|at|from)\s*(?:just |only )?$"
)
_AFTER_DOWN = re.compile(r"\s*(?:total |cash |customer )?down\b(?!\s+(?:from|to|since)\b)")
_BEFORE_DOWN = re.compile(r"(?:down ?payments?(?: of| is)?|\bdown\s*:)\s*(?:just |only |a |an )?$")
_AFTER_SIGNING = re.compile(
    r"\s*(?:total\s+)?(?:due\s+)?(?:at|@)\s+(?:lease\s+)?signing|\s*drive[- ]?off"
)
_BEFORE_SIGNING = re.compile(r"(?:due at (?:lease )?signing|drive[- ]?off)(?: of)?\s*:?\s*$")
_AFTER_OTHER = re.compile(
    r"\s*(?:off\b|rebates?|cash\b|cash back|bonus|savings|in savings|discount|incentive|"
    r"customer cash|factory|manufacturer|trade|doc\b|documentary|documentation|dealer\b|"
    r"fees?\b|in (?:dealer )?fees|financed|per \$|allowance|security|deposit|below|under msrp|"
    r"less\b|conquest|loyalty|military|college|graduate|over invoice|under invoice|"
    r"(?:processing|prep|preparation|admin|administrative|reconditioning|destination) )"
)
_BEFORE_OTHER = re.compile(
    r"(?:save|saving|savings|savings of|rebate|rebates|rebate of|cash of|bonus of|discount of|"
    r"fee of|fees of|fee|fees|charge of|including|incl\.?|includes|plus|\+|up to|under|below|"
    r"less than|off|per|deposit of|deposit|allowance of|worth|value of|valued at|for your trade|"
    r"total of payments|total cost|total sale price|amount financed|finance charge|interest)"
    r"\s*:?\s*$"
)
#: A former price: what a sale or a rebate is measured against.
_BEFORE_FORMER = re.compile(
    r"(?:msrp|m\.s\.r\.p\.|was|were|reg\.?|regular(?:ly)?(?: price)?|originally|orig\.?|"
    r"list(?: price)?|sticker(?: price)?|compare at|retail(?: price)?|before rebates?|"
    r"pre-rebate price|price before (?:the )?rebates?)\s*(?:price)?\s*:?\s*$"
)
_AFTER_FORMER = re.compile(r"\s*(?:msrp|sticker|list price|retail)\b")

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

    __slots__ = ("_amounts", "lower", "spans", "text")

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

    @property
    def amounts(self) -> list[Amount]:
        if self._amounts is None:
            self._amounts = (
                _amounts(self.lower)
                if ("$" in self.lower or "dollar" in self.lower or "usd" in self.lower)
                else []
            )
        return self._amounts

    def field_at(self, position: int) -> str:
        for start, end, name in self.spans:
            if start <= position <= end:
                return name
        return ""

    def clause(self, start: int, end: int, *, before: int = 80, after: int = 90) -> str:
        """The clause around ``[start, end)``: from the previous clause end (at most
        ``before`` characters back) to the next one (at most ``after`` on)."""
        lower = self.lower
        first = max(0, start - before)
        ends = [cut.end() for cut in _CLAUSE_END.finditer(lower, first, start)]
        if ends:
            first = ends[-1]
        last = min(len(lower), end + after)
        stop = _CLAUSE_END.search(lower, end, last)
        if stop is not None:
            last = stop.start()
        return lower[first:last]

    def prices(self) -> list[Amount]:
        return [a for a in self.amounts if a.role == PRICE]


def _number(digits: str, cents: str | None, thousands: str | None) -> tuple[float, float]:
    value = float(digits.replace(",", "") + (cents or ""))
    if thousands:
        places = len(cents) - 1 if cents else 0
        return value * 1000, 500 / (10**places)
    return value, 0.5 if not cents else 0.005


def _role(lower: str, start: int, end: int) -> str:
    after = lower[end : end + 40]
    before = lower[max(0, start - 40) : start]
    if _AFTER_PAYMENT.match(after) or _BEFORE_PAYMENT.search(before):
        return PAYMENT
    if _AFTER_SIGNING.match(after) or _BEFORE_SIGNING.search(before):
        return SIGNING
    if _AFTER_DOWN.match(after) or _BEFORE_DOWN.search(before):
        return DOWN
    if _BEFORE_FORMER.search(before) or _AFTER_FORMER.match(after):
        return FORMER
    if _AFTER_OTHER.match(after) or _BEFORE_OTHER.search(before):
        return OTHER
    return PRICE


def _amounts(lower: str) -> list[Amount]:
    found = []
    for match in _AMOUNT.finditer(lower):
        if match.group("a") is not None:
            value, tolerance = _number(match.group("a"), match.group("ac"), match.group("ak"))
        else:
            value, tolerance = _number(match.group("b"), match.group("bc"), match.group("bk"))
        start, end = match.span()
        found.append(Amount(value, tolerance, start, end, _role(lower, start, end)))
    return found


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


def money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        return None


def dollars(value: float | Decimal) -> str:
    """``$18,995`` (cents only when there are any)."""
    amount = Decimal(str(value))
    return f"${amount:,.2f}" if amount % 1 else f"${amount:,.0f}"


def selling_price(vehicle: Mapping[str, Any]) -> Decimal | None:
    """The price the dealer sells for, before its charges (``price``, else the internet
    price)."""
    price = money(vehicle.get("price"))
    return price if price is not None else money(vehicle.get("internet_price"))


def mandatory_charges(vehicle: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """The dealer's mandatory charges, ``(name, amount)``: ``dealer_charges`` (the inventory's:
    all mandatory) and ``dealer_fees`` given as a list (the lint API's ``{name, amount,
    mandatory}``; ``mandatory`` false leaves one out). Taxes and government fees are never
    dealer charges, whatever list they arrive in."""
    charges: list[tuple[str, Decimal]] = []
    for key in ("dealer_charges", "dealer_fees"):
        listed = vehicle.get(key)
        if not isinstance(listed, Sequence) or isinstance(listed, str):
            continue
        for item in listed:
            if not isinstance(item, Mapping) or item.get("mandatory", True) is False:
                continue
            amount = money(item.get("amount"))
            name = str(item.get("name") or "")
            if amount is None or amount <= 0 or _GOVERNMENT.search(name):
                continue
            charges.append((name, amount))
    if not charges:
        # vehicle_data() carries the charges' total as ``dealer_fees`` beside the list.
        total = money(vehicle.get("dealer_fees"))
        if total and not vehicle.get("dealer_charges"):
            charges.append(("dealer fees", total))
    return charges


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
