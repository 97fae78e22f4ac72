"""Merge tags: Jinja2's sandbox renders subjects and bodies; templates never reach Python objects.

Templates see plain data only: `subscriber` (`email`, `name`, `attributes`), `attributes` (the
same mapping), `campaign` (`name`, `subject`) and `unsubscribe_url`. HTML bodies are autoescaped,
the text body and the subject are not; an empty text body is made from the HTML (plaintext.py).
An undefined name renders empty (a subscriber without an
attribute is normal); a syntax error or a forbidden access is an error with its line.

Every render is bounded, because all tenants share the senders: budget.py holds the limits and the
guards. The sandbox's hooks do the counting (`call`, `call_binop`, a counted `range`),
and the parsed template is rewritten so every loop, filter and `~` reports to the same budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from app.campaigns import plaintext
from app.campaigns.budget import (
    BUDGET,
    Budget,
    TooCostly,
    bounded,
    budget_of,
    check_binop,
    checked,
    checked_arguments,
    counted,
    counted_range,
    guard_filter,
)
from app.errors import InvalidInput

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.runtime import Context

FIELDS = ("subject", "html_body", "text_body")
SAMPLE_EMAIL = "sample.subscriber@example.com"


class RenderFailed(Exception):
    """A template could not be rendered for one subscriber (forbidden access, runtime error, limits)."""


@dataclass(frozen=True)
class Problem:
    """Where a template is wrong."""

    field: str
    line: int | None
    message: str


def _sandbox(autoescape: bool) -> Any:
    from jinja2 import ChainableUndefined, pass_context
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        """The sandbox with every step counted and every value kept small."""

        intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/", "-"})

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            budget_of(context).spend()
            check_binop(operator, left, right)
            return bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            budget_of(__context).spend()
            args = checked_arguments(__obj, args, kwargs)
            return bounded(super().call(__context, __obj, *args, **kwargs))

    env = BoundedSandbox(autoescape=autoescape, undefined=ChainableUndefined, keep_trailing_newline=True)
    del env.globals["lipsum"]
    env.globals["range"] = pass_context(counted_range)
    env.filters = {name: guard_filter(name, f) for name, f in env.filters.items()}
    env.filters["herald_counted"] = pass_context(counted)
    env.filters["herald_checked"] = pass_context(checked)
    return env


@cache
def _environment(autoescape: bool) -> Any:
    return _sandbox(autoescape)


def _instrument(tree: Any) -> Any:
    """Route every loop, filter, `~` and `{% set %}` block of a parsed template through the budget."""
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def through(name: str, node: Any) -> Any:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    class Instrument(NodeTransformer):
        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = through("herald_counted", node.iter)
            return node

        def visit_Filter(self, node: Any) -> Any:
            return through("herald_checked", self.generic_visit(node))

        def visit_Concat(self, node: Any) -> Any:
            return through("herald_checked", self.generic_visit(node))

        def visit_FilterBlock(self, node: Any) -> Any:
            return self._body_only(node)  # its filter applies to the block's output, which is counted

        def visit_AssignBlock(self, node: Any) -> Any:
            node = self._body_only(node)
            node.filter = (
                through("herald_checked", node.filter)
                if node.filter
                else nodes.Filter(None, "herald_checked", [], [], None, None, lineno=node.lineno)
            )
            return node

        def _body_only(self, node: Any) -> Any:
            own, node.filter = node.filter, None
            node = self.generic_visit(node)
            node.filter = own
            return node

    return Instrument().visit(tree)


def _compile(field: str, source: str) -> Template:
    from jinja2 import TemplateSyntaxError

    label = field.replace("_", " ")
    environment = _environment(field == "html_body")
    try:
        template: Template = environment.from_string(_instrument(environment.parse(source)))
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            f"The {label} has a template error on line {exc.lineno}: {exc.message}",
            code="template_error",
            details=[{"field": field, "line": exc.lineno, "message": exc.message}],
        ) from exc
    except (RecursionError, MemoryError, SyntaxError) as exc:  # nested too deeply for Python
        message = "it is nested too deeply"
        raise InvalidInput(
            f"The {label} cannot be compiled: {message}.",
            code="template_error",
            details=[{"field": field, "line": None, "message": f"{type(exc).__name__}: {message}"}],
        ) from exc
    return template


def context(
    *,
    email: str,
    name: str,
    attributes: Mapping[str, Any],
    unsubscribe_url: str,
    campaign_name: str,
    subject: str,
    preferences_url: str = "",
) -> dict[str, Any]:
    """The variables a template sees (plain dicts and strings only); `preferences_url` is the
    reader's preference centre."""
    plain = dict(attributes)
    return {
        "subscriber": {"email": email, "name": name, "attributes": plain},
        "attributes": plain,
        "campaign": {"name": campaign_name, "subject": subject},
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }


@dataclass(frozen=True)
class Rendered:
    """One subscriber's message."""

    subject: str
    html: str
    text: str


def _render_one(template: Template, variables: Mapping[str, Any], budget: Budget) -> str:
    context = template.new_context({**variables, BUDGET: budget})
    parts: list[str] = []
    for chunk in template.root_render_func(context):
        budget.emit(len(chunk))
        parts.append(chunk)
    return "".join(parts)


class CompiledCampaign:
    """A campaign's templates, compiled once and rendered per subscriber."""

    def __init__(self, *, subject: str, html_body: str, text_body: str) -> None:
        self._templates = {
            "subject": _compile("subject", subject),
            "html_body": _compile("html_body", html_body),
            "text_body": _compile("text_body", text_body),
        }

    def render(self, variables: Mapping[str, Any]) -> Rendered:
        """The message for one subscriber, within its budget; RenderFailed when a template misbehaves."""
        from jinja2 import TemplateError

        budget = Budget()
        out: dict[str, str] = {}
        for field, template in self._templates.items():
            try:
                out[field] = _render_one(template, variables, budget)
            except TooCostly as exc:
                raise RenderFailed(f"{field}: the template is too costly to render: {exc}") from exc
            except RecursionError as exc:
                raise RenderFailed(f"{field}: the template calls itself too deeply") from exc
            except MemoryError as exc:
                raise RenderFailed(f"{field}: the template needs too much memory") from exc
            except TemplateError as exc:
                raise RenderFailed(f"{field}: {exc}") from exc
            except Exception as exc:  # any other error comes from the template (its data is plain)
                raise RenderFailed(f"{field}: {type(exc).__name__}: {exc}") from exc
        subject = " ".join(out["subject"].split())  # a header: one line
        text = out["text_body"] if out["text_body"].strip() else plaintext.html_to_text(out["html_body"])
        return Rendered(subject=subject, html=out["html_body"], text=text)


def check(*, subject: str, html_body: str, text_body: str, campaign_name: str = "") -> CompiledCampaign:
    """Compile and try the templates on a sample subscriber; InvalidInput naming the field and line."""
    compiled = CompiledCampaign(subject=subject, html_body=html_body, text_body=text_body)
    sample = context(
        email=SAMPLE_EMAIL,
        name="Sample Subscriber",
        attributes={},
        unsubscribe_url="https://example.com/unsubscribe/sample",
        campaign_name=campaign_name,
        subject=subject,
    )
    try:
        compiled.render(sample)
    except RenderFailed as exc:
        raise InvalidInput(
            f"A template cannot be rendered: {exc}",
            code="template_error",
            details=[{"field": str(exc).split(":", 1)[0], "line": None, "message": str(exc)}],
        ) from exc
    return compiled
