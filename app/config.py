"""Settings: the one place that reads the environment (names match template.yaml)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Herald's configuration, from the variables the template (or the local runner) sets."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    stage: str = "local"
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    table_name: str = "herald-local"
    event_bus_name: str = "herald-local"
    sender_email: str = "noreply@example.com"
    ses_configuration_set: str | None = None
    # The configuration set without open and click tracking: campaigns that turn tracking off.
    ses_untracked_configuration_set: str | None = None
    app_url: str = "http://127.0.0.1:8000"
    # The SSM parameter holding the site's URL, read when APP_URL is empty (a stack without
    # AppUrl or a custom domain: only the parameter knows the CloudFront domain).
    app_url_parameter: str | None = None
    user_pool_id: str | None = None
    user_pool_client_id: str | None = None
    # The local runner points this at the emulator; in AWS it is derived from the pool.
    cognito_jwks_url: str | None = None
    # Name of the SSM SecureString holding the HMAC key (cursors, unsubscribe links).
    signing_key_parameter: str = "/herald/local/signing-key"
    refresh_cookie_max_age: int = 30 * 24 * 3600
    # Contacts & imports: the private bucket that receives CSV uploads and reports.
    imports_bucket: str = "herald-local-imports"
    import_max_bytes: int = 20 * 1024 * 1024
    # Exports one owner may have queued or running at once (exports/<owner>/ in the same bucket).
    exports_per_owner: int = 2
    # Base URL of the WebSocket management API (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`);
    # the local runner points it at the embedded cloud. Unset: pushes are skipped.
    websocket_management_url: str | None = None
    # Campaigns & delivery.
    state_machine_arn: str | None = None
    campaign_scheduler_role_arn: str | None = None
    # Where a schedule parks the start of a delivery it could not make (its target's DLQ).
    campaign_schedule_dlq_arn: str | None = None
    send_queue_url: str | None = None
    # Messages per second across all senders; each of `send_max_concurrency` workers takes its share.
    send_rate_per_second: float = 14.0
    # Of that rate, what mail outside campaigns (test copies, welcome mail, transactional: a third
    # each) may use, in every function instance together; campaign senders share the rest.
    transactional_rate_per_second: int = 3
    # Test copies one account may send in an hour.
    test_sends_per_hour: int = 20
    # Transactional messages (POST /api/tx) one account may send in an hour.
    transactional_sends_per_hour: int = 1000
    send_max_concurrency: int = 2
    # How long one WaitForSender step waits for the senders before the campaign fails.
    sender_timeout_seconds: int = 3600
    soft_bounce_limit: int = 3
    # Where the client's address is read from: None is the connection's (uvicorn's peer, the HTTP
    # API's sourceIp); behind CloudFront the template names `cloudfront-viewer-address`.
    client_address_header: str | None = None
    # Throttles of /api/auth/*: attempts per client address and per account in each window
    # (sign-up: an hour; confirm, log-in, refresh: 15 minutes). A refused attempt is a 429.
    signup_per_address: int = 10
    signup_per_account: int = 3
    confirm_per_address: int = 30
    confirm_per_account: int = 10
    login_per_address: int = 60
    login_per_account: int = 10
    refresh_per_address: int = 120
    # Requests one API key may make a minute (then 429 with Retry-After).
    api_key_requests_per_minute: int = 600
    # Webhooks: the queue of deliveries (signed and POSTed by workers/webhook_deliver.py).
    webhook_queue_url: str | None = None
    # Seconds before each retry of a failed delivery (SQS visibility, at most 12 h each); the
    # delivery fails after the last. About 28 h in all; WebhookDeliveryQueue's maxReceiveCount is
    # one more than there are delays (a test checks), so the failed delivery then lands in its DLQ.
    webhook_retry_delays: tuple[int, ...] = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200)
    webhook_timeout_seconds: float = 5.0
    webhook_endpoints_per_owner: int = 10

    @property
    def cognito_issuer(self) -> str:
        """The `iss` claim Cognito puts in this pool's tokens."""
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys are published."""
        return self.cognito_jwks_url or f"{self.cognito_issuer}/.well-known/jwks.json"


APP_URL_CACHE_SECONDS = 300


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once on first use (an empty APP_URL from its parameter)."""
    settings = Settings()
    if settings.app_url or not settings.app_url_parameter:
        return settings
    return settings.model_copy(update={"app_url": site_url(settings.app_url_parameter)})


def site_url(parameter_name: str) -> str:
    """The site's URL from its SSM parameter (Powertools parameters, cached)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(parameter_name, max_age=APP_URL_CACHE_SECONDS)
    if not isinstance(value, str) or not value.strip():
        raise RuntimeError(f"the site URL parameter {parameter_name} is empty")
    return value.strip()
