"""Unsubscribe links: the page a person opens, and the URL a mail client POSTs to (RFC 8058)."""

from __future__ import annotations

from app.unsubscribe.tokens import UnsubscribeTarget, make_token


def unsubscribe_links(app_url: str, token: str) -> tuple[str, str]:
    """(the page a person opens, the URL a mail client POSTs to for one-click unsubscribe)."""
    base = app_url.rstrip("/")
    return f"{base}/unsubscribe/{token}", f"{base}/api/public/unsubscribe/{token}"


def links_for(app_url: str, target: UnsubscribeTarget, *, key: bytes) -> tuple[str, str]:
    """Both links for one recipient, signed with `key`."""
    return unsubscribe_links(app_url, make_token(target, key=key))
