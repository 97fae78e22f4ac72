"""A reader signs up through a form: the public page's data, and what its POST does.

Abuse is held back in this order: a filled honeypot is answered as a success and does nothing;
then one throttle per IP, one per address (on this owner), and a cap per list per hour on the
sign-ups that may send a confirmation email. Every accepted sign-up counts against the cap, whether
it leads to an email or not, and the answer never depends on whether the address was already on
a list: neither the page nor the cap tells anyone who is subscribed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.contacts.confirmations import ConfirmationRepository, ConfirmationRequest
from app.contacts.lists import ListRepository
from app.contacts.models import (
    MAX_ATTRIBUTES_BYTES,
    MAX_NAME,
    Confirmation,
    Consent,
    ContactList,
    InvalidEmail,
    NewSubscriber,
    attributes_json,
    new_id,
    normalise_email,
)
from app.contacts.subscribers import SubscriberRepository, Waiting
from app.errors import InvalidInput, NotFound
from app.forms.models import SignupForm
from app.forms.repository import FormRepository
from app.observability import logger
from app.ratelimit import Limit, RateLimitRepository, enforce
from app.store import Kit

HONEYPOT = "homepage"  # hidden from people; bots fill every field they find
# Generous for people behind one NAT, tight for a script.
PER_IP = Limit("signup-ip", max_hits=20, window_seconds=600)
PER_ADDRESS = Limit("signup-address", max_hits=5, window_seconds=3600)
PER_LIST = Limit("signup-list", max_hits=200, window_seconds=3600)  # sign-ups that may send an email
BUSY = "Too many sign-ups; please try again later."
MAX_VALUE = 500  # characters of one attribute from a form


@dataclass(frozen=True)
class SignupKit(Kit):
    """What a sign-up reads and writes (`limits`: the throttles' counters)."""

    forms: FormRepository
    lists: ListRepository
    subscribers: SubscriberRepository
    confirmations: ConfirmationRepository
    limits: RateLimitRepository


@dataclass(frozen=True)
class PublicForm:
    """A form as its public page shows it: the form and the lists it offers (that still exist)."""

    owner_id: str
    form: SignupForm
    lists: list[ContactList]

    @property
    def double_opt_in(self) -> bool:
        """True when any offered list confirms by email first."""
        return any(found.opt_in == "double" for found in self.lists)


@dataclass(frozen=True)
class Submission:
    """A POST of a form: its fields (repeated ones, like `list`, have several values), and from where."""

    fields: Mapping[str, Sequence[str]]
    ip: str

    def value(self, name: str) -> str:
        """The first value of a field ('' when absent)."""
        values = self.fields.get(name) or ()
        return values[0].strip() if values else ""


@dataclass(frozen=True)
class SignupDone:
    """What the reader is told (the same for every address)."""

    title: str
    message: str


def _no_form() -> NotFound:
    return NotFound("This sign-up form does not exist (any more).", code="form_not_found")


def public_form(form_id: str, *, forms: FormRepository, lists: ListRepository) -> PublicForm:
    """A form and the lists it offers; NotFound when it or all its lists are gone."""
    record = forms.get_public(form_id)
    if record is None:
        raise _no_form()
    found = lists.get_many(record.owner_id, record.form.list_ids)
    offered = [found[list_id] for list_id in record.form.list_ids if list_id in found]
    if not offered:
        raise _no_form()
    return PublicForm(owner_id=record.owner_id, form=record.form, lists=offered)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_signup", details=[{"field": field, "message": message}])


@dataclass(frozen=True)
class _Reader:
    email: str
    name: str
    attributes: dict[str, Any]
    lists: list[ContactList]


def _read(page: PublicForm, submission: Submission) -> _Reader:
    """The sign-up's values, checked against what the form asks; InvalidInput naming the field."""
    form = page.form
    try:
        email = normalise_email(submission.value("email"))
    except InvalidEmail as exc:
        raise _invalid("email", f"Enter a valid email address ({exc}).") from exc
    name = submission.value("name")[:MAX_NAME] if form.ask_name else ""
    if form.ask_name and form.name_required and not name:
        raise _invalid("name", "Enter your name.")
    attributes: dict[str, Any] = {}
    for asked in form.fields:
        value = submission.value(f"attributes.{asked.key}")[:MAX_VALUE]
        if asked.required and not value:
            raise _invalid(f"attributes.{asked.key}", f"Fill in “{asked.label}”.")
        if value:
            attributes[asked.key] = value
    if len(attributes_json(attributes).encode()) > MAX_ATTRIBUTES_BYTES:
        raise _invalid("attributes", "The answers are too long.")
    chosen = page.lists
    if len(page.lists) > 1:
        picked = set(submission.fields.get("list") or ())
        chosen = [found for found in page.lists if found.id in picked]
        if not chosen:
            raise _invalid("list", "Choose at least one list.")
    return _Reader(email=email, name=name, attributes=attributes, lists=chosen)


def submit(
    form_id: str,
    submission: Submission,
    *,
    kit: SignupKit,
    correlation_id: str | None,
    now: float | None = None,
) -> SignupDone:
    """Sign an address up through a form: single opt-in lists at once, double opt-in ones once the
    emailed link is followed. InvalidInput (which field), TooManyRequests (how long to wait), NotFound."""
    page = public_form(form_id, forms=kit.forms, lists=kit.lists)
    done = _done(page)
    if submission.value(HONEYPOT):
        logger.info("sign-up with the honeypot filled ignored", extra={"form_id": form_id})
        return done
    enforce([(PER_IP, submission.ip)], repo=kit.limits, message=BUSY, now=now)
    reader = _read(page, submission)
    owner_id = page.owner_id
    enforce(
        [(PER_ADDRESS, f"{owner_id}:{reader.email}")]
        + [(PER_LIST, f"{owner_id}:{c.id}") for c in reader.lists],
        repo=kit.limits,
        message=BUSY,
        now=now,
    )
    consent = Consent(at=datetime.now(UTC), ip=submission.ip, form_id=form_id, text=page.form.consent_text)
    waiting: list[tuple[str, str]] = []
    for chosen in reader.lists:
        new = NewSubscriber(
            email=reader.email,
            name=reader.name,
            status="subscribed" if chosen.opt_in == "single" else "unconfirmed",
            attributes=reader.attributes,
            source="form",
            correlation_id=correlation_id,
            consent=consent,
            confirmation=Confirmation(by="single_opt_in", ip=submission.ip),
        )
        if chosen.opt_in == "single":
            kit.subscribers.add(owner_id, chosen.id, new, suppress=None)  # one already there stays as it is
            continue
        outcome = kit.subscribers.request_confirmation(owner_id, chosen.id, new, confirm_id=new_id())
        if isinstance(outcome, Waiting):
            waiting.append((chosen.id, outcome.confirm_id))
    if waiting:
        kit.confirmations.add(
            ConfirmationRequest(
                id=new_id(),
                owner_id=owner_id,
                email=reader.email,
                lists=tuple(waiting),
                form_id=form_id,
                correlation_id=correlation_id,
            )
        )
    logger.info("sign-up", extra={"form_id": form_id, "lists": len(reader.lists), "to_confirm": len(waiting)})
    return done


def _done(page: PublicForm) -> SignupDone:
    if page.form.success_message:
        return SignupDone(title="Thank you", message=page.form.success_message)
    if page.double_opt_in:
        return SignupDone(
            title="Almost done: check your inbox",
            message="If this address can be subscribed, an email with a confirmation link is on its way. "
            "Follow the link to complete your subscription.",
        )
    return SignupDone(title="Thank you", message="Your subscription is recorded.")
