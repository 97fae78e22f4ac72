"""Webhooks against the module's own table: endpoints, tenancy, the fan-out, signed attempts, the
retry schedule, and the README's verification recipe."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.errors import InvalidInput, NotFound, TooManyRequests
from app.events import CampaignSent, SubscriberCreated, UserSignedUp
from app.store import Store
from app.webhooks import delivery, service
from app.webhooks.models import DeliveryTask, EndpointCreate, EndpointWithSecret
from app.webhooks.targets import check_url
from tests.factories import owner_id

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings(stage="local", webhook_retry_delays=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200))
PUBLIC = "https://hooks.example.com/herald"


def public_resolver(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


def metadata_resolver(host: str, port: int) -> list[str]:
    return ["169.254.169.254"]


class Queue:
    """The delivery queue: what was sent to it."""

    def __init__(self) -> None:
        self.tasks: list[DeliveryTask] = []

    def send(self, tasks: Sequence[DeliveryTask]) -> None:
        self.tasks.extend(tasks)


class Listener:
    """An endpoint that answers the given status codes in turn, and keeps what it was sent."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:  # noqa: ARG002
        self.requests.append((url, body, dict(headers)))
        code = self.codes.pop(0) if len(self.codes) > 1 else self.codes[0]
        if code == 0:
            raise httpx.ConnectError("connection refused")
        return code


def readme_verify() -> Callable[..., bool]:
    """The `verify` function of the README's "Verifying a webhook" snippet, as an integrator copies it."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Verifying a webhook", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["verify"]  # type: ignore[no-any-return]


def endpoint(store: Store, owner: str, *types: str, url: str = PUBLIC) -> EndpointWithSecret:
    cmd = EndpointCreate(url=url, event_types=list(types or ["subscriber.created"]))  # type: ignore[arg-type]
    return service.create_endpoint(owner, cmd, repo=store.webhooks, cap=3, local=True)


def created(owner: str, email: str = "ada@example.com") -> SubscriberCreated:
    return SubscriberCreated(owner_id=owner, list_id="l1", email=email, status="subscribed")


def attempt(store: Store, task: DeliveryTask, number: int, listener: Listener, **kw: Any) -> delivery.Outcome:
    return delivery.attempt(
        task, number, repo=store.webhooks, settings=SETTINGS, post=listener, resolve=public_resolver, **kw
    )


def test_an_owners_event_reaches_only_that_owners_endpoints_that_asked_for_it(store: Store) -> None:
    # Given two owners with endpoints, one of them not interested in subscriber.created
    ada, bob = owner_id(), owner_id()
    wants = endpoint(store, ada, "subscriber.created")
    endpoint(store, ada, "campaign.sent")
    endpoint(store, bob, "subscriber.created")
    queue = Queue()

    # When Ada's subscriber is created
    tasks = service.fan_out(created(ada), "ev-1", repo=store.webhooks, queue=queue, cap=3)

    # Then one delivery is queued, to Ada's interested endpoint only, and shows as pending there
    assert (
        [(t.owner_id, t.endpoint_id) for t in queue.tasks]
        == [(ada, wants.id)]
        == [(t.owner_id, t.endpoint_id) for t in tasks]
    )
    assert tasks[0].payload["type"] == "subscriber.created"
    assert tasks[0].payload["data"] == {"list_id": "l1", "email": "ada@example.com", "status": "subscribed"}
    recent = service.recent_deliveries(ada, wants.id, repo=store.webhooks).items
    assert [(d.status, d.attempts) for d in recent] == [("pending", 0)]


def test_another_owners_endpoint_is_not_found(store: Store) -> None:
    ada, bob = owner_id(), owner_id()
    bobs = endpoint(store, bob)
    queue = Queue()
    for call in (
        lambda: service.get_endpoint(ada, bobs.id, repo=store.webhooks),
        lambda: service.delete_endpoint(ada, bobs.id, repo=store.webhooks),
        lambda: service.rotate_secret(ada, bobs.id, repo=store.webhooks),
        lambda: service.recent_deliveries(ada, bobs.id, repo=store.webhooks),
        lambda: service.send_test(ada, bobs.id, repo=store.webhooks, queue=queue),
    ):
        with pytest.raises(NotFound):
            call()
    assert queue.tasks == []
    assert service.get_endpoint(bob, bobs.id, repo=store.webhooks).url == PUBLIC


def test_a_delivery_is_signed_as_the_readme_verifies_and_an_old_signature_is_refused(store: Store) -> None:
    # Given an endpoint and a queued event
    owner = owner_id()
    hook = endpoint(store, owner)
    task = service.fan_out(created(owner), "ev-2", repo=store.webhooks, queue=Queue(), cap=3)[0]
    listener = Listener(200)

    # When it is delivered
    outcome = attempt(store, task, 1, listener)

    # Then the README's recipe accepts what the listener got, with the endpoint's secret only
    assert outcome == delivery.Outcome("delivered")
    _, body, headers = listener.requests[0]
    verify = readme_verify()
    assert headers["Herald-Event"] == "subscriber.created"
    assert verify(hook.secret, headers["Herald-Signature"], body)
    assert not verify(hook.secret + "x", headers["Herald-Signature"], body)
    assert not verify(hook.secret, headers["Herald-Signature"], body.replace(b"ada@", b"eve@"))

    # And a signature made ten minutes ago (a replayed delivery) is refused
    old = delivery.signature(hook.secret, int(time.time()) - 600, body)
    assert not verify(hook.secret, old, body)
    recent = service.recent_deliveries(owner, hook.id, repo=store.webhooks).items
    assert [(d.status, d.status_code, d.attempts) for d in recent] == [("delivered", 200, 1)]


def test_a_500_is_retried_after_the_first_delay_then_a_200_delivers(store: Store) -> None:
    owner = owner_id()
    hook = endpoint(store, owner)
    task = service.fan_out(created(owner), "ev-3", repo=store.webhooks, queue=Queue(), cap=3)[0]
    listener = Listener(500, 200)

    first = attempt(store, task, 1, listener)
    after_first = service.recent_deliveries(owner, hook.id, repo=store.webhooks).items[0]
    second = attempt(store, task, 2, listener)

    assert first == delivery.Outcome("retrying", retry_in=60)
    assert (after_first.status, after_first.status_code) == ("retrying", 500)
    assert after_first.last_error == "HTTP 500"
    assert second == delivery.Outcome("delivered")
    done = service.recent_deliveries(owner, hook.id, repo=store.webhooks).items[0]
    assert (done.status, done.status_code, done.attempts) == ("delivered", 200, 2)
    # A redelivered message of a finished delivery is not sent again
    assert attempt(store, task, 3, listener) == delivery.Outcome("delivered")
    assert len(listener.requests) == 2


def test_the_backoff_spans_a_day_before_the_delivery_fails(store: Store) -> None:
    owner = owner_id()
    hook = endpoint(store, owner)
    task = service.fan_out(created(owner), "ev-4", repo=store.webhooks, queue=Queue(), cap=3)[0]
    listener = Listener(0)  # nobody answers

    outcomes = [attempt(store, task, n, listener) for n in range(1, len(SETTINGS.webhook_retry_delays) + 2)]

    assert [o.status for o in outcomes] == ["retrying"] * len(SETTINGS.webhook_retry_delays) + ["failed"]
    waited = sum(o.retry_in for o in outcomes)
    assert 24 * 3600 <= waited <= 30 * 3600
    assert all(a.retry_in <= b.retry_in for a, b in zip(outcomes[:-2], outcomes[1:-1], strict=True))
    final = service.recent_deliveries(owner, hook.id, repo=store.webhooks).items[0]
    assert (final.status, final.status_code, final.attempts) == ("failed", None, 10)
    assert final.last_error.startswith("ConnectError")


def test_a_host_that_resolves_inside_is_refused_at_delivery(store: Store) -> None:
    owner = owner_id()
    hook = endpoint(store, owner)
    task = service.fan_out(created(owner), "ev-5", repo=store.webhooks, queue=Queue(), cap=3)[0]
    listener = Listener(200)

    outcome = delivery.attempt(
        task, 1, repo=store.webhooks, settings=SETTINGS, post=listener, resolve=metadata_resolver
    )

    assert outcome.status == "retrying"
    assert listener.requests == []
    recent = service.recent_deliveries(owner, hook.id, repo=store.webhooks).items[0]
    assert "169.254.169.254" in recent.last_error


def test_a_removed_endpoint_gets_nothing_more(store: Store) -> None:
    owner = owner_id()
    hook = endpoint(store, owner, "campaign.sent")
    event = CampaignSent(owner_id=owner, campaign_id="c1", status="sent")
    task = service.fan_out(event, "ev-6", repo=store.webhooks, queue=Queue(), cap=3)[0]
    service.delete_endpoint(owner, hook.id, repo=store.webhooks)
    listener = Listener(200)

    assert attempt(store, task, 1, listener) == delivery.Outcome(None)
    assert listener.requests == []


def test_the_endpoint_cap_answers_429_and_a_removal_makes_room(store: Store) -> None:
    owner = owner_id()
    hooks = [endpoint(store, owner) for _ in range(3)]
    with pytest.raises(TooManyRequests) as refused:
        endpoint(store, owner)
    assert refused.value.code == "webhook_limit" and refused.value.retry_after
    service.delete_endpoint(owner, hooks[0].id, repo=store.webhooks)
    assert endpoint(store, owner).id not in {h.id for h in hooks}
    assert len(service.list_endpoints(owner, repo=store.webhooks, cap=3).items) == 3


def test_a_rotated_secret_signs_the_next_delivery(store: Store) -> None:
    owner = owner_id()
    hook = endpoint(store, owner)
    rotated = service.rotate_secret(owner, hook.id, repo=store.webhooks)
    listener = Listener(200)
    task = service.send_test(owner, hook.id, repo=store.webhooks, queue=Queue())

    attempt(store, task, 1, listener)

    _, body, headers = listener.requests[0]
    assert rotated.secret != hook.secret
    assert headers["Herald-Event"] == "webhook.test"
    assert readme_verify()(rotated.secret, headers["Herald-Signature"], body)
    assert not readme_verify()(hook.secret, headers["Herald-Signature"], body)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://hooks.example.com/x", False),
        ("http://127.0.0.1:8080/x", False),
        ("https://10.0.0.5/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://[::1]/x", False),
        ("https://metadata.google.internal/x", False),
        ("https://user:pw@hooks.example.com/x", False),
        ("http://192.168.1.10/x", True),
        ("ftp://hooks.example.com/x", False),
    ],
)
def test_urls_that_could_reach_inside_are_refused(url: str, local: bool) -> None:
    with pytest.raises(InvalidInput):
        check_url(url, local=local)


def test_public_https_and_local_loopback_are_accepted() -> None:
    assert check_url(PUBLIC, local=False) == PUBLIC
    assert check_url("http://127.0.0.1:8123/hook", local=True) == "http://127.0.0.1:8123/hook"


def test_activity_is_published_only_for_owners_with_an_endpoint(store: Store) -> None:
    ada, bob = owner_id(), owner_id()
    endpoint(store, ada)
    signed_up = UserSignedUp(user_id=bob, email="bob@example.com")
    owners: dict[str, bool] = {}

    events = [created(ada), created(bob), created(ada, "b@example.com"), signed_up]

    kept = service.worth_publishing(events, repo=store.webhooks, owners=owners)

    assert kept == [events[0], events[2], signed_up]
    assert owners == {ada: True, bob: False}
