"""Sandboxed creative rendering: escape payloads, limits, editor-facing errors (issue 5, part 5)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from como.creative import CreativeError, PlainContext, plain_context, render_creative

MARKER = "{marker}"

# Each payload either renders harmless text or fails with CreativeError. `{marker}` is replaced by
# a path in tmp_path: a payload that got to run code would create that file.
ESCAPE_PAYLOADS: list[str] = [
    # classic subclass walks
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{{ ''.__class__.__mro__[-1].__subclasses__()[133].__init__.__globals__['popen']"
    "('touch {marker}') }}",
    "{{ dict.__base__.__subclasses__() }}",
    "{{ dict.mro()[-1].__subclasses__() }}",
    # globals of Jinja's helpers
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ joiner.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ lipsum.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ range.__globals__ }}",
    "{{ range.__globals__['time'] }}",
    # template internals
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__.__builtins__.open('{marker}', 'w').write('x') }}",
    "{{ self.__dict__ }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
    # Flask/Django-isms that must simply be absent
    "{{ config }}",
    "{{ config.items() }}",
    "{{ request }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id') }}",
    "{{ url_for.__globals__ }}",
    "{{ get_flashed_messages.__globals__ }}",
    "{{ settings.SECRET_KEY }}",
    # builtins that are not there
    "{{ open('{marker}', 'w').write('x') }}",
    "{{ __import__('os').system('touch {marker}') }}",
    "{{ eval('1') }}",
    "{{ exec('import os') }}",
    # str.format attribute escapes: CVE-2016-10745, CVE-2019-10906, CVE-2024-56326, CVE-2025-27516
    "{{ '{0.__class__.__mro__}'.format('') }}",
    "{{ '{0.__class__.__mro__[1].__subclasses__}'.format('') }}",
    "{{ '{0.__class__}'.format_map({'0': ''}) }}",
    "{{ '{x.__class__.__init__.__globals__}'.format_map({'x': cycler}) }}",
    "{% set f = '{0.__class__.__mro__}'.format %}{{ f('') }}",
    "{% set fm = '{a.__class__}'.format_map %}{{ fm({'a': ''}) }}",
    "{{ ('{0.__class__}'|attr('format'))('') }}",
    "{{ ({'f': '{0.__init__.__globals__}'.format}).f(cycler) }}",
    "{{ ['{0.__class__}']|map(attribute='format')|first }}",
    "{{ '{0:{1}}'.format(1, 10**9) }}",
    # attr() filter tricks
    "{{ ''|attr('__class__') }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ (''|attr('__cla' ~ 'ss__')) }}",
    "{{ ()|attr('__class__')|attr('__base__')|attr('__subclasses__')() }}",
    "{{ cycler|attr('__init__')|attr('__globals__') }}",
    # namespace() tricks
    "{% set x = namespace() %}{{ x.__class__ }}",
    "{% set x = namespace() %}{% set x.__class__ = 1 %}{{ x.__class__ }}",
    "{% set x = namespace(a=1) %}{{ x.__init__.__globals__ }}",
    "{% set x = namespace() %}{{ x._Namespace__attrs }}",
    "{% set x = namespace(f=cycler) %}{{ x.f.__init__.__globals__.os }}",
    # bound methods and mutation of context data
    "{{ [].pop.__self__ }}",
    "{{ [].append.__self__.__class__ }}",
    "{{ x.__init__ }}",
    "{{ x.__class__.__init__.__globals__ }}",
    "{{ x.items.__self__ }}",
    "{{ x.update({'a': 2}) }}{{ x.a }}",
    "{{ items.append(1) }}{{ items }}",
    "{{ items.pop() }}",
    "{{ x.clear() }}",
    # getitem spelling of the same
    "{{ ''['__class__'] }}",
    "{{ x['__class__'] }}",
    "{{ cycler['__init__']['__globals__'] }}",
    # loader-based tags
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% from 'x' import y %}",
    "{% extends '/etc/passwd' %}",
    # loops and macros used to reach internals
    "{% for c in ''.__class__.__mro__ %}{{ c }}{% endfor %}",
    "{% macro m() %}{{ m.__globals__ }}{% endmacro %}{{ m() }}",
    "{% macro m() %}{% endmacro %}{{ m._func.__globals__ }}",
    "{% for i in [1] %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}",
    "{{ caller }}",
]

FORBIDDEN_OUTPUT = ("<class", "subclasses", "__globals__", "builtins", "uid=", "os.popen")


@pytest.mark.parametrize("payload", ESCAPE_PAYLOADS)
def test_escape_payload_renders_harmlessly_or_fails_cleanly(payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    source = payload.replace(MARKER, str(marker))
    context: dict[str, Any] = {"x": {"a": 1}, "items": [1, 2]}

    try:
        output = render_creative(source, context)
    except CreativeError as exc:
        message = str(exc)
        assert "Traceback" not in message
        assert ".py" not in message
        assert len(message) < 300
    else:
        assert not any(bad in output for bad in FORBIDDEN_OUTPUT), output

    assert not marker.exists(), "the payload ran code"
    assert context == {"x": {"a": 1}, "items": [1, 2]}, "the payload changed its data"


def test_security_violation_message_is_for_the_editor() -> None:
    with pytest.raises(CreativeError) as info:
        render_creative("Hi\n{{ ''.__class__ }}", {})

    assert str(info.value) == (
        "Line 2: not allowed: access to attribute '__class__' of 'str' object is unsafe."
    )


# --- normal rendering ---------------------------------------------------------------------


def test_normal_creative_renders_exactly() -> None:
    source = (
        "Hi {{ first_name }}, the {{ vehicle.year }} {{ vehicle.model }} "
        "is ${{ '{:,}'.format(price) }}"
    )
    context = {"first_name": "Dana", "vehicle": {"year": 2021, "model": "RAV4"}, "price": 27995}

    assert render_creative(source, context) == "Hi Dana, the 2021 RAV4 is $27,995"


def test_common_template_features_work() -> None:
    source = (
        "{% macro money(v) %}${{ '{:,.2f}'.format(v) }}{% endmacro %}"
        "{% for car in cars if car.price %}"
        "{{ loop.index }}. {{ car.model|upper }} {{ money(car.price) }}"
        "{{ ', ' if not loop.last }}{% endfor %}"
        " | {{ cars|map(attribute='model')|join('/') }}"
        " | {{ '%05.1f'|format(3.14159) }} | {{ 'abc'|center(9) }}|"
        " {{ tags|default([])|length }} {{ 'a' ~ 1 ~ 'b' }} {{ 'ab' * 3 }}"
    )
    context = {
        "cars": [
            {"model": "Civic", "price": Decimal("21500")},
            {"model": "Fit", "price": None},
            {"model": "Accord", "price": 28999.5},
        ]
    }

    assert render_creative(source, context) == (
        "1. CIVIC $21,500.00, 2. ACCORD $28,999.50"
        " | Civic/Fit/Accord | 003.1 |    abc   | 0 a1b ababab"
    )


def test_html_mode_escapes_markup() -> None:
    context = {"name": "<script>alert(1)</script>", "a": "<b>"}

    html = render_creative("Hi {{ name }} {{ a ~ '&' }}", context, html=True)
    text = render_creative("Hi {{ name }}", context)

    assert html == "Hi &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;&amp;"
    assert text == "Hi <script>alert(1)</script>"


def test_context_must_be_plain_data() -> None:
    class Lead:
        def delete(self) -> None:  # pragma: no cover - must never be reachable
            raise AssertionError

    with pytest.raises(TypeError, match=r"context\.lead is a Lead"):
        render_creative("{{ lead }}", {"lead": Lead()})


# --- plain_context: the copy made once, rendered many times -------------------------------------


@pytest.mark.parametrize("payload", ESCAPE_PAYLOADS)
def test_escape_payload_through_a_plain_context_renders_harmlessly_twice(
    payload: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    source = payload.replace(MARKER, str(marker))
    shared = plain_context({"x": {"a": 1}})
    context = plain_context({"items": [1, 2]}, base=shared)

    outcomes = []
    for _ in range(2):
        try:
            output = render_creative(source, context)
        except CreativeError as exc:
            outcomes.append(("error", str(exc)))
        else:
            assert not any(bad in output for bad in FORBIDDEN_OUTPUT), output
            outcomes.append(("output", output))

    assert not any("Traceback" in text for kind, text in outcomes if kind == "error"), outcomes
    assert outcomes[0][0] == outcomes[1][0], "the first render changed what the second one saw"
    assert not marker.exists(), "the payload ran code"
    assert render_creative("{{ x }} {{ items }}", context) == "{'a': 1} [1, 2]", "data changed"


def test_plain_context_renders_like_the_mapping_it_was_made_from() -> None:
    source = "{{ vehicle.name }} {{ vehicle.photos|join(',') }} {{ rooftop.name }} {{ n + 1 }}"
    data = {
        "vehicle": {"name": "2020 Honda Accord", "photos": ["a.jpg", "b.jpg"]},
        "rooftop": {"name": "Bench Motors"},
        "n": Decimal("1.5"),
    }
    shared = plain_context({"rooftop": data["rooftop"]})

    made = plain_context({"vehicle": data["vehicle"], "n": data["n"]}, base=shared)

    assert render_creative(source, made) == render_creative(source, data)
    assert render_creative(source, made) == "2020 Honda Accord a.jpg,b.jpg Bench Motors 2.5"
    assert sorted(made.keys()) == ["n", "rooftop", "vehicle"]
    assert "rooftop" in made


def test_plain_context_keys_win_over_the_base() -> None:
    base = plain_context({"name": "base", "city": "Austin"})

    made = plain_context({"name": "own"}, base=base)

    assert render_creative("{{ name }} {{ city }}", made) == "own Austin"
    assert render_creative("{{ name }}", base) == "base"


def test_plain_context_refuses_what_render_creative_refuses() -> None:
    class Lead:
        def delete(self) -> None:  # pragma: no cover - must never be reachable
            raise AssertionError

    with pytest.raises(TypeError, match=r"context\.vehicle\.owner is a Lead"):
        plain_context({"vehicle": {"owner": Lead()}})
    with pytest.raises(TypeError, match="keys must be strings"):
        plain_context({"vehicle": {1: "a"}})
    with pytest.raises(TypeError, match="must come from plain_context"):
        plain_context({}, base={"rooftop": {}})  # type: ignore[arg-type]


def test_plain_context_is_a_copy_the_caller_cannot_change_afterwards() -> None:
    class Lead:
        pass

    class Loud(str):
        def upper(self) -> str:  # pragma: no cover - must never be reachable
            raise AssertionError

    vehicle: dict[str, Any] = {"model": Loud("civic"), "photos": ["a.jpg"]}
    made = plain_context({"vehicle": vehicle})
    vehicle["model"] = Lead()
    vehicle["photos"].append(Lead())

    assert render_creative("{{ vehicle.model.upper() }} {{ vehicle.photos }}", made) == (
        "CIVIC ['a.jpg']"
    )


def test_a_plain_context_is_made_only_by_plain_context_and_cannot_be_changed() -> None:
    made = plain_context({"name": "Dana"})

    with pytest.raises(TypeError, match="use plain_context"):
        PlainContext({"lead": object()})
    with pytest.raises(AttributeError):
        made._data = {"lead": object()}
    with pytest.raises(AttributeError):
        del made._data

    class Forged(PlainContext):
        def __init__(self) -> None:
            object.__setattr__(self, "_data", {"lead": object()})

    # Only a PlainContext itself skips the copy: anything else is checked, and refused.
    with pytest.raises(TypeError, match="must be plain data"):
        render_creative("{{ lead }}", Forged())
    assert render_creative("{{ name }}", made) == "Dana"


def test_a_dict_key_is_found_as_jinja_finds_it() -> None:
    # A key is found as an attribute unless a dict attribute has its name: then the attribute
    # wins, as in Jinja itself (the fast lookup must not change which one a template gets).
    context = {"d": {"name": "A", "items": "shadowed", "get": "g", "__class__": "c"}}

    output = render_creative(
        "{{ d.name }} {{ d['items'] }} {{ d.items()|list|length }} {{ d.missing is defined }} "
        "{{ d['__class__'] }}",
        context,
    )

    assert output == "A shadowed 4 False c"
    with pytest.raises(CreativeError, match="'dict object' has no attribute 'missing'"):
        render_creative("{{ d.missing }}", context)
    with pytest.raises(CreativeError, match="not allowed: access to attribute '__class__'"):
        render_creative("{{ d.__class__ }}", context)


# --- editor-facing errors ---------------------------------------------------------------------


def test_undefined_variable_names_it_and_the_line() -> None:
    with pytest.raises(CreativeError) as info:
        render_creative("Hello\n\n{{ first_nme }}", {"first_name": "Dana"})

    assert info.value.lineno == 3
    assert str(info.value) == "Line 3: 'first_nme' is undefined"


def test_undefined_attribute_names_it() -> None:
    with pytest.raises(CreativeError, match=r"^Line 2: .*'dict object' has no attribute 'modle'"):
        render_creative("x\n{{ vehicle.modle }}", {"vehicle": {"model": "Fit"}})


def test_syntax_error_gives_the_line() -> None:
    with pytest.raises(CreativeError) as info:
        render_creative("one\ntwo {{ name }\nthree", {"name": "x"})

    assert info.value.lineno == 2
    assert str(info.value).startswith("Line 2: ")


def test_unknown_filter_is_a_clean_error() -> None:
    with pytest.raises(CreativeError, match="No filter named 'shout'"):
        render_creative("{{ 'a'|shout }}", {})


def test_runtime_error_is_a_clean_error() -> None:
    with pytest.raises(CreativeError, match=r"^Line 1: integer division or modulo by zero$"):
        render_creative("{{ 1 // n }}", {"n": 0})


def test_macro_recursion_fails_cleanly() -> None:
    with pytest.raises(CreativeError, match="too much recursion"):
        render_creative("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", {})


# --- size limits -----------------------------------------------------------------------------

OVERSIZE = [
    "{{ 'x' * 10**9 }}",
    "{{ 10**9 * 'x' }}",
    "{{ [1] * 10**9 }}",
    "{{ ('x' * 60000) ~ ('x' * 60000) }}",
    "{{ ('x' * 60000) + ('x' * 60000) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:.999999999f}'.format(1.0) }}",
    "{{ '{:{w}}'.format(1, w=10**9) }}",
    "{{ '%999999999s' % 1 }}",
    "{{ '%*s' % (10**9, 'x') }}",
    "{{ '%(a)999999999s' % {'a': 1} }}",
    "{{ '%999999999s'|format(1) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'a'.ljust(10**9) }}",
    "{{ 'a'.zfill(10**9) }}",
    "{{ ('\t' * 1000).expandtabs(1000) }}",
    "{{ ('a' * 1000).replace('', 'x' * 1000) }}",
    "{{ ('a' * 1000)|replace('', 'x' * 1000) }}",
    "{{ range(10000)|join('x' * 60000) }}",
    "{{ ('x' * 60000).join(range(10000)) }}",
    "{{ ('x\n' * 30000)|indent('y' * 60000) }}",
    "{{ 'x'|indent(10**9) }}",
    "{{ ('x ' * 30000)|wordwrap(1, wrapstring='y' * 60000) }}",
    "{{ [1]|batch(10**9, 'x')|list }}",
    "{{ range(3)|slice(10**9, 0)|list }}",
    "{{ {'a': [1, 2]}|tojson(10**9) }}",
    "{{ 9 ** (9 ** 9) }}",
    "{{ 2 ** 100000 }}",
    "{{ range(10**9)|list }}",
    "{% for i in range(10000) %}{{ 'x' * 100 }}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}"
    "{% endfor %}{{ ns.l|length }}",
    # builds a lot of text that is never output
    "{% for i in range(10000) %}{% set b %}{{ 'x' * 60000 }}{% endset %}{% endfor %}done",
    "{% macro m() %}{% for i in range(10000) %}{{ 'x' * 60000 }}{% endfor %}{% endmacro %}"
    "{% for i in range(100) %}{% set b = m() %}{% endfor %}done",
    # the template's own text, repeated by a loop into text that is never output (text that
    # runs once and streams out is left to the output cap; repeated or buffered, it is charged)
    "{% for i in range(10000) %}{% set b %}{% for j in range(10000) %}"
    + "x" * 100
    + "{% endfor %}{% endset %}{% endfor %}done",
    "{% macro m() %}{% for j in range(10000) %}" + "x" * 100 + "{% endfor %}{% endmacro %}"
    "{% for i in range(10000) %}{% set b = m() %}{% endfor %}done",
]


@pytest.mark.parametrize("source", OVERSIZE)
def test_oversize_fails_cleanly_and_fast(source: str) -> None:
    started = time.monotonic()

    with pytest.raises(CreativeError) as info:
        render_creative(source, {}, timeout=5.0)

    assert time.monotonic() - started < 1.0, "the guard ran after the work, not before it"
    assert "Traceback" not in str(info.value)


def test_output_cap() -> None:
    assert len(render_creative("{{ 'x' * 100 }}", {}, max_output=100)) == 100

    with pytest.raises(CreativeError, match="longer than 100 characters"):
        render_creative("{{ 'x' * 100 }}!", {}, max_output=100)


def test_legitimate_list_building_stays_within_budget() -> None:
    source = (
        "{% set ns = namespace(l=[]) %}{% for i in range(500) %}"
        "{% set ns.l = ns.l + [i] %}{% endfor %}{{ ns.l|sum }}"
    )
    assert render_creative(source, {}) == str(sum(range(500)))


# --- the render timeout ------------------------------------------------------------------------

TIMEOUT = 0.3
MARGIN = 0.2

SLOW = [
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% if loop.last %}{% endif %}"
    "{% endfor %}{% endfor %}",
    "{% set r = range(10000)|list %}{% for i in r %}{% for j in r %}{% for k in r %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% set x = i * j %}"
    "{% endfor %}{% endfor %}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{{ '' }}{% endfor %}{% endfor %}",
    "{% for i in range(10000) %}{% for j in range(10000)|select('odd') %}{% endfor %}{% endfor %}",
    "{% for a in tree recursive %}{% for i in range(10000) %}{% for j in range(10000) %}"
    "{% endfor %}{% endfor %}{{ loop(a.kids) }}{% endfor %}",
]


@pytest.mark.parametrize("source", SLOW)
def test_timeout_holds(source: str) -> None:
    started = time.monotonic()

    with pytest.raises(CreativeError, match=r"took longer than 0\.3s"):
        render_creative(source, {"tree": [{"kids": []}]}, timeout=TIMEOUT)

    assert time.monotonic() - started < TIMEOUT + MARGIN


def test_limits_do_not_leak_between_renders() -> None:
    with pytest.raises(CreativeError):
        render_creative(SLOW[0], {}, timeout=0.05)

    assert render_creative("{{ 'ok' }}", {}) == "ok"
