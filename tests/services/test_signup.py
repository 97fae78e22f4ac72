"""Sign-up through a form and double opt-in, against the module's own table: what is stored, what
is mailed, what the link confirms, and what abuse gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.config import Settings
from app.contacts import service as contacts
from app.contacts.models import ConfirmationTemplate, ListUpdate, SuppressionEntry
from app.errors import NotFound, TooManyRequests
from app.events import ConfirmationRequested
from app.forms import confirmation, signup
from app.forms.tokens import make_token
from app.ratelimit import Limit
from app.store import Store
from tests.factories import form_fields, list_with, new_email, owner_id, signup_form
from tests.helpers import FakeSes

SETTINGS = Settings(
    app_url="https://herald.test", sender_email="news@herald.test", ses_configuration_set="cs"
)
KEY = b"k" * 32


class Clock:
    """The time the throttles are told it is; tests move it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


def submit(
    store: Store, form_id: str, fields: dict[str, list[str]], *, clock: Clock, ip: str = "203.0.113.7"
) -> Any:
    return signup.submit(
        form_id,
        signup.Submission(fields=fields, ip=ip),
        kit=signup.SignupKit.of(store),
        now=clock.now,
        correlation_id="corr-signup",
    )


def mail_for(store: Store, owner: str, email: str, ses: FakeSes) -> list[str | None]:
    """Run the confirmation worker's use case for every request about the address; message ids."""
    return [
        confirmation.send_confirmation(
            ConfirmationRequested(
                owner_id=owner, request_id=r.id, email=r.email, lists=list(r.lists), form_id=r.form_id
            ),
            lists=store.lists,
            subscribers=store.subscribers,
            suppressions=store.suppressions,
            ses=ses,  # type: ignore[arg-type]
            settings=SETTINGS,
            key=KEY,
        )
        for r in store.confirmations.for_address(owner, email)
    ]


def follow(store: Store, token: str, *, ip: str = "198.51.100.4") -> Any:
    """POST the confirmation link, as its page's button does."""
    return confirmation.confirm(
        token,
        key=KEY,
        ip=ip,
        lists=store.lists,
        subscribers=store.subscribers,
        suppressions=store.suppressions,
    )


def link_in(ses: FakeSes) -> str:
    """The token of the confirmation link in the last message."""
    text = str(ses.sent[-1]["Content"]["Simple"]["Body"]["Text"]["Data"])
    url = next(word for word in text.split() if "/api/public/confirm/" in word)
    return str(url.rsplit("/", 1)[1])


def test_a_sign_up_waits_unconfirmed_until_the_emailed_link_is_posted(store: Store, clock: Clock) -> None:
    # Given a double opt-in list with a form asking for the name and a city
    owner = owner_id()
    list_id = list_with(store, owner, [], name="Weekly")
    form_id = signup_form(store, owner, [list_id], fields=[{"key": "city", "label": "City"}])
    email = new_email("reader")

    # When a reader signs up
    done = submit(
        store, form_id, form_fields(email.upper(), name="Ada", attributes__city="Oslo"), clock=clock
    )

    # Then the reader is told to check their inbox, and waits unconfirmed (uncounted) with consent
    assert done.title == "Almost done: check your inbox"
    waiting = store.subscribers.get(owner, list_id, email, consistent=True)
    assert waiting is not None and waiting.status == "unconfirmed" and waiting.source == "form"
    assert (waiting.name, waiting.attributes) == ("Ada", {"city": "Oslo"})
    assert waiting.consent is not None and waiting.consent.ip == "203.0.113.7"
    assert waiting.consent.form_id == form_id and waiting.consent.text.startswith("I agree")
    assert store.lists.get(owner, list_id).subscriber_count == 0  # type: ignore[union-attr]

    # When the confirmation email goes out
    ses = FakeSes()
    assert mail_for(store, owner, email, ses) == ["m-1"]

    # Then it went through the configuration set, to the reader, naming the list
    message = ses.sent[0]
    assert message["Destination"]["ToAddresses"] == [email]
    assert message["ConfigurationSetName"] == "cs"
    assert message["Content"]["Simple"]["Subject"]["Data"] == "Please confirm your subscription to Weekly"
    token = link_in(ses)

    # When a link scanner GETs the link, nothing changes
    shown = confirmation.show(token, key=KEY, lists=store.lists, subscribers=store.subscribers)
    assert (shown.email, shown.lists, shown.confirmed) == (email, ["Weekly"], False)
    assert store.subscribers.get(owner, list_id, email, consistent=True).status == "unconfirmed"  # type: ignore[union-attr]

    # When the reader POSTs it (twice: a double click)
    for _ in range(2):
        confirmed = follow(store, token, ip="198.51.100.4")

    # Then they are subscribed, counted once, with how and from where it was confirmed
    assert confirmed.confirmed
    member = store.subscribers.get(owner, list_id, email, consistent=True)
    assert member is not None and member.status == "subscribed"
    assert (member.confirmed_by, member.confirmed_at is not None) == ("double_opt_in", True)
    assert store.lists.get(owner, list_id).subscriber_count == 1  # type: ignore[union-attr]
    record = store.subscribers.get_record(owner, list_id, email)
    assert record is not None and "ttl" not in record.stored and record.confirm_id is None


def test_an_address_already_on_the_list_gets_the_same_answer_and_no_email(store: Store, clock: Clock) -> None:
    # Given a subscribed member and a form of the list
    owner = owner_id()
    member = new_email("member")
    list_id = list_with(store, owner, [member])
    form_id = signup_form(store, owner, [list_id])
    stranger = new_email("new")

    # When both sign up
    for_member = submit(store, form_id, form_fields(member), clock=clock)
    for_stranger = submit(store, form_id, form_fields(stranger), clock=clock)

    # Then both hear exactly the same, and only the new address waits for an email
    assert for_member == for_stranger
    assert store.confirmations.for_address(owner, member) == []
    assert len(store.confirmations.for_address(owner, stranger)) == 1
    assert store.subscribers.get(owner, list_id, member, consistent=True).status == "subscribed"  # type: ignore[union-attr]


def test_a_second_sign_up_keeps_the_first_link_working(store: Store, clock: Clock) -> None:
    # Given a reader who signed up twice (the first email seemed lost)
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])
    email = new_email()
    ses = FakeSes()
    submit(store, form_id, form_fields(email), clock=clock)
    first = (mail_for(store, owner, email, ses), link_in(ses))[1]
    submit(store, form_id, form_fields(email, name="Grace"), clock=clock)
    mail_for(store, owner, email, ses)

    # When the first email's link is used
    done = follow(store, first, ip="1.2.3.4")

    # Then it confirms, with the details of the latest sign-up
    assert done.confirmed
    member = store.subscribers.get(owner, list_id, email, consistent=True)
    assert member is not None and (member.status, member.name) == ("subscribed", "Grace")


def test_a_filled_honeypot_is_answered_as_a_success_and_nothing_is_stored(store: Store, clock: Clock) -> None:
    # Given a form
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])
    bot = new_email("bot")

    # When a bot fills every field, the hidden one too
    done = submit(store, form_id, form_fields(bot, homepage="https://spam.example"), clock=clock)

    # Then it hears what a person hears, and nothing is written
    assert done.title == "Almost done: check your inbox"
    assert store.subscribers.get(owner, list_id, bot, consistent=True) is None
    assert store.confirmations.for_address(owner, bot) == []


@pytest.mark.parametrize(
    ("limit", "vary"),
    [
        (signup.PER_ADDRESS.max_hits, lambda _: ("203.0.113.1", "same@example.com")),
        (signup.PER_IP.max_hits, lambda i: ("203.0.113.2", f"reader-{i}@example.com")),
    ],
    ids=["per address", "per IP"],
)
def test_too_many_sign_ups_are_refused_with_how_long_to_wait(
    store: Store, clock: Clock, limit: int, vary: Callable[[int], tuple[str, str]]
) -> None:
    # Given a form
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])

    # When the limit's worth of sign-ups came from one address (or one IP)
    for i in range(limit):
        ip, email = vary(i)
        submit(store, form_id, form_fields(email), clock=clock, ip=ip)
    ip, email = vary(limit)

    # Then the next is refused, saying when its window ends
    with pytest.raises(TooManyRequests) as refused:
        submit(store, form_id, form_fields(email), clock=clock, ip=ip)
    assert refused.value.code == "rate_limited"
    wait = refused.value.retry_after
    assert wait is not None and 0 < wait <= 3600

    # And once the window has passed it is accepted again
    clock.now += wait
    submit(store, form_id, form_fields(email), clock=clock, ip=ip)


def test_a_list_takes_a_bounded_number_of_sign_ups_an_hour(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a list capped at 3 sign-ups an hour
    monkeypatch.setattr(signup, "PER_LIST", Limit("test-list", max_hits=3, window_seconds=3600))
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])
    for i in range(3):
        submit(store, form_id, form_fields(f"one-{i}@example.com"), clock=clock, ip=f"198.51.100.{i}")

    # When a fourth arrives, from another address and IP
    with pytest.raises(TooManyRequests) as refused:
        submit(store, form_id, form_fields("four@example.com"), clock=clock, ip="192.0.2.9")

    # Then it is refused and nothing was written for it
    assert (refused.value.retry_after or 0) > 0
    assert store.subscribers.get(owner, list_id, "four@example.com", consistent=True) is None


def test_a_single_opt_in_list_subscribes_at_once_and_a_form_offers_a_choice(
    store: Store, clock: Clock
) -> None:
    # Given a double opt-in list and a single opt-in one, offered by one form
    owner = owner_id()
    double = list_with(store, owner, [], name="Letters")
    single = list_with(store, owner, [], name="Offers")
    contacts.update_list(owner, single, ListUpdate(opt_in="single"), repo=store.lists, correlation_id=None)
    form_id = signup_form(store, owner, [double, single])
    email = new_email()

    # When a reader ticks only the single opt-in list
    submit(store, form_id, form_fields(email, list=[single]), clock=clock)

    # Then they are subscribed to it at once (counted, consent and single opt-in recorded), not to the other
    member = store.subscribers.get(owner, single, email, consistent=True)
    assert member is not None and (member.status, member.confirmed_by) == ("subscribed", "single_opt_in")
    assert member.consent is not None
    assert store.subscribers.get(owner, double, email, consistent=True) is None
    assert store.lists.get(owner, single).subscriber_count == 1  # type: ignore[union-attr]
    assert store.confirmations.for_address(owner, email) == []


def test_one_email_confirms_every_list_chosen(store: Store, clock: Clock) -> None:
    # Given a form offering two double opt-in lists
    owner = owner_id()
    first, second = list_with(store, owner, [], name="A"), list_with(store, owner, [], name="B")
    form_id = signup_form(store, owner, [first, second])
    email = new_email()

    # When a reader keeps both ticked and confirms
    submit(store, form_id, form_fields(email, list=[first, second]), clock=clock)
    ses = FakeSes()
    mail_for(store, owner, email, ses)
    follow(store, link_in(ses), ip="1.2.3.4")

    # Then one email named both, and both lists have them
    assert len(ses.sent) == 1 and "A, B" in ses.sent[0]["Content"]["Simple"]["Subject"]["Data"]
    for list_id in (first, second):
        assert store.subscribers.get(owner, list_id, email, consistent=True).status == "subscribed"  # type: ignore[union-attr]


def test_someone_who_unsubscribed_is_back_only_after_confirming(store: Store, clock: Clock) -> None:
    # Given an unsubscribed (so suppressed) member
    owner = owner_id()
    email = new_email()
    list_id = list_with(store, owner, [email])
    store.subscribers.update(
        owner,
        list_id,
        email,
        status="unsubscribed",
        suppress=SuppressionEntry(reason="unsubscribed", source="test"),
        correlation_id=None,
    )
    form_id = signup_form(store, owner, [list_id])

    # When they sign up again, they stay unsubscribed until they confirm
    submit(store, form_id, form_fields(email), clock=clock)
    assert store.subscribers.get(owner, list_id, email, consistent=True).status == "unsubscribed"  # type: ignore[union-attr]
    ses = FakeSes()
    mail_for(store, owner, email, ses)
    follow(store, link_in(ses), ip="1.2.3.4")

    # Then they are subscribed, and their unsubscribe no longer suppresses them
    assert store.subscribers.get(owner, list_id, email, consistent=True).status == "subscribed"  # type: ignore[union-attr]
    assert store.suppressions.get(owner, email) is None


def test_a_bounced_address_is_never_sent_a_confirmation(store: Store, clock: Clock) -> None:
    # Given an address that bounced
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])
    email = new_email()
    store.suppressions.add(owner, email, SuppressionEntry(reason="bounced", source="test"))

    # When it signs up
    submit(store, form_id, form_fields(email), clock=clock)
    ses = FakeSes()

    # Then no email goes out
    assert mail_for(store, owner, email, ses) == [None]
    assert ses.sent == []


def test_the_owners_template_is_used_and_a_broken_one_falls_back_to_the_default(
    store: Store, clock: Clock
) -> None:
    # Given a list with its own confirmation email
    owner = owner_id()
    list_id = list_with(store, owner, [], name="Club")
    template = {
        "subject": "Join {{ lists | join(' and ') }}?",
        "text_body": "Go: {{ confirm_url }}",
        "html_body": "",
    }
    contacts.update_list(
        owner,
        list_id,
        ListUpdate.model_validate({"confirmation": template}),
        repo=store.lists,
        correlation_id=None,
    )
    form_id = signup_form(store, owner, [list_id])
    email = new_email()
    submit(store, form_id, form_fields(email), clock=clock)
    ses = FakeSes()

    # When the email is sent
    mail_for(store, owner, email, ses)

    # Then the owner's subject and text are used, the default HTML fills the empty part
    content = ses.sent[0]["Content"]["Simple"]
    assert content["Subject"]["Data"] == "Join Club?"
    assert content["Body"]["Text"]["Data"].startswith("Go: https://herald.test/api/public/confirm/")
    assert "Yes, subscribe me" in content["Body"]["Html"]["Data"]

    # And a template that fails at render time does not stop the email
    broken = ConfirmationTemplate(subject="{{ 1 / 0 }}")
    club = store.lists.get(owner, list_id)
    assert club is not None
    rendered = confirmation.render_confirmation(
        [club.model_copy(update={"confirmation": broken})],
        email=email,
        name="",
        attributes={},
        url="https://herald.test/x",
    )
    assert rendered.subject.startswith("Please confirm")


def test_a_forged_or_expired_link_confirms_nothing(store: Store) -> None:
    # Given an unconfirmed subscriber
    owner = owner_id()
    list_id = list_with(store, owner, [])
    email = new_email()

    # When links are forged (wrong id), altered, or expired
    forged = make_token(owner, email, ((list_id, "not-the-id"),), key=KEY)
    expired = make_token(owner, email, ((list_id, "x"),), key=KEY, now=1.0)

    # Then each is refused with its reason
    kwargs: dict[str, Any] = {"key": KEY, "lists": store.lists, "subscribers": store.subscribers}
    with pytest.raises(NotFound) as wrong:
        confirmation.confirm(forged, ip="1.2.3.4", suppressions=store.suppressions, **kwargs)
    with pytest.raises(NotFound) as altered:
        confirmation.show(forged[:-2] + "xx", **kwargs)
    with pytest.raises(NotFound) as old:
        confirmation.show(expired, **kwargs)
    assert (wrong.value.code, altered.value.code, old.value.code) == (
        "confirmation_link_expired",
        "invalid_confirmation_link",
        "confirmation_link_expired",
    )


def test_a_form_of_a_deleted_list_or_an_unknown_form_is_not_found(store: Store, clock: Clock) -> None:
    # Given a form whose only list was deleted
    owner = owner_id()
    list_id = list_with(store, owner, [])
    form_id = signup_form(store, owner, [list_id])
    store.lists.delete(owner, list_id)

    # Then its page and an unknown form are both not found
    for unknown in (form_id, "no-such-form"):
        with pytest.raises(NotFound) as missing:
            submit(store, unknown, form_fields(new_email()), clock=clock)
        assert missing.value.code == "form_not_found"


def test_a_list_name_cannot_inject_headers_into_the_confirmation_email(store: Store, clock: Clock) -> None:
    # Given a list whose name carries a line break and an address
    owner = owner_id()
    list_id = list_with(store, owner, [], name='News <boss@bank.example>\r\nBcc: all@example.com "x"')
    form_id = signup_form(store, owner, [list_id])
    email = new_email()
    submit(store, form_id, form_fields(email), clock=clock)
    ses = FakeSes()

    # When the confirmation email is sent
    mail_for(store, owner, email, ses)

    # Then its From header holds the name without what would break or fake the header
    assert ses.sent[0]["FromEmailAddress"] == "News bossbank.exampleBcc: allexample.com x <news@herald.test>"
