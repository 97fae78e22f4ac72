"""The public HTML pages of sign-up: the hosted form, its answer, the confirmation page, errors.

Plain HTML with a `<form>` POST and no script, so they work without JavaScript; every value is
escaped (Jinja2 autoescape: the owner's texts and the reader's input are data, never markup).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse

from app.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from jinja2 import Environment

    from app.contacts.models import ContactList
    from app.forms.confirmation import ConfirmationStatus
    from app.forms.models import SignupForm
    from app.forms.signup import PublicForm, SignupDone

# The look of every page; inline, as the pages have no other file to load.
_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#f8fafc;margin:0}
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:0 0 1rem}label{font-weight:600;display:block;margin-bottom:.25rem}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #cbd5e1;
border-radius:8px;font:inherit}
button{background:#4f46e5;color:#fff;border:0;border-radius:8px;padding:.7rem 1.4rem;font:inherit;
font-weight:600;cursor:pointer}
fieldset{border:1px solid #e2e8f0;border-radius:8px;margin:0 0 1rem}fieldset label{font-weight:400}
.herald-field{margin:0 0 1rem}.herald-consent{color:#475569;font-size:.9rem}
.herald-error{background:#fef2f2;color:#991b1b;padding:.75rem;border-radius:8px}
"""

_LAYOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<main>
<h1 data-testid="page-title">{{ title }}</h1>
{% block body %}{% endblock %}
</main>
</body>
</html>
"""

# The form itself: the hosted page shows it, and the embed snippet is exactly this.
_FORM = """<form class="herald-form" method="post" action="{{ action }}" accept-charset="utf-8">
{%- if error %}
<p class="herald-error" role="alert" data-testid="signup-error">{{ error }}</p>
{%- endif %}
<p class="herald-field"><label for="herald-email">Email</label>
<input id="herald-email" type="email" name="email" required maxlength="320" autocomplete="email" \
value="{{ values.get('email', '') }}"></p>
{%- if form.ask_name %}
<p class="herald-field"><label for="herald-name">Name\
{% if not form.name_required %} (optional){% endif %}</label>
<input id="herald-name" type="text" name="name" maxlength="200" autocomplete="name"\
{% if form.name_required %} required{% endif %} value="{{ values.get('name', '') }}"></p>
{%- endif %}
{%- for field in form.fields %}
<p class="herald-field"><label for="herald-attr-{{ loop.index }}">{{ field.label }}\
{% if not field.required %} (optional){% endif %}</label>
<input id="herald-attr-{{ loop.index }}" type="text" name="attributes.{{ field.key }}" maxlength="500"\
{% if field.required %} required{% endif %} value="{{ values.get('attributes.' ~ field.key, '') }}"></p>
{%- endfor %}
{%- if lists | length > 1 %}
<fieldset class="herald-field"><legend>Lists</legend>
{%- for offered in lists %}
<label><input type="checkbox" name="list" value="{{ offered.id }}"\
{% if not picked or offered.id in picked %} checked{% endif %}> {{ offered.name }}</label>
{%- endfor %}
</fieldset>
{%- endif %}
<div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden" aria-hidden="true">
<label for="herald-homepage">Leave this empty</label>
<input id="herald-homepage" type="text" name="homepage" tabindex="-1" autocomplete="off" value="">
</div>
{%- if form.consent_text %}
<p class="herald-consent">{{ form.consent_text }}</p>
{%- endif %}
<p><button type="submit">{{ form.button_label }}</button></p>
</form>
"""

_FORM_PAGE = """{% extends "layout" %}{% block body %}
{%- if form.intro %}<p data-testid="form-intro">{{ form.intro }}</p>{% endif %}
{% include "form" %}
{% endblock %}"""

_MESSAGE_PAGE = """{% extends "layout" %}{% block body %}
<p data-testid="page-message">{{ message }}</p>
{% endblock %}"""

_CONFIRM_PAGE = """{% extends "layout" %}{% block body %}
{%- if status.confirmed %}
<p data-testid="confirm-done">{{ status.email }} is subscribed to {{ status.lists | join(', ') }}. \
Thank you!</p>
{%- else %}
<p>Confirm that <strong data-testid="confirm-email">{{ status.email }}</strong> should receive
<strong data-testid="confirm-lists">{{ status.lists | join(', ') }}</strong>.</p>
<form method="post" action="{{ action }}">
<p><button type="submit" data-testid="confirm-submit">Yes, subscribe me</button></p>
</form>
{%- endif %}
{% endblock %}"""

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # confirmation links carry a token in their path
    "X-Robots-Tag": "noindex",
}


@cache
def _environment() -> Environment:
    from jinja2 import DictLoader, Environment, StrictUndefined

    return Environment(
        loader=DictLoader(
            {
                "layout": _LAYOUT,
                "form": _FORM,
                "form_page": _FORM_PAGE,
                "message_page": _MESSAGE_PAGE,
                "confirm_page": _CONFIRM_PAGE,
            }
        ),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _render(name: str, **variables: Any) -> str:
    return str(_environment().get_template(name).render(style=_STYLE, **variables))


def _form_variables(
    form: SignupForm,
    lists: Sequence[ContactList],
    *,
    action: str,
    error: str | None,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    first = {k: (v[0] if isinstance(v, list | tuple) and v else v) for k, v in values.items()}
    picked = set(values.get("list") or ())
    return {"form": form, "lists": lists, "action": action, "error": error, "values": first, "picked": picked}


def snippet(form: SignupForm, lists: Sequence[ContactList], *, action: str) -> str:
    """The form as HTML to paste into another site (it posts to `action`)."""
    return _render("form", **_form_variables(form, lists, action=action, error=None, values={}))


def form_page(
    page: PublicForm, *, action: str, error: str | None = None, values: Mapping[str, Any] | None = None
) -> str:
    """The hosted form (again with the reader's values and what to fix, after a refusal)."""
    title = page.form.title or f"Subscribe to {page.lists[0].name}"
    return _render(
        "form_page",
        title=title,
        **_form_variables(page.form, page.lists, action=action, error=error, values=values or {}),
    )


def done_page(done: SignupDone) -> str:
    """The answer to a sign-up."""
    return _render("message_page", title=done.title, message=done.message)


def confirm_page(status: ConfirmationStatus, *, action: str) -> str:
    """The confirmation link's page: a button that confirms (POST), or that it is done."""
    title = "You are subscribed" if status.confirmed else "Confirm your subscription"
    return _render("confirm_page", title=title, status=status, action=action)


def error_page(exc: DomainError) -> HTMLResponse:
    """A domain error as a page, with its status (and `Retry-After` when it says how long to wait)."""
    from app.api.errors import status_for

    status = status_for(exc)
    titles = {404: "Not found", 422: "Please check your answers", 429: "Please try again later"}
    headers = dict(_HEADERS)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    body = _render("message_page", title=titles.get(status, "Something went wrong"), message=exc.message)
    return HTMLResponse(body, status_code=status, headers=headers)


def respond(
    make: Callable[[], str], *, status: int = 200, invalid: Callable[[InvalidInput], str] | None = None
) -> HTMLResponse:
    """The page `make` renders; a domain error becomes its error page, and an InvalidInput the
    page `invalid` renders for it (422), e.g. the form again with what to fix."""
    try:
        return HTMLResponse(make(), status_code=status, headers=_HEADERS)
    except InvalidInput as exc:
        if invalid is None:
            return error_page(exc)
        return HTMLResponse(invalid(exc), status_code=422, headers=_HEADERS)
    except DomainError as exc:
        return error_page(exc)
