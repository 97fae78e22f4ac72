"""DynamoDB access for sign-up forms (the owner is in the key; the public id is on GSI1).

Keys: form F = PK=OWNER#<owner>, SK=FORM#<id>, GSI1PK=FORM#<id>, GSI1SK=FORM.

| access pattern                         | key                            | operation                   |
|----------------------------------------|--------------------------------|-----------------------------|
| create a form                          | F                              | PutItem (if absent)         |
| read / change / delete (the owner)     | F                              | GetItem/UpdateItem/DeleteItem |
| the owner's forms (of one list)        | F's PK, SK begins_with FORM#   | Query (FilterExpression)    |
| the public page and its POST           | GSI1PK=FORM#<id>               | Query GSI1 (one item)       |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.db import stamps
from app.forms.models import FormField, SignupForm
from app.owned import OwnedItems


def hosted_path(form_id: str) -> str:
    """Where a form's public page is served (under /api: CloudFront sends it to the API)."""
    return f"/api/public/subscribe/{form_id}"


def to_form(item: Mapping[str, Any]) -> SignupForm:
    """A form item as the API shows it."""
    return SignupForm(
        id=str(item["form_id"]),
        name=str(item["name"]),
        list_ids=[str(i) for i in item.get("list_ids") or ()],
        title=str(item.get("title", "")),
        intro=str(item.get("intro", "")),
        ask_name=bool(item.get("ask_name", True)),
        name_required=bool(item.get("name_required", False)),
        fields=[FormField.model_validate(f) for f in item.get("fields") or ()],
        consent_text=str(item.get("consent_text", "")),
        button_label=str(item.get("button_label", "Subscribe")),
        success_message=str(item.get("success_message", "")),
        hosted_path=hosted_path(str(item["form_id"])),
        **stamps(item),
    )


@dataclass(frozen=True)
class FormRecord:
    """A form as the public routes need it: the owner it belongs to, and the form."""

    owner_id: str
    form: SignupForm


class FormRepository(OwnedItems[SignupForm, SignupForm]):
    """Sign-up forms in the single table (a page: oldest first). Deleting a form stops its page
    answering."""

    entity = "form"
    id_name = "form_id"
    prefix = "FORM#"
    record = listed = staticmethod(to_form)

    def create(self, owner_id: str, form_id: str, content: Mapping[str, Any]) -> SignupForm:
        """Write a new form."""
        return self._add(
            owner_id,
            form_id,
            GSI1PK=f"FORM#{form_id}",
            GSI1SK="FORM",
            **content,
        )

    def get_public(self, form_id: str) -> FormRecord | None:
        """A form by its public id, with its owner (eventually consistent: GSI1)."""
        items, _ = self.table.query(
            "GSI1PK = :pk AND GSI1SK = :sk", {":pk": f"FORM#{form_id}", ":sk": "FORM"}, index="GSI1", limit=1
        )
        return FormRecord(str(items[0]["owner_id"]), to_form(items[0])) if items else None

    def page(
        self, owner_id: str, *, limit: int, start_sk: str | None, list_id: str | None = None
    ) -> tuple[list[SignupForm], str | None]:
        """A page of the owner's forms, oldest first (only those of `list_id` when given)."""
        pk, _ = self.key(owner_id, "")
        items, last = self.table.page(
            pk,
            self.prefix,
            limit=limit,
            start_sk=start_sk,
            filter="contains(list_ids, :list)" if list_id else None,
            values={":list": list_id} if list_id else {},
        )
        return [to_form(i) for i in items], last

    def update(self, owner_id: str, form_id: str, changes: Mapping[str, Any]) -> SignupForm | None:
        """Change a form; None when there is no such form."""
        return self._change(owner_id, form_id, changes)
