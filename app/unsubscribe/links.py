"""Unsubscribe links: the page a person opens, and the URL a mail client POSTs to (RFC 8058)."""

from __future__ import annotations

import html

from app.unsubscribe.tokens import UnsubscribeTarget, make_token


def unsubscribe_links(app_url: str, token: str) -> tuple[str, str]:
    """(the page a person opens, the URL a mail client POSTs to for one-click unsubscribe)."""
    base = app_url.rstrip("/")
    return f"{base}/unsubscribe/{token}", f"{base}/api/public/unsubscribe/{token}"


def links_for(app_url: str, target: UnsubscribeTarget, *, key: bytes) -> tuple[str, str]:
    """Both links for one recipient, signed with `key`."""
    return unsubscribe_links(app_url, make_token(target, key=key))


def untracked(body: str, *urls: str) -> str:
    """The HTML with `ses:no-track` on every link to one of `urls` (Herald's own links: unsubscribe,
    the preference centre). SES then leaves them as they are: following one is no engagement, and
    each is personal, which would make a link counter per recipient."""
    for url in urls:
        for written in {url, html.escape(url)}:
            for quote in ('"', "'"):
                href = f"href={quote}{written}{quote}"
                body = body.replace(href, f"ses:no-track {href}")
    return body
