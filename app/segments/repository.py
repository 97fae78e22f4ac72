"""DynamoDB access for segments (the owner is in every key).

Keys: segment G = PK=OWNER#<owner>, SK=SEGMENT#<id> (the rule as JSON text).

| access pattern                   | key                             | operation                     |
|----------------------------------|---------------------------------|-------------------------------|
| create a segment                 | G                               | PutItem (if absent)           |
| read / change / delete           | G                               | GetItem/UpdateItem/DeleteItem |
| the owner's segments             | G's PK, SK begins_with SEGMENT# | Query                         |

Who is in a segment is never stored: it is the list's partition read through the rule's filter
(app/contacts/subscribers.py `page(where=...)`), when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db import optional_str, stamps
from app.owned import OwnedItems
from app.segments.models import Rule, Segment


def to_segment(item: Mapping[str, Any]) -> Segment:
    """A segment item as the API shows it."""
    return Segment(
        id=str(item["segment_id"]),
        name=str(item["name"]),
        list_id=optional_str(item.get("list_id")),
        rule=Rule.model_validate_json(str(item["rule"])),
        **stamps(item),
    )


class SegmentRepository(OwnedItems[Segment, Segment]):
    """Segments in the single table (a page: oldest first)."""

    entity = "segment"
    id_name = "segment_id"
    prefix = "SEGMENT#"
    record = listed = staticmethod(to_segment)

    def create(
        self, owner_id: str, segment_id: str, *, name: str, list_id: str | None, rule: Rule
    ) -> Segment:
        """Write a new segment."""
        return self._add(
            owner_id,
            segment_id,
            name=name,
            list_id=list_id,
            rule=rule.model_dump_json(),
        )

    def update(
        self,
        owner_id: str,
        segment_id: str,
        *,
        name: str | None,
        list_id: str | None,
        rule: Rule | None,
        scope: bool,
    ) -> Segment | None:
        """Change what is given (`scope`: set `list_id`, None meaning all lists); None when missing."""
        return self._change(
            owner_id,
            segment_id,
            {
                "name": name,
                "rule": rule.model_dump_json() if rule else None,
                "list_id": list_id if scope else None,
            },
            removes=("list_id",) if scope and list_id is None else (),
        )
