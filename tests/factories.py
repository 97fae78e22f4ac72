"""Test data factories (functions, not fixtures): accounts, tokens, lists, campaigns, event shapes."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import jwt
from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from app.store import Store
    from localcloud.cloud import EmbeddedCloud
    from localcloud.services.cognito.keys import SigningKey

PASSWORD = "Correct-Horse-9"


def new_email(prefix: str = "user") -> str:
    """A unique address for one test."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(client: TestClient, email: str, *, name: str = "Ada", password: str = PASSWORD) -> None:
    """Create an unconfirmed account through the API."""
    response = client.post("/api/auth/signup", json={"email": email, "password": password, "name": name})
    assert response.status_code == 201, response.text


def confirm(client: TestClient, email: str, *, correlation_id: str | None = None) -> None:
    """Confirm an account through the API (locally any 6-digit code is accepted)."""
    headers = {"X-Correlation-Id": correlation_id} if correlation_id else {}
    response = client.post("/api/auth/confirm", json={"email": email, "code": "123456"}, headers=headers)
    assert response.status_code == 200, response.text


def log_in(client: TestClient, email: str, *, password: str = PASSWORD) -> str:
    """An access token for the account."""
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def registered_user(client: TestClient, *, name: str = "Ada", prefix: str = "user") -> tuple[str, str]:
    """A confirmed account and its access token."""
    email = new_email(prefix)
    sign_up(client, email, name=name)
    confirm(client, email)
    return email, log_in(client, email)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def new_list(client: TestClient, headers: dict[str, str], members: list[dict[str, Any]]) -> str:
    """A list with these subscribers, through the API."""
    list_id: str = client.post("/api/lists", json={"name": "Readers"}, headers=headers).json()["id"]
    for member in members:
        added = client.post(f"/api/lists/{list_id}/subscribers", json=member, headers=headers)
        assert added.status_code == 201, added.text
    return list_id


def new_campaign(client: TestClient, headers: dict[str, str], list_id: str, **fields: Any) -> str:
    """A draft with merge tags, through the API."""
    body = {
        "name": "November news",
        "subject": "Hello {{ subscriber.name }}",
        "from_name": "Herald Weekly",
        "list_id": list_id,
        "html_body": "<p>Hi {{ subscriber.name }} from {{ attributes.city }}</p>"
        '<a href="{{ unsubscribe_url }}">unsubscribe</a>',
        "text_body": "Hi {{ subscriber.name }}. Unsubscribe: {{ unsubscribe_url }}",
        **fields,
    }
    created = client.post("/api/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.text
    campaign_id: str = created.json()["id"]
    return campaign_id


def moto_signing_key() -> Any:
    """The private key moto publishes in its package (what a forger would sign with)."""
    from moto.utilities.utils import load_resource

    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


def cloud_signing_key(cloud: EmbeddedCloud) -> SigningKey:
    """The key the embedded Cognito of `cloud` signs every pool's tokens with (its state dir's)."""
    from localcloud.services.cognito.keys import load_or_create

    return load_or_create(cloud.state_dir)


def mint_access_token(claims: dict[str, Any], *, key: Any, kid: str = "dummy") -> str:
    """An access token like Cognito's, with chosen claims (for negative tests); a `SigningKey`
    signs under its own key id, any other private key under `kid`."""
    from localcloud.services.cognito.keys import SigningKey

    now = int(time.time())
    payload = {"iat": now, "exp": now + 600, "token_use": "access", **claims}
    if isinstance(key, SigningKey):
        return key.sign(payload)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


class FakeLambdaContext:
    """What Powertools reads from a Lambda context object."""

    def __init__(self, function_name: str = "test-function") -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Plenty of time."""
        return 30_000


def lambda_context(function_name: str = "test-function") -> LambdaContext:
    """A fake context, typed as the real one for the handlers' signatures."""
    return cast("LambdaContext", FakeLambdaContext(function_name))


def eventbridge_envelope(
    detail_type: str, source: str, detail: dict[str, Any], *, bus: str
) -> dict[str, Any]:
    """An EventBridge event exactly as Lambda receives it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-22T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
        "event-bus-name": bus,
    }


def post_confirmation_event(
    *, sub: str, email: str, name: str, pool_id: str, client_id: str, correlation_id: str | None = None
) -> dict[str, Any]:
    """A Cognito PostConfirmation trigger event as Cognito sends it."""
    return {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": pool_id,
        "userName": sub,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {
            "userAttributes": {
                "sub": sub,
                "email": email,
                "email_verified": "true",
                "name": name,
                "cognito:user_status": "CONFIRMED",
            },
            "clientMetadata": {"correlation_id": correlation_id} if correlation_id else {},
        },
        "response": {},
    }


def stream_insert_event(
    new_image: dict[str, Any], *, stream_arn: str, sequence: str = "100"
) -> dict[str, Any]:
    """A DynamoDB stream INSERT record as Lambda delivers it."""
    from app.db import to_attr

    keys = {k: new_image[k] for k in ("PK", "SK")}
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": time.time(),
                    "Keys": to_attr(keys),
                    "NewImage": to_attr(new_image),
                    "SequenceNumber": sequence,
                    "SizeBytes": 200,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": stream_arn,
            }
        ]
    }


def sqs_event(bodies: list[dict[str, Any]], *, receive_count: int = 1) -> tuple[dict[str, Any], list[str]]:
    """An SQS batch holding these bodies (raw SNS delivery), as Lambda gets it; and its message ids."""
    ids = [str(uuid.uuid4()) for _ in bodies]
    records = [
        {
            "messageId": message_id,
            "receiptHandle": f"handle-{message_id}",
            "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1796238239000"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:herald-local-delivery-events",
            "awsRegion": "us-east-1",
        }
        for message_id, body in zip(ids, bodies, strict=True)
    ]
    return {"Records": records}, ids


def engagement_event(
    kind: str,
    owner: str,
    campaign_id: str,
    email: str,
    *,
    at: str = "2026-12-03T10:15:00.000Z",
    user_agent: str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Thunderbird/128.0",
    link: str = "https://example.com/news",
) -> dict[str, Any]:
    """An SES Open or Click event of a campaign message, as the configuration set publishes it."""
    detail: dict[str, Any] = {"ipAddress": "192.0.2.10", "timestamp": at, "userAgent": user_agent}
    if kind == "Click":
        detail |= {"link": link, "linkTags": {"section": ["header"]}}
    return {
        "eventType": kind,
        "mail": {
            "timestamp": "2026-12-03T10:00:00.000Z",
            "source": "noreply@example.com",
            "messageId": f"m-{email}",
            "destination": [email],
            "tags": {"owner": [owner], "campaign": [campaign_id], "ses:configuration-set": ["herald-local"]},
        },
        kind.lower(): detail,
    }


def owner_id() -> str:
    """A new tenant's id."""
    return str(uuid.uuid4())


def list_with(store: Store, owner: str, members: list[str], *, name: str = "Readers") -> str:
    """A list of `owner` holding these (already normalised) addresses, written through the store."""
    from app.contacts.models import NewSubscriber

    list_id = uuid.uuid4().hex
    store.lists.create(owner, list_id, name=name, description="", correlation_id=None)
    for email in members:
        new = NewSubscriber(email=email, name=email.split("@")[0].title())
        added = store.subscribers.add(owner, list_id, new, suppress=None)
        assert not isinstance(added, str), added
    return list_id


def draft(store: Store, owner: str, list_id: str, **content: Any) -> str:
    """A draft campaign of `owner` for the list, written through the store."""
    campaign_id = uuid.uuid4().hex
    store.campaigns.create(
        owner,
        campaign_id,
        {
            "name": "News",
            "subject": "Hello {{ subscriber.name }}",
            "from_name": "Herald",
            "list_id": list_id,
            "html_body": "<p>Hi {{ subscriber.name }}</p><a href='{{ unsubscribe_url }}'>out</a>",
            "text_body": "Hi {{ subscriber.name }}: {{ unsubscribe_url }}",
            **content,
        },
        correlation_id="corr-test",
    )
    return campaign_id


def engaged(
    store: Store,
    owner: str,
    list_id: str,
    email: str,
    *,
    opened: datetime | None = None,
    clicked: datetime | None = None,
) -> None:
    """Store a subscriber's latest open and click as the SES feedback path does (UTC, milliseconds)."""
    from app.campaigns.went_out import instant
    from app.contacts.subscriber_items import subscriber_key

    latest = {"last_open_at": opened, "last_click_at": clicked}
    sets = {name: instant(at) for name, at in latest.items() if at is not None}
    store.table.update(*subscriber_key(owner, list_id, email), sets=sets, condition="attribute_exists(PK)")


def signup_form(store: Store, owner: str, list_ids: list[str], **content: Any) -> str:
    """A sign-up form of `owner` for these lists, written through the store."""
    from app.forms.models import FormCreate

    cmd = FormCreate.model_validate({"name": "Footer form", "list_ids": list_ids, **content})
    form_id = uuid.uuid4().hex
    store.forms.create(owner, form_id, cmd.model_dump())
    return form_id


def form_fields(email: str, **more: str | list[str]) -> dict[str, list[str]]:
    """A form POST's fields as the public route parses them (every value a list)."""
    fields: dict[str, list[str]] = {"email": [email], "homepage": [""]}
    for name, value in more.items():
        fields[name.replace("__", ".")] = value if isinstance(value, list) else [value]
    return fields


def owner_with_audience(
    client: TestClient, count: int, *, prefix: str = "owner"
) -> tuple[dict[str, str], str, list[str]]:
    """A signed-in owner (its headers), a list of `count` new subscribers, and their addresses."""
    _, token = registered_user(client, prefix=prefix)
    headers = bearer(token)
    tag = uuid.uuid4().hex[:6]
    emails = [f"{prefix[0]}{i:02d}-{tag}@example.com" for i in range(count)]
    list_id = new_list(client, headers, [{"email": e, "name": f"Reader {i}"} for i, e in enumerate(emails)])
    return headers, list_id, emails


def sent_campaign(client: TestClient, headers: dict[str, str], list_id: str, **fields: Any) -> str:
    """A draft for the list (these fields over the defaults), sent now: 202."""
    campaign_id = new_campaign(client, headers, list_id, **fields)
    sent = client.post(f"/api/campaigns/{campaign_id}/send", headers=headers)
    assert sent.status_code == 202, sent.text
    return campaign_id
