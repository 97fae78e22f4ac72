"""DynamoDB access for a campaign's batches: how far senders have claimed each, which are done
(counted once with the campaign), and those a sender set aside while the campaign was paused.

A batch's `claimed` is a cursor over its addresses: a sender takes the next ones (at most
SENT_RECORD_GROUP, send.py) by moving it from where it saw it with one conditional write, so each
address is claimed by exactly one attempt, and gives back what it did not send (throttled, out of
time) by moving it back, if nobody moved it since.

Keys (in the campaign's recipients partition): batch N = SK=BATCH#<number, 7 digits> (its
addresses, done or not, written by RecipientRepository.freeze); parked P = SK=PARKED#<number>.
The access patterns are listed in app/delivery/repository.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.campaigns.repository import campaign_key
from app.db import Repository, new_item, now_iso, optional_str
from app.delivery.repository import batch_item, batch_key, recipients_pk
from app.writes import Update


def parked_key(owner_id: str, campaign_id: str, number: int) -> tuple[str, str]:
    """The key of the mark a sender leaves for a batch it set aside while the campaign was paused."""
    return recipients_pk(owner_id, campaign_id), f"PARKED#{number:07d}"


@dataclass(frozen=True)
class BatchRecord:
    """One batch of a campaign's frozen audience."""

    owner_id: str
    campaign_id: str
    batch: int
    list_id: str | None  # the list its members were read from (None: the campaign's)
    emails: tuple[str, ...]
    done: bool
    claimed: int = 0  # how many of `emails`, from the first, senders have claimed

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> BatchRecord:
        """Build from a stored item."""
        return cls(
            owner_id=str(item["owner_id"]),
            campaign_id=str(item["campaign_id"]),
            batch=int(item["batch"]),
            list_id=optional_str(item.get("list_id")),
            emails=tuple(str(e) for e in item.get("emails") or ()),
            done=item.get("status") == "done",
            claimed=int(item.get("claimed", 0)),
        )


class BatchRepository(Repository):
    """A campaign's batches: which are done (counted once), and those parked while it was paused."""

    def add(self, owner_id: str, campaign_id: str, batches: Sequence[tuple[int, str, Sequence[str]]]) -> None:
        """Write batches waiting to be sent: (number, list id, addresses) each."""
        self.table.batch_put([batch_item(owner_id, campaign_id, *batch) for batch in batches])

    def get_many(self, owner_id: str, campaign_id: str, numbers: Iterable[int]) -> list[BatchRecord]:
        """These batches, in number order (BatchGetItem)."""
        items = self.table.batch_get([batch_key(owner_id, campaign_id, n) for n in numbers])
        return sorted((BatchRecord.from_item(i) for i in items), key=lambda b: b.batch)

    def get(self, owner_id: str, campaign_id: str, number: int) -> BatchRecord | None:
        """One batch (strongly consistent)."""
        item = self.table.get(*batch_key(owner_id, campaign_id, number), consistent=True)
        return BatchRecord.from_item(item) if item else None

    def claim(
        self, owner_id: str, campaign_id: str, number: int, attempt: str, *, start: int, end: int
    ) -> bool:
        """Claim addresses `start` to `end` (excluded) of a batch for `attempt`: its cursor moves
        from `start` to `end`. False when it is not at `start` (another attempt moved it) or the
        batch is gone."""
        at_start = "claimed = :start" if start else "(attribute_not_exists(claimed) OR claimed = :start)"
        changed = self.table.update(
            *batch_key(owner_id, campaign_id, number),
            sets={"claimed": end, "claimed_by": attempt},
            condition=f"attribute_exists(PK) AND {at_start}",
            values={":start": start},
            returns="NONE",
        )
        return changed is not None

    def give_back(
        self, owner_id: str, campaign_id: str, number: int, attempt: str, *, claimed: int, back_to: int
    ) -> bool:
        """The addresses from `back_to` were claimed by `attempt` (up to `claimed`) and not sent:
        the cursor goes back, unless another attempt moved it since."""
        changed = self.table.update(
            *batch_key(owner_id, campaign_id, number),
            sets={"claimed": back_to},
            condition="claimed = :claimed AND claimed_by = :attempt",
            values={":claimed": claimed, ":attempt": attempt},
            returns="NONE",
        )
        return changed is not None

    def complete(self, owner_id: str, campaign_id: str, number: int, counts: Mapping[str, int]) -> bool:
        """Count a finished batch once: it becomes done and its counts join the campaign's in one
        transaction. False when it was already done (or the campaign is gone, or in a later round)."""
        now = now_iso()
        failed = self.table.transact(
            [
                Update(
                    *batch_key(owner_id, campaign_id, number),
                    sets={"status": "done", "done_at": now, **counts},
                    condition="attribute_exists(PK) AND #s <> :done",
                    names={"#s": "status"},
                    values={":done": "done"},
                ),
                Update(  # a batch of an earlier round counts no more (a resend is a round of its own)
                    *campaign_key(owner_id, campaign_id),
                    sets={"updated_at": now},
                    adds={"batches_done": 1, **counts},
                    condition="attribute_exists(PK) AND "
                    "(attribute_not_exists(round_first) OR round_first <= :n)",
                    values={":n": number},
                ),
            ]
        )
        return not failed

    def park(self, owner_id: str, campaign_id: str, number: int) -> None:
        """Set a batch aside while its campaign is paused (the resume's WaitForSender enqueues it)."""
        self.table.put(
            new_item(
                parked_key(owner_id, campaign_id, number),
                "campaign_parked_batch",
                batch=number,
                state="parked",
                parked_at=now_iso(),
            )
        )

    def unpark(self, owner_id: str, campaign_id: str, number: int) -> bool:
        """Take a parked batch back (the campaign was resumed meanwhile); False when the resume
        already took it to enqueue it again."""
        return self.table.delete(
            *parked_key(owner_id, campaign_id, number),
            condition="#state = :parked",
            names={"#state": "state"},
            values={":parked": "parked"},
        )

    def take_parked(self, owner_id: str, campaign_id: str) -> list[int]:
        """The parked batches this resume enqueues again: each is marked taken first (a sender that
        tries to take it back then leaves it); those taken by an earlier, interrupted try count too."""
        items = self.table.query_all(  # strongly consistent: a mark just written must be seen
            "PK = :pk AND begins_with(SK, :p)",
            {":pk": recipients_pk(owner_id, campaign_id), ":p": "PARKED#"},
            consistent=True,
        )
        taken = []
        for item in items:
            number = int(item["batch"])
            if (
                item.get("state") == "taken"
                or self.table.update(
                    *parked_key(owner_id, campaign_id, number),
                    sets={"state": "taken"},
                    condition="#state = :parked",
                    names={"#state": "state"},
                    values={":parked": "parked"},
                    returns="NONE",
                )
                is not None
            ):
                taken.append(number)
        return taken

    def forget_parked(self, owner_id: str, campaign_id: str, numbers: Sequence[int]) -> None:
        """Remove the marks of batches that are back on the queue."""
        self.table.batch_delete([parked_key(owner_id, campaign_id, n) for n in numbers])
