"""Sending mail through SES v2 with Herald's configuration set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from app.config import Settings


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    ses: SESV2Client,
    settings: Settings,
    from_name: str = "Herald",
) -> str:
    """Send one message; returns SES's message id."""
    kwargs: dict[str, Any] = {
        "FromEmailAddress": f"{from_name} <{settings.sender_email}>",
        "Destination": {"ToAddresses": [to]},
        "Content": {
            "Simple": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": text, "Charset": "UTF-8"},
                    "Html": {"Data": html, "Charset": "UTF-8"},
                },
            }
        },
    }
    if settings.ses_configuration_set:
        kwargs["ConfigurationSetName"] = settings.ses_configuration_set
    response = ses.send_email(**kwargs)
    return str(response["MessageId"])
