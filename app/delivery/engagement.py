"""SES Open and Click events: recorded on the recipient, counted per campaign, link and hour.

A recipient's first open and first click are unique opens and clicks (conditional writes, so
replays count nothing twice; see app/engagement/repository.py). What a campaign, a link or an hour
counts is added once per feedback invocation (`EngagementTally.flush`), never once per event: the
items under a campaign are hot while its events pour in.

Machine opens. Some mail systems fetch every image of a message whether or not anybody reads it;
their opens are counted apart (`machine_opens`, the recipient's `machine_open_count`) and are
neither opens nor unique opens. The rule reads the open event's user agent (`is_machine_open`):

- Apple Mail Privacy Protection: Apple's proxy preloads images of mail delivered to Apple Mail
  with the bare user agent `Mozilla/5.0`, whether or not the message is read;
- an empty user agent, and security scanners and link checkers that name themselves (bot,
  crawler, spider, scanner, preview, HeadlessChrome, and known gateways: Barracuda, Mimecast,
  Proofpoint, Symantec/Messagelabs).

Image proxies that fetch when the reader opens (Gmail's `GoogleImageProxy`, Yahoo's
`YahooMailProxy`) are people's opens: they load the image once, when the message is displayed, and
cache it, so later opens of the same message are not seen. Apple readers' real opens also go
through Apple's proxy and cannot be told from its preloads, and a prefetcher whose user agent does
not show itself inflates opens: the campaign page says so, and that clicks are the surer sign.
Clicks are always counted (a scanner's click is not told apart).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.delivery.models import SesEvent
from app.engagement.repository import MAX_LINK_LENGTH, EngagementRepository, Kind, Noted

APPLE_PROXY = "Mozilla/5.0"
_MACHINE = re.compile(
    r"bot\b|crawler|spider|scanner|preview|headlesschrome|barracuda|mimecast|proofpoint|messagelabs|symantec",
    re.IGNORECASE,
)


def is_machine_open(user_agent: str) -> bool:
    """An open by software that fetches images without a reader (see the module docstring)."""
    agent = user_agent.strip()
    return agent in ("", APPLE_PROXY) or _MACHINE.search(agent) is not None


def instant(at: datetime) -> str:
    """An event's time as recipient items store it (UTC, milliseconds: comparable as text)."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass
class EngagementTally:
    """What one feedback invocation counted: per link, per hour, and each subscriber's latest."""

    links: dict[tuple[str, str, str], Counter[str]] = field(default_factory=dict)
    hours: dict[tuple[str, str, str], Counter[str]] = field(default_factory=dict)
    latest: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def flush(self, repo: EngagementRepository) -> None:
        """One write per link, per hour and per subscriber touched in this invocation."""
        links, self.links = self.links, {}
        hours, self.hours = self.hours, {}
        latest, self.latest = self.latest, {}
        for (owner_id, campaign_id, url), counts in links.items():
            repo.add_link(owner_id, campaign_id, url, counts)
        for (owner_id, campaign_id, hour), counts in hours.items():
            repo.add_hour(owner_id, campaign_id, hour, counts)
        for (owner_id, list_id, email, attribute), at in latest.items():
            repo.note_latest(owner_id, list_id, email, attribute, at)

    def hour(self, owner_id: str, campaign_id: str, at: str) -> Counter[str]:
        """The counters of the hour `at` falls in."""
        return self.hours.setdefault((owner_id, campaign_id, at[:13]), Counter())

    def seen(self, owner_id: str, list_id: str, email: str, attribute: str, at: str) -> None:
        """A subscriber's latest open or click so far in this invocation."""
        key = (owner_id, list_id, email, attribute)
        if list_id and at > self.latest.get(key, ""):
            self.latest[key] = at


def record_engagement(
    event: SesEvent,
    owner_id: str,
    campaign_id: str,
    email: str,
    *,
    repo: EngagementRepository,
    tally: EngagementTally,
) -> tuple[Counter[str], str] | None:
    """Record an Open or Click of one recipient; the campaign counters it adds and what changed,
    or None when nothing was recorded (a replay, or no mailed recipient: the caller looks why)."""
    if event.open is not None:
        machine = is_machine_open(event.open.user_agent)
        kind: Kind = "machine_open" if machine else "open"
        at, link = instant(event.open.timestamp), None
    elif event.click is not None:
        kind, at, link = "click", instant(event.click.timestamp), event.click.link[:MAX_LINK_LENGTH]
    else:
        return None
    noted = repo.note(owner_id, campaign_id, email, kind, at, link=link)
    if noted is None:
        return None
    counts = _counts(kind, noted)
    tally.hour(owner_id, campaign_id, at).update(counts)
    if link is not None:
        per_link = tally.links.setdefault((owner_id, campaign_id, link), Counter())
        per_link.update({"clicks": 1, "unique_clicks": int(noted.new_link)})
    if kind != "machine_open":
        tally.seen(owner_id, noted.list_id, email, f"last_{kind}_at", at)
    return counts, {"open": "opened", "click": "clicked", "machine_open": "machine_opened"}[kind]


def _counts(kind: Kind, noted: Noted) -> Counter[str]:
    """The campaign counters one recorded open or click adds."""
    if kind == "machine_open":
        return Counter({"machine_opens": 1})
    total = "opens" if kind == "open" else "clicks"
    return Counter({total: 1, f"unique_{total}": int(noted.first)})
