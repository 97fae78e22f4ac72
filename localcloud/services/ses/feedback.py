"""SES event publishing locally: what moto's SES sent comes back as Delivery/Bounce/Complaint events.

`AWS::SES::ConfigurationSetEventDestination` with an SNS destination gets a poller that watches
moto's sent messages; every message sent through that configuration set produces, per
recipient, the JSON SES publishes (`eventType`, `mail`, `delivery`/`bounce`/`complaint`) on the
topic (and from there on every subscription, e.g. the SQS queue a worker consumes). The outcome
follows the SES mailbox simulator (local part before any `+label`, at simulator.amazonses.com):

| address                   | events                                           |
|---------------------------|--------------------------------------------------|
| success@                  | Delivery                                         |
| bounce@                   | Bounce (Permanent, General)                      |
| complaint@                | Delivery, then Complaint (abuse)                 |
| suppressionlist@          | Bounce (Permanent, OnAccountSuppressionList)     |
| ooto@                     | Delivery (the autoreply is not simulated)        |
| any other address         | Delivery                                         |

Only the event types the destination matches are published. How far the poller got is a
checkpoint saved with the snapshot, so a restart never replays old mail. A destination that
matches `open` or `click` also has the configuration set's mail tracked (`tracking`): those
events come when the reader's client requests the pixel or a link.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from localcloud.clients import Clients
from localcloud.context import NotEmulated, ProvisionContext, Provisioned
from localcloud.dispatch import Write
from localcloud.pollers import QUIET_INTERVAL, Activity, Checkpoints, Poller
from localcloud.server import StateLock
from localcloud.services.ses.outbox import MailCapture
from localcloud.services.ses.records import SentMail, mail_object, publish, timestamp
from localcloud.template import ResourceSpec

logger = logging.getLogger("localcloud")

SIMULATOR_DOMAIN = "simulator.amazonses.com"


def simulated_outcome(address: str) -> list[tuple[str, str | None]]:
    """The (eventType, bounce sub-type) SES would report for one recipient."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return [("Delivery", None)]
    mailbox = local.split("+", 1)[0]
    if mailbox == "bounce":
        return [("Bounce", "General")]
    if mailbox == "suppressionlist":
        return [("Bounce", "OnAccountSuppressionList")]
    if mailbox == "complaint":
        return [("Delivery", None), ("Complaint", None)]
    return [("Delivery", None)]


def ses_event(
    mail: SentMail, recipient: str, kind: str, sub_type: str | None, account_id: str
) -> dict[str, Any]:
    """One SES event-publishing record (the shape SES puts on SNS)."""
    now = timestamp()
    event: dict[str, Any] = {"eventType": kind, "mail": mail_object(mail, account_id)}
    if kind == "Delivery":
        event["delivery"] = {
            "timestamp": now,
            "processingTimeMillis": 120,
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "localcloud.simulator",
        }
    elif kind == "Bounce":
        event["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": sub_type or "General",
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": now,
            "feedbackId": str(uuid.uuid4()),
            "reportingMTA": "dns; localcloud.simulator",
        }
    elif kind == "Complaint":
        event["complaint"] = {
            "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": now,
            "feedbackId": str(uuid.uuid4()),
            "complaintFeedbackType": "abuse",
            "userAgent": "localcloud",
        }
    return event


def _sent_mail(message: Any, capture: MailCapture) -> SentMail:
    message_id = str(getattr(message, "id", ""))
    details = capture.details(message_id)
    destinations: Any = getattr(message, "destinations", []) or []
    if isinstance(destinations, Mapping):
        to = [
            *destinations.get("ToAddresses", []),
            *destinations.get("CcAddresses", []),
            *destinations.get("BccAddresses", []),
        ]
    else:
        to = list(destinations)
    return SentMail(
        message_id=message_id,
        source=str(getattr(message, "source", "")),
        destinations=[str(address) for address in to],
        subject=str(getattr(message, "subject", "") or ""),
        tags=dict(details.get("tags") or {}),
        configuration_set=details.get("configuration_set"),
        sent_at=dt.datetime.fromisoformat(details["sent_at"]) if details.get("sent_at") else None,
    )


class FeedbackPoller(Poller):
    """Publishes the simulated events of newly sent mail of one configuration set to its topic."""

    # SES reports a delivery once the receiving server accepted the message: seconds later, never
    # at once. Events here follow their send by at least this long (a sender records its sends
    # in small groups, so an instant event would mostly find its send not yet recorded).
    delay_seconds = 1.0

    def wakes_on(self, write: Write) -> bool:
        """Only a send adds mail; while mail waits to be due the poller polls every MIN_INTERVAL
        anyway, and a later send cannot be due sooner: a campaign's sends (thousands, each a write)
        do not each switch to this thread to find the oldest mail still not due."""
        return write.service in ("ses", "") and not self._waiting

    def __init__(
        self,
        *,
        configuration_set: str,
        topic_arn: str,
        event_types: frozenset[str],
        clients: Clients,
        capture: MailCapture,
        checkpoints: Checkpoints,
        state_lock: StateLock,
        account_id: str,
        activity: Activity,
        wake: Callable[[Write], None],
    ) -> None:
        super().__init__(f"ses-events-{configuration_set}", activity)
        self._published_to = wake  # the topic's queue pollers learn of what was published
        self.configuration_set = configuration_set
        self.topic_arn = topic_arn
        self.event_types = event_types
        self._clients = clients
        self._capture = capture
        self._checkpoints = checkpoints
        self._state_lock = state_lock
        self._account_id = account_id
        self._key = f"ses-events|{configuration_set}|{topic_arn}"
        self.published = 0
        self._waiting = False

    def pending(self) -> bool:
        """Mail sent less than `delay_seconds` ago, its events not yet due."""
        return self._waiting

    def idle_cap(self) -> float:
        """Mail only comes with a send, and each wakes this poller."""
        return QUIET_INTERVAL

    def describe(self) -> dict[str, Any]:
        """A short status for the dev console."""
        return {**super().describe(), "published": self.published}

    def _new_messages(self) -> tuple[int, list[Any]]:
        from moto.ses.models import ses_backends

        start = int(self._checkpoints.get(self._key) or 0)
        region = self._clients.region
        with self._state_lock.shared():
            if self._account_id not in ses_backends or region not in ses_backends[self._account_id]:
                return start, []
            sent = ses_backends[self._account_id][region].sent_messages
            return start, list(sent[start : start + 200])

    def poll(self) -> bool:
        """Publish the events of mail sent since the checkpoint."""
        start, messages = self._new_messages()
        self._waiting = False
        if not messages:
            return False
        due_before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.delay_seconds)
        events: list[dict[str, Any]] = []
        done = 0
        for message in messages:
            mail = _sent_mail(message, self._capture)
            if mail.sent_at is not None and mail.sent_at > due_before:
                self._waiting = True
                break
            done += 1
            if mail.configuration_set == self.configuration_set:
                for recipient in mail.destinations:
                    for kind, sub_type in simulated_outcome(recipient):
                        if kind.lower() in self.event_types:
                            events.append(ses_event(mail, recipient, kind, sub_type, self._account_id))
        if not done:
            return False
        self._publish(events)
        self._checkpoints.set(self._key, str(start + done))
        self.invocations += 1
        return True

    def _publish(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        self.published += publish(
            events,
            topic_arn=self.topic_arn,
            account_id=self._account_id,
            region=self._clients.region,
            state_lock=self._state_lock,
        )
        self._published_to(Write("sns"))


def provision_event_destination(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """An SNS event destination: simulated SES events for mail sent through the configuration set."""
    del spec
    destination = props.get("EventDestination") or {}
    configuration_set = str(props["ConfigurationSetName"])
    topic_arn = (destination.get("SnsDestination") or {}).get("TopicARN")
    name = str(destination.get("Name", "events"))
    if not topic_arn:
        raise NotEmulated("only SNS event destinations are emulated locally")
    if destination.get("Enabled", True) is False:
        return Provisioned(ref=name, status="disabled")
    types = frozenset(str(kind).lower() for kind in destination.get("MatchingEventTypes") or [])
    core = ctx.core
    capture = ctx.states.of(MailCapture)
    # Opens and clicks come from the reader's requests to the local runner (AppUrl), not from here.
    app_url = str(ctx.template.parameters.get("AppUrl") or "")
    capture.tracking.track(configuration_set, str(topic_arn), types, base_url=app_url)
    poller = FeedbackPoller(
        configuration_set=configuration_set,
        topic_arn=str(topic_arn),
        event_types=types,
        clients=core.clients,
        capture=capture,
        checkpoints=core.checkpoints,
        state_lock=core.state_lock,
        account_id=core.account_id,
        activity=core.activity,
        wake=core.wake,
    )
    simulated = sorted(types & {"delivery", "bounce", "complaint"})
    tracked = sorted(types & {"open", "click"})
    tracking = f"; {', '.join(tracked)} tracked (served by the local runner)" if tracked else ""
    return Provisioned(
        ref=name,
        status="local events",
        detail=f"{', '.join(simulated)} events for mail sent through {configuration_set} -> {topic_arn} "
        f"(SES mailbox simulator addresses decide the outcome){tracking}",
        pollers=[poller],
    )
