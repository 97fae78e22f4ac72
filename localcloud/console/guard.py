"""Who may use the dev console's routes: this machine's browser or tools, never another site.

The console can load snapshots, flip fault switches and read every tenant's data, so
`/_local/...` answers only a request addressed to a loopback name (a DNS-rebound name pointing
at 127.0.0.1 is refused) and refuses a state-changing request a page of another origin made:
its `Origin`, or `Sec-Fetch-Site` when the browser sends one, must say it came from the same
loopback origin. A request with neither (curl, a test client) is not a browser's cross-site one.
"""

from __future__ import annotations

import re

from fastapi import Request

from localcloud.console.errors import ConsoleError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
# A name or a bracketed IPv6 address, then an optional port: nothing else is a Host header.
_HOST = re.compile(r"(?:\[(?P<bracketed>[0-9A-Fa-f:.]+)\]|(?P<name>[^:/?#@\[\]\s]+))(?::\d{1,5})?")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# "none": the user's own action (a typed address or a bookmark), which no page can forge.
_SAME_SITE_FETCHES = frozenset({"same-origin", "none"})


def loopback_host(host: str | None) -> bool:
    """Whether a `Host` header names this machine's loopback (any port): 127.0.0.1, localhost, [::1]."""
    found = _HOST.fullmatch(host or "")
    return found is not None and (found["bracketed"] or found["name"]).lower() in LOOPBACK_NAMES


async def require_local_request(request: Request) -> None:
    """Refuse (403) a request not addressed to loopback, or a cross-site state-changing one."""
    host = request.headers.get("host")
    if not loopback_host(host):
        raise ConsoleError(
            403,
            "not_loopback",
            "The dev console answers only requests addressed to 127.0.0.1, localhost or [::1].",
            [{"field": "Host", "value": host}],
        )
    if request.method in _SAFE_METHODS:
        return
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in _SAME_SITE_FETCHES:
        raise _cross_site("Sec-Fetch-Site", fetch_site)
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() != f"{request.url.scheme}://{host}".lower():
        raise _cross_site("Origin", origin)


def _cross_site(header: str, value: str) -> ConsoleError:
    return ConsoleError(
        403,
        "cross_site_request",
        "The dev console refuses changes requested by another site.",
        [{"field": header, "value": value}],
    )
