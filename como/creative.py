"""Safe rendering of user-editable creative (email bodies, SMS text, ad copy).

`render_creative(source, context)` renders a Jinja2 template in an
`ImmutableSandboxedEnvironment` and either returns the text or raises `CreativeError`, whose
message is fit to show the person editing the template ("Line 3: 'first_nme' is undefined").

Limits, and how they hold:

* **Sandbox.** No `_`-prefixed attributes, no mutation of lists/dicts, `str.format` routed through
  the sandboxed formatter (Jinja's own fixes for CVE-2016-10745, CVE-2019-10906, CVE-2024-56326,
  CVE-2025-27516 — the `|attr` filter goes through the sandbox too). No loader: `include`,
  `import`, `from` and `extends` are rejected when the template is compiled. `lipsum` is removed.
* **Only the data it needs.** The context is copied into plain data (str, numbers, dates, lists,
  dicts); anything else (a model instance, a queryset, a function) is a `TypeError` for the
  caller, so a template can never reach methods of application objects. A caller that renders
  the same data several times copies it once with `plain_context()`; the `PlainContext` it gets
  is the only holder of that copy and cannot be changed, so the guarantee is the same.
* **Time.** Rendering happens in the calling thread and is *cooperative*: every place where a
  template can do unbounded work in Python code checks the deadline. Jinja compiles loops to
  plain Python `for` statements, so the parsed template is rewritten before compiling: every
  `{% for %}` iterates through a guard that checks the clock on each item; every call (macros,
  methods, `loop()`) goes through `SandboxedEnvironment.call`, which checks it as well, as do the
  intercepted binary operators and every output expression. Recursion ends in `RecursionError`,
  which is reported. A process pool with a kill at the deadline was rejected: a round trip to a
  fork pool of one measured about 3 ms on the dev box, against about 0.2 ms for a whole render
  here (0.1 ms of it these guards), and the channels render once per recipient.
* **Size.** Output is streamed and stops at `max_output` characters. Operations that can
  multiply size in one C-level step are checked *before* they run: `*` on strings and lists,
  `**` and `*` on integers, `%`-formatting and `str.format` widths/precisions, `str.center`,
  `ljust`, `rjust`, `zfill`, `expandtabs`, `replace`, `join`, and the filters `center`,
  `indent`, `wordwrap`, `join`, `replace`, `format`, `batch`, `slice`, `tojson`. `range()` is
  capped at `MAX_RANGE` items. Besides, every string or list the template produces is charged to
  a per-render work budget (`WORK_FACTOR` times `max_output`), which bounds the memory and the work
  of templates that build strings inside `{% set %}` blocks or macros that are never output. The
  template's own text is charged wherever it can repeat or be buffered; where it runs once and
  streams out it is bounded by `MAX_SOURCE` and counted by the output cap instead.

What this cannot do: interrupt a single long C-level operation that is not on the list above.
Every operation available to a template works on data bounded by the limits above, so such an
operation is bounded too; a Celery task's time limit remains the outer bound.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from decimal import Decimal
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.exceptions import (
    SecurityError,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, soft_str

__all__ = ["CreativeError", "PlainContext", "compile_creative", "plain_context", "render_creative"]

MAX_SOURCE = 100_000  # characters of template source
MAX_RANGE = 10_000  # items from range(); Jinja's own sandbox allows 100,000
MAX_ITEMS = 10_000  # items of a list or tuple built by `*` or `+`, batch/slice counts
MAX_WIDTH = 1_000  # width or precision in a format spec, str.center(), indent, …
MAX_INT_BITS = 4_096  # integers built by `*` and `**`
MAX_JSON_INDENT = 8
WORK_FACTOR = 32  # work budget = WORK_FACTOR * max_output characters/items produced
MAX_CONTEXT_DEPTH = 20

_TEMPLATE_FILENAME = "<template>"


class CreativeError(Exception):
    """A template that cannot be rendered; `str(error)` is meant for the person editing it."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        self.message = message
        self.lineno = lineno
        super().__init__(message)

    def __str__(self) -> str:
        return f"Line {self.lineno}: {self.message}" if self.lineno else self.message


class _LimitError(CreativeError):
    """Raised from inside a render by a guard; never caught by template code."""


# --- per-render limits -----------------------------------------------------------------------


class _Limits:
    __slots__ = ("deadline", "max_output", "timeout", "work_left")

    def __init__(self, timeout: float, max_output: int) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.max_output = max_output
        self.work_left = WORK_FACTOR * max_output

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _LimitError(
                f"the template took longer than {self.timeout:g}s to render; "
                "check its loops and macros"
            )

    def size(self, n: int, what: str = "the result") -> None:
        """Check, before building it, that a string or list of `n` characters/items is allowed."""
        if n > self.max_output:
            raise _LimitError(f"{what} would be longer than {self.max_output} characters")

    def charge(self, value: Any, tick: bool = True) -> None:
        if isinstance(value, _SIZED):
            n = len(value)
            if n > self.max_output:
                self.size(n)
            self.work_left -= n
            if self.work_left < 0:
                raise _LimitError("the template builds too much text; simplify it")
        if tick and time.monotonic() > self.deadline:
            self.tick()


_SIZED = (str, bytes, list, tuple, dict)
_limits: ContextVar[_Limits | None] = ContextVar("como_creative_limits", default=None)


def _current() -> _Limits | None:
    return _limits.get()


# --- size estimates for operations that multiply ---------------------------------------------

_PERCENT_DIRECTIVE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


def _check_percent_format(fmt: str) -> None:
    for m in _PERCENT_DIRECTIVE.finditer(fmt):
        for part in m.groups():
            if part == "*":
                raise _LimitError("'*' widths in %-formatting are not allowed")
            if part is not None and int(part) > MAX_WIDTH:
                raise _LimitError(f"format width {part} is larger than {MAX_WIDTH}")


def _check_brace_format(fmt: str) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format will raise its own, clear error
    for _literal, _field, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            raise _LimitError("nested fields in a format spec are not allowed")
        for number in _NUMBER.findall(spec):
            if int(number) > MAX_WIDTH:
                raise _LimitError(f"format width {number} is larger than {MAX_WIDTH}")


def _check_width(width: Any) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise _LimitError(f"width {width} is larger than {MAX_WIDTH}")


def _replace_size(s: str | bytes, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return len(s)
    try:
        n = s.count(old) if old else len(s) + 1  # type: ignore[arg-type]
    except TypeError:
        return len(s)
    if isinstance(count, int) and count >= 0:
        n = min(n, count)
    return len(s) + n * max(0, len(new) - len(old))


def _join_size(sep: str | bytes, items: list[Any]) -> int:
    return sum(len(x) if isinstance(x, str | bytes) else len(str(x)) for x in items) + len(
        sep
    ) * max(0, len(items) - 1)


def _int_bits(x: Any) -> int:
    return abs(x).bit_length() if isinstance(x, int) else 0


def _sequence_len(x: Any) -> int | None:
    return len(x) if isinstance(x, str | bytes | list | tuple) else None


# --- the environment -------------------------------------------------------------------------


#: Every attribute a plain dict has (from its type: a dict instance has no ``__dict__``).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `vehicle.name` on a plain dict: Jinja tries the attribute, catches the AttributeError
        # and returns the key. When no dict attribute has that name the answer is the key, so
        # it is returned without raising (an exception per lookup was a tenth of a render).
        # Anything else, a missing key included, takes the sandbox's own path.
        if type(obj) is dict and type(attribute) is str and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        limits = _current()
        if limits is not None:
            limits.tick()
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    size = _sequence_len(seq)
                    if size is not None and isinstance(n, int):
                        limits.size(size * max(n, 0))
                        if not isinstance(seq, str | bytes) and size * n > MAX_ITEMS:
                            raise _LimitError(f"a list can have at most {MAX_ITEMS} items")
                both_int = isinstance(left, int) and isinstance(right, int)
                if both_int and _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                    raise _LimitError("the number would be too large")
            elif operator == "**":
                if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
                    if right > 0 and _int_bits(left) * right > MAX_INT_BITS:
                        raise _LimitError("the number would be too large")
                elif isinstance(right, int | float | Decimal) and abs(float(right)) > MAX_INT_BITS:
                    raise _LimitError("the exponent is too large")
            elif operator == "%" and isinstance(left, str | bytes):
                _check_percent_format(left if isinstance(left, str) else left.decode("latin-1"))
            elif operator == "+":
                a, b = _sequence_len(left), _sequence_len(right)
                if a is not None and b is not None:
                    limits.size(a + b)
        result = super().call_binop(context, operator, left, right)
        if limits is not None:
            limits.charge(result)
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_brace_format(fmt)
            return wrapped(*args, **kwargs)

        return checked

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        limits = _current()
        if limits is not None:
            limits.tick()
            target = getattr(__obj, "__self__", None)
            if isinstance(target, str | bytes):
                args = _precheck_str_method(limits, target, __obj.__name__, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if limits is not None:
            limits.charge(result)
        return result


def _precheck_str_method(
    limits: _Limits, s: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    if name in {"center", "ljust", "rjust", "zfill"}:
        width = args[0] if args else kwargs.get("width")
        _check_width(width)
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        _check_width(tabsize)
        if isinstance(tabsize, int):
            limits.size(len(s) + s.count("\t" if isinstance(s, str) else b"\t") * tabsize)  # type: ignore[arg-type]
    elif name == "replace" and len(args) >= 2:
        limits.size(_replace_size(s, args[0], args[1], args[2] if len(args) > 2 else -1))
    elif name == "join" and args:
        items = list(_bounded(args[0]))
        limits.size(_join_size(s, items))
        args = (items, *args[1:])
    return args


def _bounded(iterable: Iterable[Any]) -> Iterator[Any]:
    limits = _current()
    for i, item in enumerate(iterable):
        if limits is not None:
            limits.tick()
            if i > MAX_ITEMS * 10:
                raise _LimitError("too many items")
        yield item


def _range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise _LimitError(f"range() can have at most {MAX_RANGE} items")
    return rng


# Filters injected by the rewrite below. `pass_context` keeps Jinja from folding them into
# constants at compile time.


@pass_context
def _guard_iter(context: Context, iterable: Any) -> Iterator[Any]:
    limits = _current()
    if limits is None:
        yield from iterable
        return
    deadline = limits.deadline
    for item in iterable:
        if time.monotonic() > deadline:
            limits.tick()
        yield item


@pass_context
def _guard_output(context: Context, value: Any) -> Any:
    limits = _limits.get()
    if limits is not None:
        # No clock here: output without a loop or a call is bounded by the source's length.
        # `charge(…, tick=False)` inline: this runs for every expression a template outputs.
        n = len(value) if type(value) is str else len(soft_str(value))
        if n > limits.max_output:
            limits.size(n)
        limits.work_left -= n
        if limits.work_left < 0:
            raise _LimitError("the template builds too much text; simplify it")
    return value


@pass_context
def _guard_concat(context: Context, items: list[Any]) -> str:
    limits = _limits.get()
    # What both joins below make of each item (`soft_str`, called only for what is not a str).
    texts = [x if type(x) is str else soft_str(x) for x in items]
    if limits is not None:
        limits.size(sum(map(len, texts)))
    result = markup_join(texts) if context.eval_ctx.autoescape else str_join(texts)
    if limits is not None:
        limits.charge(result)
    return result


_GUARD_ITER = "como_guard_iter"
_GUARD_OUTPUT = "como_guard_output"
_GUARD_CONCAT = "como_guard_concat"


def _filter(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


#: Nodes whose body can run more than once per render, or whose output is kept in a buffer
#: (a variable, a macro's or a caller's result, a filtered block, a block `self.name()` renders
#: again) instead of streaming out.
_REPEATING = (
    nodes.For,
    nodes.Macro,
    nodes.CallBlock,
    nodes.AssignBlock,
    nodes.FilterBlock,
    nodes.Block,
)


class _Rewrite(NodeTransformer):
    """Route loops, output and `~` through the guards; reject loader-based tags.

    Text of the template itself (``TemplateData``) that runs at most once per render and
    streams straight out is left unguarded: it is bounded by the source's length, and the
    render's output cap counts it as it streams (with the expression guard's charge inlined, a
    vehicle creative's render runs about a sixth fewer instructions). Anywhere it could repeat
    or be buffered, it stays guarded."""

    def __init__(self) -> None:
        self._repeating = 0

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> nodes.Node:
        repeating = isinstance(node, _REPEATING)
        self._repeating += repeating
        try:
            return super().generic_visit(node, *args, **kwargs)
        finally:
            self._repeating -= repeating

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filter(node.iter, _GUARD_ITER)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        once = not self._repeating
        node.nodes = [
            child if once and type(child) is nodes.TemplateData else _filter(child, _GUARD_OUTPUT)
            for child in node.nodes
        ]
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _filter(nodes.List(node.nodes, lineno=node.lineno), _GUARD_CONCAT)

    def _no_loader(self, node: nodes.Node) -> nodes.Node:
        raise CreativeError(
            "include, import and extends are not available in creative templates",
            node.lineno,
        )

    visit_Include = visit_Import = visit_FromImport = visit_Extends = _no_loader


# Filters that can multiply the size of their input, each checked before it runs.


def _checked_filters(env: _Environment) -> dict[str, Callable[..., Any]]:
    f = env.filters

    def need() -> _Limits:
        limits = _current()
        if limits is None:  # pragma: no cover - only render_creative uses this environment
            raise _LimitError("render outside render_creative()")
        limits.tick()
        return limits

    orig_join, orig_replace, orig_indent = f["join"], f["replace"], f["indent"]
    orig_wordwrap, orig_center, orig_format = f["wordwrap"], f["center"], f["format"]
    orig_batch, orig_slice, orig_tojson = f["batch"], f["slice"], f["tojson"]

    @pass_eval_context
    def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
        limits = need()
        items = list(_bounded(value))
        if attribute is not None:
            getter = make_attrgetter(env, attribute)
            items = [getter(x) for x in items]
        limits.size(_join_size(soft_str(d), [soft_str(x) for x in items]))
        return str(orig_join(eval_ctx, items, d))

    @pass_eval_context
    def replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
        limits = need()
        limits.size(_replace_size(soft_str(s), soft_str(old), soft_str(new), count))
        return str(orig_replace(eval_ctx, s, old, new, count))

    def indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
        limits = need()
        _check_width(width)
        pad = width if isinstance(width, str) else " " * max(int(width), 0)
        s = soft_str(s)
        limits.size(len(s) + (s.count("\n") + 1) * len(pad))
        return str(orig_indent(s, width, first, blank))

    def wordwrap(
        s: str,
        width: int = 79,
        break_long_words: bool = True,
        wrapstring: str | None = None,
        break_on_hyphens: bool = True,
    ) -> str:
        limits = need()
        s = soft_str(s)
        sep = env.newline_sequence if wrapstring is None else soft_str(wrapstring)
        limits.size(len(s) + (len(s) + 1) * len(sep))
        return str(orig_wordwrap(env, s, width, break_long_words, wrapstring, break_on_hyphens))

    def center(value: str, width: int = 80) -> str:
        need()
        _check_width(width)
        return str(orig_center(value, width))

    def format_(value: str, *args: Any, **kwargs: Any) -> str:
        need()
        _check_percent_format(soft_str(value))
        return str(orig_format(value, *args, **kwargs))

    def batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Any:
        need()
        if isinstance(linecount, int) and linecount > MAX_ITEMS:
            raise _LimitError(f"batch() size is larger than {MAX_ITEMS}")
        return orig_batch(value, linecount, fill_with)

    def slice_(value: Iterable[Any], slices: int, fill_with: Any = None) -> Any:
        need()
        if isinstance(slices, int) and slices > MAX_ITEMS:
            raise _LimitError(f"slice() count is larger than {MAX_ITEMS}")
        return orig_slice(value, slices, fill_with)

    @pass_eval_context
    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        need()
        if isinstance(indent, int) and indent > MAX_JSON_INDENT:
            raise _LimitError(f"tojson() indent is larger than {MAX_JSON_INDENT}")
        return orig_tojson(eval_ctx, value, indent)

    return {
        "join": join,
        "replace": replace,
        "indent": indent,
        "wordwrap": wordwrap,
        "center": center,
        "format": format_,
        "batch": batch,
        "slice": slice_,
        "tojson": tojson,
    }


def _charging(filter_func: Callable[..., Any]) -> Callable[..., Any]:
    """Charge every filter's result to the work budget (keeps the `pass_*` marker)."""

    @functools.wraps(filter_func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = filter_func(*args, **kwargs)
        limits = _limits.get()
        if limits is not None:
            limits.charge(result)
        return result

    return wrapper


def _make_environment(autoescape: bool) -> _Environment:
    env = _Environment(autoescape=autoescape, undefined=StrictUndefined, loader=None)
    env.globals.pop("lipsum", None)
    env.globals["range"] = _range
    env.filters.update(_checked_filters(env))
    env.filters = {name: _charging(func) for name, func in env.filters.items()}
    env.filters[_GUARD_ITER] = _guard_iter
    env.filters[_GUARD_OUTPUT] = _guard_output
    env.filters[_GUARD_CONCAT] = _guard_concat
    return env


_ENVIRONMENTS = {False: _make_environment(False), True: _make_environment(True)}


@functools.lru_cache(maxsize=512)
def _compile(source: str, html: bool) -> Any:
    env = _ENVIRONMENTS[html]
    try:
        tree = env.parse(source)
        tree = _Rewrite().visit(tree)
        tree.set_environment(env)
        return env.from_string(tree)
    except TemplateSyntaxError as exc:
        raise CreativeError(exc.message or "syntax error", exc.lineno) from None
    except TemplateError as exc:  # e.g. an unknown filter or test
        raise CreativeError(
            exc.message or "invalid template", getattr(exc, "lineno", None)
        ) from None
    except RecursionError:
        raise CreativeError("the template is nested too deeply") from None


# --- plain data only ---------------------------------------------------------------------------

_SCALARS = (int, float, Decimal, dt.date, dt.time, dt.timedelta, type(None))


_EXACT_SCALARS = frozenset({str, int, float, bool, type(None), Decimal})


def _plain(value: Any, path: str, depth: int = 0, strip: str = "") -> Any:
    """``value`` as plain data; ``strip``: a character removed from every string in it (a
    caller's separator), in the same pass."""
    kind = type(value)
    if kind is str:
        return value.replace(strip, "") if strip and strip in value else value
    if kind in _EXACT_SCALARS:
        return value
    if depth > MAX_CONTEXT_DEPTH:
        raise TypeError(f"creative context is nested too deeply at {path}")
    if isinstance(value, Markup):
        return value.replace(strip, "") if strip and strip in value else value
    if isinstance(value, str):
        value = str(value)
        return value.replace(strip, "") if strip and strip in value else value
    if kind in (int, bool, float) or isinstance(value, _SCALARS):
        return value
    # The common items (exact scalars) are copied in the loops without a call, and an item's
    # path is built only for an item that needs a call: most contexts are flat dicts of them.
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                if not isinstance(key, str):
                    raise TypeError(f"creative context keys must be strings, got {key!r} at {path}")
                key = str(key)
            kind = type(item)
            if kind is str:
                out[key] = item.replace(strip, "") if strip and strip in item else item
            elif kind in _EXACT_SCALARS:
                out[key] = item
            else:
                out[key] = _plain(item, f"{path}.{key}", depth + 1, strip)
        return out
    if isinstance(value, list | tuple):
        return [
            item
            if type(item) in _EXACT_SCALARS and not (strip and type(item) is str)
            else _plain(item, f"{path}[{i}]", depth + 1, strip)
            for i, item in enumerate(value)
        ]
    raise TypeError(
        f"creative context must be plain data; {path} is a {type(value).__name__}. "
        "Pass the fields the template needs, not application objects."
    )


class PlainContext:
    """A context already copied into plain data by :func:`plain_context`, which
    :func:`render_creative` uses as it is instead of copying it again.

    Made only by :func:`plain_context` (the constructor refuses anything else), it holds the
    only reference to its copy and offers no way to change it; templates cannot change it either
    (the environment is immutable), so one can be rendered any number of times: the copy is made
    once per piece of data instead of once per render (a vehicle's creative on two channels)."""

    __slots__ = ("_data",)

    _data: dict[str, Any]

    def __init__(self, data: dict[str, Any], *, _token: object = None) -> None:
        if _token is not _PLAIN_TOKEN:
            raise TypeError("use plain_context() to make a PlainContext")
        object.__setattr__(self, "_data", data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a PlainContext cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a PlainContext cannot be changed")

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> list[str]:
        return list(self._data)

    def __repr__(self) -> str:
        return f"PlainContext({sorted(self._data)})"


_PLAIN_TOKEN = object()


def plain_context(
    data: Mapping[str, Any], *, base: PlainContext | None = None, strip: str = ""
) -> PlainContext:
    """``data`` copied into plain data once (a ``TypeError`` for anything else, as in
    :func:`render_creative`), for rendering several times.

    ``base``: a context made earlier whose top-level keys are shared (the rooftop and the
    workspace, made plain once for every vehicle); ``data``'s keys win. Its copy is shared as
    is, which is safe because nothing can change it. ``strip``: a character removed from every
    string of ``data`` while it is copied (a caller's field separator, which data must not
    carry), so the data is walked once, not cleaned and then copied."""
    plain = _plain(data, "context", 0, strip)
    if not isinstance(plain, dict):
        raise TypeError("creative context must be a mapping")
    if base is not None:
        if type(base) is not PlainContext:
            raise TypeError("base must come from plain_context()")
        plain = {**base._data, **plain}
    return PlainContext(plain, _token=_PLAIN_TOKEN)


# --- rendering -----------------------------------------------------------------------------------


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _editor_message(exc: BaseException) -> str:
    if isinstance(exc, UndefinedError):
        return exc.message or "undefined value"
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc.message}"
    if isinstance(exc, RecursionError):
        return "too much recursion (does a macro call itself?)"
    if isinstance(exc, MemoryError):
        return "the template needs too much memory"
    if isinstance(exc, TemplateError):
        return exc.message or "template error"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def compile_creative(source: str, *, html: bool = False) -> None:
    """Check that ``source`` compiles (an editor saving a template): raise `CreativeError`
    naming the line of a syntax error, an unknown filter or a loader tag. Nothing renders, so
    a name the data will supply is not an error here."""
    if len(source) > MAX_SOURCE:
        raise CreativeError(f"the template is longer than {MAX_SOURCE} characters")
    _compile(source, html)


def render_creative(
    source: str,
    context: Mapping[str, Any] | PlainContext,
    *,
    timeout: float = 1.0,
    max_output: int = 64_000,
    html: bool = False,
) -> str:
    """Render user-editable creative; raise `CreativeError` with an editor-facing message.

    `html=True` autoescapes output (email HTML parts); plain text channels leave it off.
    `context` must be plain data (see `_plain`); a non-plain value is a `TypeError`. A
    :class:`PlainContext` (from :func:`plain_context`) is plain already and is not copied again.
    """
    if len(source) > MAX_SOURCE:
        raise CreativeError(f"the template is longer than {MAX_SOURCE} characters")
    data = context._data if type(context) is PlainContext else _plain(context, "context")
    template = _compile(source, html)
    limits = _Limits(timeout, max_output)
    token = _limits.set(limits)
    parts: list[str] = []
    size = 0
    try:
        for chunk in template.generate(data):
            size += len(chunk)
            if size > max_output:
                raise _LimitError(f"the output is longer than {max_output} characters")
            parts.append(chunk)
    except CreativeError as exc:
        if exc.lineno is None:
            exc.lineno = _template_line(exc.__traceback__)
        exc.__traceback__ = None
        raise exc from None
    except Exception as exc:  # template errors must reach the editor, never become a 500
        raise CreativeError(_editor_message(exc), _template_line(exc.__traceback__)) from None
    finally:
        _limits.reset(token)
    return "".join(parts)
