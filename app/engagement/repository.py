"""DynamoDB access for opens and clicks: on recipients, per link and per hour, and per address.

Keys: recipient R (app/delivery/repository.py: PK=CAMPAIGN#<owner>#<campaign>, SK=RCPT#<email>;
once sent GSI1PK=OWNER#<owner>#EMAIL#<email>, GSI1SK=SENT#<sent at>#<campaign>); link L = R's PK,
SK=LINK#<sha256 of the URL, 32 hex>; hour H = R's PK, SK=HOUR#<YYYY-MM-DDTHH> (UTC); the
subscriber S (app/contacts/subscribers.py) keeps `last_open_at` and `last_click_at`.

| access pattern                         | key                          | operation                          |
|----------------------------------------|------------------------------|------------------------------------|
| a recipient's first open / click       | R                            | UpdateItem (no first_*_at yet)     |
| a later open / click / machine open    | R                            | UpdateItem (after the last one)    |
| a link new to the recipient            | R                            | UpdateItem ADD (capped)            |
| add an invocation's counts of a link   | L                            | UpdateItem ADD                     |
| add an invocation's counts of an hour  | H                            | UpdateItem ADD                     |
| an address's latest open / click       | S                            | UpdateItem (only forward)          |
| a campaign's links                     | L's PK, SK begins_with LINK# | Query (up to LINKS_READ)           |
| a campaign's hours                     | H's PK, SK begins_with HOUR# | Query, a page                      |
| an address's campaigns, newest first   | GSI1PK=OWNER#<owner>#EMAIL#  | Query GSI1, a page                 |

Replays change nothing: an event whose time is not after the last one recorded is taken for a
replay (SES times have milliseconds; two opens of one message in the same millisecond count once,
and one older than the latest recorded, arriving late, is dropped). So a recipient's counts, and
the campaign's counters added from the writes that happened, are exact under redelivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.contacts.subscriber_items import subscriber_key
from app.db import Item, Table
from app.delivery.repository import RECORDED, RecipientRecord, recipient_key, recipients_pk
from app.digests import hex_digest
from app.writes import IfAbsent, one_of

Kind = Literal["open", "click", "machine_open"]
MAX_CLICKED_LINKS = 20  # links kept per recipient (`clicked_links`); clicks beyond are still counted
MAX_LINK_LENGTH = 2048  # longer links are counted under their first 2,048 characters
LINKS_READ = 1000  # link items one answer reads (a link per recipient, personalised, would be many)
LINK = "campaign_link"
HOUR = "campaign_hour"


def link_key(owner_id: str, campaign_id: str, url: str) -> tuple[str, str]:
    """The counter item of one link of a campaign."""
    return recipients_pk(owner_id, campaign_id), f"LINK#{hex_digest(url, 32)}"


def hour_key(owner_id: str, campaign_id: str, hour: str) -> tuple[str, str]:
    """The counter item of one hour (`YYYY-MM-DDTHH`, UTC) of a campaign."""
    return recipients_pk(owner_id, campaign_id), f"HOUR#{hour}"


@dataclass(frozen=True)
class Noted:
    """An open or click recorded on a recipient: whether it was the recipient's first (a unique
    open or click), and for a click whether the link was new to the recipient."""

    list_id: str
    correlation_id: str | None
    first: bool
    new_link: bool = False


@dataclass(frozen=True)
class LinkCount:
    """A link's counters."""

    url: str
    clicks: int
    unique_clicks: int


@dataclass(frozen=True)
class HourCount:
    """An hour's counters (the hour as `YYYY-MM-DDTHH`)."""

    hour: str
    counts: Mapping[str, int]


class EngagementRepository:
    """Opens and clicks of campaign messages, and the counters kept from them."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # Recipients.

    def note(
        self, owner_id: str, campaign_id: str, email: str, kind: Kind, at: str, *, link: str | None = None
    ) -> Noted | None:
        """Record an open, a machine open or a click (with its link) on a mailed recipient; None when
        nothing was recorded (a replay, an event older than the latest, or no mailed recipient)."""
        key = recipient_key(owner_id, campaign_id, email)
        recorded, values = one_of("#s", RECORDED)
        names = {"#s": "status"}
        last = f"last_{kind}_at"
        adds: dict[str, Any] = {f"{kind}_count": 1}
        if kind != "machine_open":
            first = f"first_{kind}_at"
            item = self.table.update(
                *key,
                sets={first: at, last: at},
                adds={**adds, "clicked_links": {link}} if link else adds,
                condition=f"{recorded} AND attribute_not_exists({first})",
                names=names,
                values=values,
            )
            if item is not None:
                return _noted(item, first=True, new_link=link is not None)
        item = self.table.update(
            *key,
            sets={last: at},
            adds=adds,
            condition=f"{recorded} AND (attribute_not_exists({last}) OR {last} < :at)",
            names=names,
            values={**values, ":at": at},
        )
        if item is None:
            return None
        new_link = link is not None and self._add_link(key, link, item)
        return _noted(item, first=False, new_link=new_link)

    def _add_link(self, key: tuple[str, str], link: str, item: Item) -> bool:
        """Remember a link the recipient clicked for the first time (at most MAX_CLICKED_LINKS)."""
        clicked = item.get("clicked_links") or set()
        if link in clicked or len(clicked) >= MAX_CLICKED_LINKS:
            return False
        added = self.table.update(
            *key,
            adds={"clicked_links": {link}},
            condition="NOT contains(clicked_links, :link) AND size(clicked_links) < :cap",
            values={":link": link, ":cap": MAX_CLICKED_LINKS},
            returns="NONE",
        )
        return added is not None

    def note_latest(self, owner_id: str, list_id: str, email: str, attribute: str, at: str) -> None:
        """Move a subscriber's `last_open_at` or `last_click_at` forward (never back; a subscriber
        no longer on the list is left alone)."""
        self.table.update(
            *subscriber_key(owner_id, list_id, email),
            sets={attribute: at},
            condition="attribute_exists(PK) AND (attribute_not_exists(#a) OR #a < :at)",
            names={"#a": attribute},
            values={":at": at},
            returns="NONE",
        )

    # Counters under the campaign, added once per feedback invocation.

    def add_link(self, owner_id: str, campaign_id: str, url: str, counts: Mapping[str, int]) -> None:
        """Add to a link's counters (`clicks`, `unique_clicks`)."""
        self.table.update(
            *link_key(owner_id, campaign_id, url),
            sets={"type": IfAbsent(LINK), "owner_id": IfAbsent(owner_id), "url": IfAbsent(url)},
            adds={k: v for k, v in counts.items() if v},
            returns="NONE",
        )

    def add_hour(self, owner_id: str, campaign_id: str, hour: str, counts: Mapping[str, int]) -> None:
        """Add to an hour's counters (opens, unique_opens, machine_opens, clicks, unique_clicks)."""
        self.table.update(
            *hour_key(owner_id, campaign_id, hour),
            sets={"type": IfAbsent(HOUR), "owner_id": IfAbsent(owner_id)},
            adds={k: v for k, v in counts.items() if v},
            returns="NONE",
        )

    # Reads.

    def links(self, owner_id: str, campaign_id: str) -> tuple[list[LinkCount], bool]:
        """The campaign's links (up to LINKS_READ of them, in no order), and whether there are more."""
        items, last = self.table.page(
            recipients_pk(owner_id, campaign_id), "LINK#", limit=LINKS_READ, start_sk=None
        )
        counts = [
            LinkCount(str(i["url"]), int(i.get("clicks", 0)), int(i.get("unique_clicks", 0))) for i in items
        ]
        return counts, last is not None

    def hours(
        self, owner_id: str, campaign_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[HourCount], str | None]:
        """A page of the campaign's hours with engagement, oldest first, and the sort key to go on after."""
        items, last = self.table.page(
            recipients_pk(owner_id, campaign_id), "HOUR#", limit=limit, start_sk=start_sk
        )
        fields = ("opens", "unique_opens", "machine_opens", "clicks", "unique_clicks")
        return [HourCount(str(i["SK"])[5:], {f: int(i.get(f, 0)) for f in fields}) for i in items], last

    def activity(
        self, owner_id: str, email: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        """A page of the campaigns mailed to an address (any list), the latest first, and the GSI1
        sort key to go on after."""
        pk = f"OWNER#{owner_id}#EMAIL#{email}"
        start = None
        if start_sk:  # the index's key, and the table's key the sort key names
            campaign_id = start_sk.rsplit("#", 1)[-1]
            table_pk, table_sk = recipient_key(owner_id, campaign_id, email)
            start = {"GSI1PK": pk, "GSI1SK": start_sk, "PK": table_pk, "SK": table_sk}
        items, last = self.table.query(
            "GSI1PK = :pk", {":pk": pk}, index="GSI1", limit=limit, start_key=start, forward=False
        )
        return [RecipientRecord.from_item(i) for i in items], (str(last["GSI1SK"]) if last else None)


def _noted(item: Item, *, first: bool, new_link: bool) -> Noted:
    correlation_id = item.get("correlation_id")
    return Noted(
        list_id=str(item.get("list_id", "")),
        correlation_id=str(correlation_id) if correlation_id else None,
        first=first,
        new_link=new_link,
    )
