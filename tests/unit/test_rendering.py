"""Every render is bounded: the costly templates a tenant could write fail fast, with a reason.

On the code before the bounds, each costly template below rendered (taking seconds, or gigabytes)
or raised RecursionError (a 500 at create, an `interrupted` recipient at send).
"""

from __future__ import annotations

from typing import Any

import pytest

from app.campaigns import rendering
from app.campaigns.budget import CHECK_EVERY, Budget, TooCostly
from app.errors import InvalidInput


def render(html: str, **attributes: Any) -> rendering.Rendered:
    """Render an HTML body (with a plain subject and text) for a subscriber with these attributes."""
    compiled = rendering.CompiledCampaign(subject="Hello", html_body=html, text_body="")
    return compiled.render(
        rendering.context(
            email="ada@example.com",
            name="Ada",
            attributes=attributes,
            unsubscribe_url="https://example.com/u",
            campaign_name="News",
            subject="Hello",
        )
    )


LOOP_600_CUBED = "{% for i in range(600) %}{% for j in range(600) %}{% for k in range(600) %}" + (
    "{% endfor %}{% endfor %}{% endfor %}"
)
COSTLY = {
    "nested loops": (LOOP_600_CUBED, "more than 10,000 steps"),
    "a loop over a long string": ("{% for c in 'y' * 999999 %}{% endfor %}", "more than 10,000 steps"),
    "string repetition": ("{{ 'x' * 10**9 }}", "repeats a value"),
    "a wide str.center": ("{{ 'x'.center(10**9) }}", "where at most"),
    "a wide center filter": ("{{ 'x'|center(10**9) }}", "where at most"),
    "a wide % format": ("{{ '%0999999999d' % 1 }}", "formats a value"),
    "a wide str.format": ("{{ '{:>999999999}'.format(1) }}", "formats a value"),
    "a join past the limit": ("{{ range(5000)|join('x' * 1000) }}", "joins into a value"),
    "a growing replace": ("{{ ('x' * 100000)|replace('x', 'y' * 100) }}", "replaces into a value"),
    "an indent of many lines": ("{{ ('\\n' * 100000)|indent(1000) }}", "indents past"),
    "a huge power": ("{{ 2 ** 100000000 }}", "bits"),
    "squaring in a loop": (
        "{% set n = namespace(v=3) %}{% for i in range(40) %}{% set n.v = n.v * n.v %}{% endfor %}",
        "bits",
    ),
    "doubling with ~": (
        "{% set s = namespace(v='x') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}",
        "builds a value",
    ),
    "doubling through a block set": (
        "{% macro d(s, n) %}{% if n %}{% set t %}{{ s }}{{ s }}{% endset %}{{ d(t, n - 1) }}"
        "{% endif %}{% endmacro %}{{ d('x', 40) }}",
        "builds a value",
    ),
    "long output": ("{% for i in range(3000) %}{{ 'x' * 999 }}{% endfor %}", "output is longer"),
    "a str method outside the list": ("{{ 'ab'.translate({97: 'x'}) }}", "may not call str.translate"),
    "a padded batch": ("{{ [1]|batch(10**9, 'x')|list }}", "where at most"),
    "a recursive macro": ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls itself too deeply"),
}


@pytest.mark.parametrize("source, reason", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_template_fails_with_the_reason(source: str, reason: str) -> None:
    # Given a template that would take seconds, gigabytes or the whole stack
    # When it is rendered for one subscriber
    with pytest.raises(rendering.RenderFailed) as failed:
        render(source)

    # Then it fails (within its budget), saying which bound it went over
    assert str(failed.value).startswith("html_body: ") and reason in str(failed.value)


def test_lipsum_is_not_available() -> None:
    with pytest.raises(rendering.RenderFailed, match="'lipsum' is undefined"):
        render("{{ lipsum(1000) }}")


def test_ordinary_templates_render_as_before() -> None:
    # Given what merge templates usually do: loops over attributes, filters, formatting, ranges
    source = (
        "Hi {{ subscriber.name|upper }}: "
        "{% for key, value in attributes|dictsort %}{{ key }}={{ value }};{% endfor %} "
        "{{ '%.2f'|format(attributes.price) }} {{ '{:>4}'.format(attributes.rank) }} "
        "{{ range(3)|join(',') }} {{ 'a,b'.split(',')|join('-') }} {{ 'ab'.center(6, '*') }} "
        "{{ (['x'] * 3)|join }} {{ 2 ** 10 }} {{ attributes.tags|map('upper')|join('/') }}"
    )

    # When it is rendered
    html = render(source, price=3.14159, rank=7, tags=["a", "b"]).html

    # Then it reads as it always did
    assert html == (
        "Hi ADA: price=3.14159;rank=7;tags=[&#39;a&#39;, &#39;b&#39;]; "
        "3.14    7 0,1,2 a-b **ab** xxx 1024 A/B"
    )


def test_the_create_time_check_refuses_a_costly_template_with_a_422() -> None:
    with pytest.raises(InvalidInput) as refused:
        rendering.check(subject="Hi", html_body=LOOP_600_CUBED, text_body="")
    assert refused.value.code == "template_error"
    [detail] = refused.value.details or []
    assert (detail["field"], detail["line"]) == ("html_body", None)
    assert "too costly" in refused.value.message


def test_a_template_nested_deeper_than_python_compiles_is_a_422() -> None:
    with pytest.raises(InvalidInput, match="nested too deeply"):
        rendering.check(subject="Hi", html_body="{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", text_body="")


def test_the_budget_counts_cpu_time_as_a_last_resort() -> None:
    # Given a clock that says a whole second of CPU went by after the first operations
    ticks = iter([0.0] + [5.0] * 1000)
    budget = Budget(clock=lambda: next(ticks))

    # When the render keeps going past the next look at the clock
    with pytest.raises(TooCostly, match="more than 0.1 s"):
        for _ in range(CHECK_EVERY):
            budget.spend()


def test_memory_trouble_in_a_template_is_a_render_failure() -> None:
    class Huge:
        def __str__(self) -> str:
            raise MemoryError

    compiled = rendering.CompiledCampaign(subject="s", html_body="{{ thing }}", text_body="")
    with pytest.raises(rendering.RenderFailed, match="needs too much memory"):
        compiled.render({"thing": Huge()})
