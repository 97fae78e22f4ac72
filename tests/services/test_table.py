"""The table adapter against a real (emulated) table: updates, conditions, transactions, batches."""

from __future__ import annotations

import uuid

from app.db import new_item
from app.store import Store
from app.writes import Append, Delete, IfAbsent, Put, Update


def _pk() -> str:
    return f"TEST#{uuid.uuid4().hex}"


def test_an_update_sets_adds_removes_and_returns_the_new_item(store: Store) -> None:
    # Given an item with a counter, a set and an attribute to drop
    pk = _pk()
    store.table.put(new_item((pk, "A"), "test", count=1, tags={"a", "b"}, drop="me", first="kept"))

    # When one update sets, adds, removes and deletes, with if_not_exists and list_append
    item = store.table.update(
        pk,
        "A",
        sets={"name": "x", "first": IfAbsent("lost"), "log": Append(["one"]), "ignored": None},
        adds={"count": 2},
        removes=("drop",),
        deletes={"tags": {"a"}},
    )

    # Then the item comes back as it now is
    assert item is not None
    assert (item["name"], item["first"], item["log"], int(item["count"]), item["tags"]) == (
        "x",
        "kept",
        ["one"],
        3,
        {"b"},
    )
    assert "drop" not in item and "ignored" not in item


def test_a_refused_condition_returns_none_and_changes_nothing(store: Store) -> None:
    # Given a pending item
    pk = _pk()
    store.table.put(new_item((pk, "A"), "test", status="pending"))

    # When updates require a status (their placeholder names the attribute they also set)
    def move(expected: str, to: str) -> dict[str, object] | None:
        return store.table.update(
            pk, "A", sets={"status": to}, condition="#s = :x", names={"#s": "status"}, values={":x": expected}
        )

    refused, claimed = move("claimed", "sent"), move("pending", "claimed")

    # Then the first is refused and the second applied
    assert refused is None
    assert claimed is not None and claimed["status"] == "claimed"


def test_a_transaction_names_the_actions_whose_condition_failed(store: Store) -> None:
    # Given an existing item
    pk = _pk()
    store.table.put(new_item((pk, "A"), "test"))

    # When a transaction puts it again if absent and deletes a missing item if present
    failed = store.table.transact(
        [
            Put(new_item((pk, "A"), "test"), condition="attribute_not_exists(PK)"),
            Update(pk, "B", adds={"n": 1}),
            Delete(pk, "C", condition="attribute_exists(PK)"),
        ]
    )

    # Then both failed conditions are named, and nothing of the transaction was written
    assert failed == frozenset({0, 2})
    assert store.table.get(pk, "B") is None


def test_batches_read_write_and_delete_more_than_one_call_holds(store: Store) -> None:
    # Given 130 items written in one batch call (25 per BatchWriteItem)
    pk = _pk()
    store.table.batch_put([new_item((pk, f"I#{i:03d}"), "test", n=i) for i in range(130)])

    # When they are read back by key (100 per BatchGetItem, a key twice) and half are deleted
    keys = [(pk, f"I#{i:03d}") for i in range(130)]
    found = store.table.batch_get([*keys, keys[0]])
    store.table.batch_delete(keys[:65])

    # Then every item was found once, and only the other half remain
    assert sorted(int(item["n"]) for item in found) == list(range(130))
    remaining = list(store.table.query_all("PK = :pk", {":pk": pk}))
    assert [item["SK"] for item in remaining] == [sk for _, sk in keys[65:]]


def test_a_page_under_a_prefix_continues_after_its_last_key(store: Store) -> None:
    # Given five items under one prefix and one under another
    pk = _pk()
    for i in range(5):
        store.table.put(new_item((pk, f"X#{i}"), "test"))
    store.table.put(new_item((pk, "Y#0"), "test"))

    # When pages of two are read
    first, after = store.table.page(pk, "X#", limit=2, start_sk=None)
    second, _ = store.table.page(pk, "X#", limit=2, start_sk=after)
    newest, _ = store.table.page(pk, "X#", limit=1, start_sk=None, forward=False)

    # Then they follow each other in key order and stay under the prefix
    assert [i["SK"] for i in first] == ["X#0", "X#1"] and after == "X#1"
    assert [i["SK"] for i in second] == ["X#2", "X#3"]
    assert [i["SK"] for i in newest] == ["X#4"]
