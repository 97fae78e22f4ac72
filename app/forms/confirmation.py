"""Double opt-in: the confirmation email (the worker's use case) and the link that confirms.

The email is rendered through the campaigns' sandboxed renderer from the first list's template (a
default that works when the owner wrote none, or wrote one that fails), and sent through SES v2
with Herald's configuration set. The link's page is served by the API: GET shows what it will
do, only POST confirms, so mail scanners that follow links change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.campaigns import rendering
from app.contacts.lists import ListRepository
from app.contacts.models import Confirmation, ConfirmationTemplate, ContactList
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.errors import InvalidInput, NotFound
from app.events import ConfirmationRequested
from app.forms.tokens import ConfirmTarget, confirm_url, make_token, read_token
from app.mail import send_email
from app.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from app.config import Settings

WAITING = frozenset({"unconfirmed", "unsubscribed"})
# What a list's name may not bring into the From header: line breaks and other control characters
# (header injection), and < > @ " (a name posing as an address).
_NOT_IN_FROM = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029<>@\"]")
# Addresses never mailed, not even a confirmation: they bounced, complained, or the owner said so.
BLOCKING_REASONS = frozenset({"bounced", "complained", "manual"})

DEFAULT_TEMPLATE = ConfirmationTemplate(
    subject="Please confirm your subscription to {{ lists | join(', ') }}",
    html_body=(
        "<p>Hello{% if subscriber.name %} {{ subscriber.name }}{% endif %},</p>"
        "<p>please confirm that {{ subscriber.email }} should receive "
        "<strong>{{ lists | join(', ') }}</strong>.</p>"
        '<p><a href="{{ confirm_url }}">Yes, subscribe me</a></p>'
        "<p>If you did not ask for this, ignore this email: you will not be subscribed.</p>"
    ),
    text_body=(
        "Hello{% if subscriber.name %} {{ subscriber.name }}{% endif %},\n\n"
        "please confirm that {{ subscriber.email }} should receive {{ lists | join(', ') }}:\n\n"
        "{{ confirm_url }}\n\n"
        "If you did not ask for this, ignore this email: you will not be subscribed.\n"
    ),
)


def _template(owner: ConfirmationTemplate) -> ConfirmationTemplate:
    """The owner's template, each empty part taken from the default."""
    return ConfirmationTemplate(
        subject=owner.subject or DEFAULT_TEMPLATE.subject,
        html_body=owner.html_body or DEFAULT_TEMPLATE.html_body,
        text_body=owner.text_body or DEFAULT_TEMPLATE.text_body,
    )


def _render(template: ConfirmationTemplate, variables: dict[str, Any]) -> rendering.Rendered:
    compiled = rendering.CompiledCampaign(
        subject=template.subject, html_body=template.html_body, text_body=template.text_body
    )
    return compiled.render(variables)


def render_confirmation(
    lists: list[ContactList], *, email: str, name: str, attributes: dict[str, Any], url: str
) -> rendering.Rendered:
    """The confirmation email for these lists (the first one's template; the default if it fails)."""
    variables = {
        **rendering.context(
            email=email, name=name, attributes=attributes, unsubscribe_url="", campaign_name="", subject=""
        ),
        "confirm_url": url,
        "lists": [found.name for found in lists],
    }
    try:
        return _render(_template(lists[0].confirmation), variables)
    except (rendering.RenderFailed, InvalidInput) as exc:
        logger.warning("confirmation template failed; the default was sent", extra={"error": str(exc)})
        return _render(DEFAULT_TEMPLATE, variables)


def send_confirmation(
    event: ConfirmationRequested,
    *,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    suppressions: SuppressionRepository,
    ses: SESV2Client,
    settings: Settings,
    key: bytes,
) -> str | None:
    """Email the link for the lists still waiting for this address; SES's message id, or None when
    nothing is waiting any more or the address must not be mailed."""
    owner_id, email = event.owner_id, event.email
    entries = subscribers.on_lists(owner_id, [list_id for list_id, _ in event.lists], email)
    waiting = tuple(
        (list_id, confirm_id)
        for list_id, confirm_id in event.lists
        if (entry := entries.get(list_id)) is not None
        and entry.subscriber.status in WAITING
        and entry.confirm_id == confirm_id
    )
    found = lists.get_many(owner_id, [list_id for list_id, _ in waiting])
    waiting = tuple(pair for pair in waiting if pair[0] in found)
    if not waiting:
        logger.info("nothing waits for a confirmation any more", extra={"request_id": event.request_id})
        return None
    suppressed = suppressions.get(owner_id, email)
    if (suppressed is not None and suppressed.reason in BLOCKING_REASONS) or suppressions.is_erased(
        owner_id, email
    ):
        logger.info(
            "confirmation not sent: the address is suppressed", extra={"request_id": event.request_id}
        )
        return None
    first = entries[waiting[0][0]].subscriber
    token = make_token(owner_id, email, waiting, key=key)
    rendered = render_confirmation(
        [found[list_id] for list_id, _ in waiting],
        email=email,
        name=first.name,
        attributes=first.attributes,
        url=confirm_url(settings.app_url, token),
    )
    message_id = send_email(
        to=email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        ses=ses,
        settings=settings,
        from_name=_NOT_IN_FROM.sub("", found[waiting[0][0]].name)[:100] or "Herald",
    )
    logger.info(
        "confirmation email sent",
        extra={"request_id": event.request_id, "lists": len(waiting), "message_id": message_id},
    )
    return message_id


# ---------------------------------------------------------------------- the link


class ConfirmationStatus(BaseModel):
    """What the confirmation page shows: the address, the lists, and whether it is done."""

    email: str
    lists: list[str]
    confirmed: bool


@dataclass(frozen=True)
class _Found:
    target: ConfirmTarget
    names: dict[str, str]


def _find(token: str, *, key: bytes, lists: ListRepository) -> _Found:
    target = read_token(token, key=key)
    found = lists.get_many(target.owner_id, [list_id for list_id, _ in target.lists])
    if not found:
        raise NotFound("The lists of this link no longer exist.", code="invalid_confirmation_link")
    return _Found(target, {list_id: found[list_id].name for list_id, _ in target.lists if list_id in found})


def _status(found: _Found, subscribers: SubscriberRepository) -> ConfirmationStatus:
    target = found.target
    entries = subscribers.on_lists(target.owner_id, list(found.names), target.email)
    subscribed = [e for e in entries.values() if e.subscriber.status == "subscribed"]
    return ConfirmationStatus(
        email=target.email, lists=list(found.names.values()), confirmed=len(subscribed) == len(found.names)
    )


def show(
    token: str, *, key: bytes, lists: ListRepository, subscribers: SubscriberRepository
) -> ConfirmationStatus:
    """What a link will confirm (GET: changes nothing)."""
    return _status(_find(token, key=key, lists=lists), subscribers)


def confirm(
    token: str,
    *,
    key: bytes,
    ip: str,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    suppressions: SuppressionRepository,
) -> ConfirmationStatus:
    """Confirm every list of the link still waiting for it (idempotent); an unsubscribe of the
    address is lifted, as the person asked to be mailed again."""
    found = _find(token, key=key, lists=lists)
    target = found.target
    outcomes = [
        subscribers.confirm(
            target.owner_id,
            list_id,
            target.email,
            confirm_id=confirm_id,
            confirmation=Confirmation(by="double_opt_in", ip=ip),
        )
        for list_id, confirm_id in target.lists
        if list_id in found.names
    ]
    if "confirmed" in outcomes:
        suppressions.lift_unsubscribe(target.owner_id, target.email)
    if all(outcome == "invalid" for outcome in outcomes):
        raise NotFound(
            "This confirmation link is no longer valid: it expired, or the address was removed. "
            "Subscribe again to get a new one.",
            code="confirmation_link_expired",
        )
    logger.info("subscription confirmed", extra={"lists": outcomes.count("confirmed")})
    return _status(found, subscribers)
