"""Merge tags: Jinja2's sandbox renders subjects and bodies; templates never reach Python objects.

Templates see plain data only: `subscriber` (`email`, `name`, `attributes`), `attributes` (the
same mapping), `campaign` (`name`, `subject`) and `unsubscribe_url`. HTML bodies are autoescaped,
the text body and the subject are not. An undefined name renders empty (a subscriber without an
attribute is normal); a syntax error or a forbidden access is an error with its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from app.errors import InvalidInput

if TYPE_CHECKING:
    from jinja2 import Template

FIELDS = ("subject", "html_body", "text_body")
SAMPLE_EMAIL = "sample.subscriber@example.com"


class RenderFailed(Exception):
    """A template could not be rendered for one subscriber (forbidden access, runtime error)."""


@dataclass(frozen=True)
class Problem:
    """Where a template is wrong."""

    field: str
    line: int | None
    message: str


@cache
def _environment(autoescape: bool) -> Any:
    from jinja2 import ChainableUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        autoescape=autoescape, undefined=ChainableUndefined, keep_trailing_newline=True
    )


def _compile(field: str, source: str) -> Template:
    from jinja2 import TemplateSyntaxError

    try:
        template: Template = _environment(field == "html_body").from_string(source)
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            f"The {field.replace('_', ' ')} has a template error on line {exc.lineno}: {exc.message}",
            code="template_error",
            details=[{"field": field, "line": exc.lineno, "message": exc.message}],
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


class CompiledCampaign:
    """A campaign's templates, compiled once and rendered per subscriber."""

    def __init__(self, *, subject: str, html_body: str, text_body: str) -> None:
        self._templates = {
            "subject": _compile("subject", subject),
            "html_body": _compile("html_body", html_body),
            "text_body": _compile("text_body", text_body),
        }

    def render(self, variables: Mapping[str, Any]) -> Rendered:
        """The message for one subscriber; RenderFailed when a template misbehaves."""
        from jinja2 import TemplateError

        out: dict[str, str] = {}
        for field, template in self._templates.items():
            try:
                out[field] = template.render(variables)
            except TemplateError as exc:
                raise RenderFailed(f"{field}: {exc}") from exc
            except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
                raise RenderFailed(f"{field}: {type(exc).__name__}: {exc}") from exc
        subject = " ".join(out["subject"].split())  # a header: one line
        return Rendered(subject=subject, html=out["html_body"], text=out["text_body"])


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
