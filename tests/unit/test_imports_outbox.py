"""Import job changes become events and WebSocket pushes; a deleted list asks for a purge."""

from __future__ import annotations

from typing import Any

from app.events import ImportCompleted, ImportFailed
from app.outbox import Purge, Push, TableChange, events_for, purges_for, pushes_for, react

JOB: dict[str, Any] = {
    "PK": "OWNER#o1",
    "SK": "IMPORT#i1",
    "type": "import",
    "owner_id": "o1",
    "import_id": "i1",
    "list_id": "l1",
    "status": "processing",
    "file_name": "people.csv",
    "rows_total": 5000,
    "rows_done": 0,
    "created": 0,
    "updated": 0,
    "unchanged": 0,
    "errors": 0,
    "created_at": "2026-11-22T12:00:00+00:00",
    "started_at": "2026-11-22T12:00:01+00:00",
    "correlation_id": "c-imp",
}


def modify(old: dict[str, Any], **changes: Any) -> TableChange:
    return TableChange(kind="MODIFY", old=old, new={**old, **changes})


def test_progress_pushes_the_job_shape_to_its_owner_only_when_counters_move() -> None:
    moved = modify(JOB, rows_done=1500, created=1400, errors=3)
    [push] = pushes_for(moved)
    assert push.user_id == "o1"
    assert push.message["type"] == "import.progress"
    assert (push.message["id"], push.message["rows_done"], push.message["rows_total"]) == ("i1", 1500, 5000)
    assert push.message["errors"] == 3 and push.message["correlation_id"] == "c-imp"
    assert pushes_for(modify(JOB, heartbeat_at="later")) == []
    assert events_for(moved) == []


def test_completion_pushes_once_and_publishes_import_completed() -> None:
    running = {**JOB, "rows_done": 5000, "created": 4900, "updated": 10, "unchanged": 40, "errors": 50}
    done = modify(
        running, status="completed", report_key="reports/o1/i1.csv", completed_at="2026-11-22T12:01:00+00:00"
    )

    [push] = pushes_for(done)
    assert push.message["type"] == "import.completed" and push.message["status"] == "completed"
    assert push.message["report_available"] is True and push.message["created"] == 4900
    assert events_for(done) == [
        ImportCompleted(
            owner_id="o1",
            import_id="i1",
            list_id="l1",
            rows_total=5000,
            created=4900,
            updated=10,
            unchanged=40,
            errors=50,
            correlation_id="c-imp",
        )
    ]
    finished = done.new
    assert finished is not None
    assert events_for(modify(dict(finished), heartbeat_at="x")) == []  # a later touch says nothing
    assert pushes_for(modify(dict(finished), heartbeat_at="x")) == []


def test_failure_is_pushed_as_completed_with_the_reason_and_publishes_import_failed() -> None:
    waiting = {**JOB, "status": "waiting_upload"}
    failed = modify(waiting, status="failed", failure_code="invalid_encoding", failure_message="Not UTF-8.")
    [push] = pushes_for(failed)
    assert push.message["type"] == "import.completed"
    assert push.message["failure"] == {"code": "invalid_encoding", "message": "Not UTF-8."}
    [event] = events_for(failed)
    assert isinstance(event, ImportFailed) and event.code == "invalid_encoding"


def test_a_new_job_or_other_items_push_nothing() -> None:
    assert pushes_for(TableChange(kind="INSERT", old=None, new={**JOB, "status": "waiting_upload"})) == []
    subscriber = {"PK": "LIST#o1#l1", "SK": "SUB#a@x.io", "type": "subscriber", "owner_id": "o1"}
    assert pushes_for(TableChange(kind="INSERT", old=None, new=subscriber)) == []
    assert purges_for(TableChange(kind="INSERT", old=None, new=subscriber)) == []


def test_a_deleted_list_and_an_unfinished_purge_ask_for_a_purge_step() -> None:
    the_list = {"PK": "OWNER#o1", "SK": "LIST#l1", "type": "list", "owner_id": "o1", "list_id": "l1"}
    marker = {"PK": "OWNER#o1", "SK": "PURGE#l1", "type": "list_purge", "owner_id": "o1", "list_id": "l1"}
    assert purges_for(TableChange(kind="REMOVE", old=the_list, new=None)) == [Purge("o1", "l1")]
    assert purges_for(TableChange(kind="MODIFY", old=marker, new={**marker, "deleted": 2000})) == [
        Purge("o1", "l1")
    ]
    assert purges_for(TableChange(kind="REMOVE", old=marker, new=None)) == []
    assert purges_for(TableChange(kind="MODIFY", old=the_list, new={**the_list, "name": "x"})) == []


def test_react_runs_publish_push_and_purge_only_when_given() -> None:
    done = modify({**JOB, "rows_done": 5000}, status="completed")
    published: list[Any] = []
    pushed: list[Push] = []
    react(done, publish=published.append, push=pushed.append)
    assert [e.detail_type() for batch in published for e in batch] == ["ImportCompleted"]
    assert [p.message["type"] for p in pushed] == ["import.completed"]
    assert react(done, publish=published.append) == published[0]  # pushes are optional
