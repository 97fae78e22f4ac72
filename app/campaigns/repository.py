"""DynamoDB access for campaigns (the owner is in every key).

Keys: campaign C = PK=OWNER#<owner>, SK=CAMPAIGN#<id> (content, status, timeline, counters,
task token, execution, failure).

| access pattern                        | key                              | operation                     |
|---------------------------------------|----------------------------------|-------------------------------|
| create a draft                        | C                                | PutItem (if absent)           |
| read a campaign                       | C                                | GetItem                       |
| a page of the owner's campaigns       | C's PK, SK begins_with CAMPAIGN# | Query (newest first)          |
| edit, change status (+ timeline)      | C                                | UpdateItem (status IN ...)    |
| delete a draft or finished campaign   | C                                | DeleteItem (status IN ...)    |
| store the task token (WaitForSender)  | C                                | UpdateItem, ALL_NEW           |
| complete a batch, once (send worker)  | C (done_batches set)             | UpdateItem ADD (NOT contains) |
| count feedback (delivered, bounced..) | C                                | UpdateItem ADD                |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from app.campaigns.models import (
    Campaign,
    CampaignSummary,
    Failure,
    StatusChange,
    stats_of,
)
from app.db import Item, Table, from_attr, is_conditional_failure, to_attr

ENTITY = "campaign"
CONTENT_FIELDS = ("name", "subject", "from_name", "reply_to", "list_id", "html_body", "text_body")


def now_iso() -> str:
    """The current time as stored on items."""
    return datetime.now(UTC).isoformat()


def campaign_key(owner_id: str, campaign_id: str) -> tuple[str, str]:
    """The key of a campaign item."""
    return f"OWNER#{owner_id}", f"CAMPAIGN#{campaign_id}"


def _key(owner_id: str, campaign_id: str) -> dict[str, Any]:
    pk, sk = campaign_key(owner_id, campaign_id)
    return to_attr({"PK": pk, "SK": sk})


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def to_campaign(item: Mapping[str, Any]) -> Campaign:
    """A campaign item as the API shows it."""
    failure = item.get("failure_code")
    return Campaign(
        id=str(item["campaign_id"]),
        name=str(item["name"]),
        subject=str(item["subject"]),
        from_name=str(item.get("from_name", "")),
        reply_to=item.get("reply_to") or None,
        list_id=str(item["list_id"]),
        html_body=str(item.get("html_body", "")),
        text_body=str(item.get("text_body", "")),
        status=item["status"],
        scheduled_at=_when(item.get("scheduled_at")),
        stats=stats_of(dict(item)),
        failure=Failure(code=str(failure), message=str(item.get("failure_message", ""))) if failure else None,
        timeline=[StatusChange.model_validate(entry) for entry in item.get("timeline") or []],
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item.get("updated_at", item["created_at"]))),
        sent_at=_when(item.get("sent_at")),
    )


def to_summary(item: Mapping[str, Any]) -> CampaignSummary:
    """A campaign item as a list shows it."""
    full = to_campaign(item)
    return CampaignSummary(**full.model_dump(include=set(CampaignSummary.model_fields)))


class CampaignRepository:
    """Campaigns in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(
        self, owner_id: str, campaign_id: str, content: Mapping[str, Any], *, correlation_id: str | None
    ) -> Campaign:
        """Write a new draft."""
        pk, sk = campaign_key(owner_id, campaign_id)
        now = now_iso()
        item = {
            "PK": pk,
            "SK": sk,
            "type": ENTITY,
            "owner_id": owner_id,
            "campaign_id": campaign_id,
            **{k: content.get(k) for k in CONTENT_FIELDS},
            "status": "draft",
            "timeline": [{"status": "draft", "at": now}],
            "created_at": now,
            "updated_at": now,
            "correlation_id": correlation_id,
        }
        self.table.put(item, condition="attribute_not_exists(PK)")
        return to_campaign(item)

    def get_item(self, owner_id: str, campaign_id: str, *, consistent: bool = False) -> Item | None:
        """The raw campaign item, if it exists."""
        return self.table.get(*campaign_key(owner_id, campaign_id), consistent=consistent)

    def get(self, owner_id: str, campaign_id: str, *, consistent: bool = False) -> Campaign | None:
        """The campaign, if it exists."""
        item = self.get_item(owner_id, campaign_id, consistent=consistent)
        return to_campaign(item) if item else None

    def page(
        self, owner_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[CampaignSummary], str | None]:
        """A page of campaigns, newest first, and the sort key to continue after."""
        pk, _ = campaign_key(owner_id, "")
        items, last = self.table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": pk, ":prefix": "CAMPAIGN#"},
            limit=limit,
            start_key={"PK": pk, "SK": start_sk} if start_sk else None,
            forward=False,
        )
        return [to_summary(i) for i in items], (str(last["SK"]) if last else None)

    def update(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        allowed: Iterable[str],
        to: str | None = None,
        sets: Mapping[str, Any] | None = None,
        removes: Iterable[str] = (),
        correlation_id: str | None = None,
    ) -> Item | None:
        """Change a campaign whose status is one of `allowed` (moving it to `to`); None when refused.

        A status change appends to the timeline in the same write.
        """
        now = now_iso()
        values: dict[str, Any] = {**(sets or {}), "updated_at": now}
        if correlation_id:
            values["correlation_id"] = correlation_id
        names = {f"#a{i}": key for i, key in enumerate(values)}
        exprs: dict[str, Any] = {f":v{i}": value for i, value in enumerate(values.values())}
        clauses = [f"#a{i} = :v{i}" for i in range(len(values))]
        names["#status"] = "status"
        allowed_names = []
        for i, status in enumerate(allowed):
            exprs[f":s{i}"] = status
            allowed_names.append(f":s{i}")
        if to is not None:
            clauses.append("#status = :to")
            clauses.append("#timeline = list_append(if_not_exists(#timeline, :none), :entry)")
            names["#timeline"] = "timeline"
            exprs.update({":to": to, ":none": [], ":entry": [{"status": to, "at": now}]})
        expression = "SET " + ", ".join(clauses)
        removed = [f"#r{i}" for i, _ in enumerate(removes)]
        names.update({f"#r{i}": name for i, name in enumerate(removes)})
        if removed:
            expression += " REMOVE " + ", ".join(removed)
        try:
            response = self.table.client.update_item(
                TableName=self.table.name,
                Key=_key(owner_id, campaign_id),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(PK) AND #status IN ({', '.join(allowed_names)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_attr(exprs),
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return from_attr(response["Attributes"])

    def delete(self, owner_id: str, campaign_id: str, *, allowed: Iterable[str]) -> bool:
        """Delete a campaign whose status is one of `allowed`; False when refused or missing."""
        statuses = list(allowed)
        return self.table.delete(
            *campaign_key(owner_id, campaign_id),
            condition="attribute_exists(PK) AND #status IN ("
            + ", ".join(f":s{i}" for i in range(len(statuses)))
            + ")",
            names={"#status": "status"},
            values={f":s{i}": s for i, s in enumerate(statuses)},
        )

    def add_counters(self, owner_id: str, campaign_id: str, counts: Mapping[str, int]) -> None:
        """Add to the campaign's counters (feedback)."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#c{i}": key for i, key in enumerate(counts)}
        self.table.client.update_item(
            TableName=self.table.name,
            Key=_key(owner_id, campaign_id),
            UpdateExpression="ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_attr({f":c{i}": v for i, v in enumerate(counts.values())}),
        )

    def complete_batch(
        self, owner_id: str, campaign_id: str, batch: int, counts: Mapping[str, int]
    ) -> Item | None:
        """Count a finished batch once (its number joins `done_batches`); None when it was counted."""
        values: dict[str, Any] = {":one": 1, ":b": {batch}, ":bn": batch}
        clauses = ["batches_done :one", "done_batches :b"]
        names: dict[str, str] = {}
        for i, (key, value) in enumerate(counts.items()):
            names[f"#c{i}"] = key
            values[f":c{i}"] = value
            clauses.append(f"#c{i} :c{i}")
        kwargs: dict[str, Any] = {}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            response = self.table.client.update_item(
                TableName=self.table.name,
                Key=_key(owner_id, campaign_id),
                UpdateExpression="ADD " + ", ".join(clauses),
                ConditionExpression="attribute_exists(PK) AND NOT contains(done_batches, :bn)",
                ExpressionAttributeValues=to_attr(values),
                ReturnValues="ALL_NEW",
                **kwargs,
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return from_attr(response["Attributes"])

    def store_token(self, owner_id: str, campaign_id: str, token: str) -> Item:
        """Remember the execution's current task token; returns the campaign as it is now."""
        response = self.table.client.update_item(
            TableName=self.table.name,
            Key=_key(owner_id, campaign_id),
            UpdateExpression="SET task_token = :t, token_stored_at = :now",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_attr({":t": token, ":now": now_iso()}),
            ReturnValues="ALL_NEW",
        )
        return from_attr(response["Attributes"])
