"""Which of a campaign's recipients a read keeps: FilterExpressions over its recipients' partition.

A filter is applied after DynamoDB reads the items, so a page read with one holds those of the
items read that match: it may be short, even empty, and still have a next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPTED_OUT = "opted_out"  # the reason's prefix for a recipient who opted out before its send


@dataclass(frozen=True)
class RecipientWhere:
    """A FilterExpression over a campaign's recipients, with its placeholders."""

    filter: str
    names: Mapping[str, str]
    values: Mapping[str, Any]

    def expression(self) -> dict[str, Any]:
        """The keyword arguments of Table.page."""
        return {"filter": self.filter, "names": self.names, "values": self.values}


# A failed recipient a resend mails again: not failed by an opt-out, and never resent before
# (RecipientRecord.resendable says the same of one record).
RESENDABLE = RecipientWhere(
    "#s = :failed AND attribute_not_exists(resent_at) AND NOT begins_with(#r, :opted)",
    {"#s": "status", "#r": "reason"},
    {":failed": "failed", ":opted": OPTED_OUT},
)


def resend_candidates(round_first: int) -> RecipientWhere:
    """What a resend's round takes: the resendable, and those it took already (a retried page)."""
    return RecipientWhere(
        f"({RESENDABLE.filter}) OR (#s = :pending AND attribute_exists(resent_at) AND #b >= :first)",
        {**RESENDABLE.names, "#b": "batch"},
        {**RESENDABLE.values, ":pending": "pending", ":first": round_first},
    )


# Those SES reported opening or clicking the message (the feedback worker records the first time).
ENGAGED = {
    "opened": RecipientWhere("attribute_exists(first_open_at)", {}, {}),
    "clicked": RecipientWhere("attribute_exists(first_click_at)", {}, {}),
}


def where(status: str) -> RecipientWhere:
    """The recipients with this status, or who `opened` or `clicked`."""
    return ENGAGED.get(status) or RecipientWhere("#s = :status", {"#s": "status"}, {":status": status})
