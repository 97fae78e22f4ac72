"""Log-out marks: which tokens they refuse, and how soon every process sees them."""

from __future__ import annotations

import time
import uuid

from app.auth.principal import Principal
from app.auth.revocation import RevocationRepository
from app.store import Store


def _token(user_id: str, *, issued_at: int, session: str) -> Principal:
    return Principal(
        user_id=user_id, username=user_id, groups=(), token="t", issued_at=issued_at, session=session
    )


def test_a_log_out_refuses_earlier_tokens_and_its_sessions_but_not_a_later_log_in(store: Store) -> None:
    # Given a user with tokens from two sessions, one issued in the very second of the log-out
    user, now = str(uuid.uuid4()), int(time.time())
    earlier = _token(user, issued_at=now - 60, session="s-old")
    same_second = _token(user, issued_at=now, session="s-ended")
    repo = RevocationRepository(store.table)
    assert not repo.is_revoked(earlier)

    # When the session "s-ended" logs out
    repo.revoke(user, session="s-ended", now=now)

    # Then every earlier token and every token of that session are refused; a new session is not
    assert repo.is_revoked(earlier) and repo.is_revoked(same_second)
    assert not repo.is_revoked(_token(user, issued_at=now, session="s-new"))
    assert not repo.is_revoked(_token(str(uuid.uuid4()), issued_at=now - 60, session="s-old"))


def test_another_process_sees_a_log_out_within_its_cache_time(store: Store) -> None:
    # Given two processes' repositories; the second has read the user's (empty) mark
    user, now = str(uuid.uuid4()), int(time.time())
    token = _token(user, issued_at=now - 60, session="s1")
    here, there = RevocationRepository(store.table), RevocationRepository(store.table, cache_seconds=0.3)
    assert not there.is_revoked(token)

    # When the user logs out through the first
    here.revoke(user, session="s1")

    # Then the first refuses the token at once, the second once its kept read is older than 0.3 s
    assert here.is_revoked(token)
    time.sleep(0.35)
    assert there.is_revoked(token)
