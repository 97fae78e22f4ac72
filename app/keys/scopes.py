"""What each API key scope may call: one rule table, checked on every request a key makes.

| scope        | may call                                                                   |
|--------------|----------------------------------------------------------------------------|
| `read_only`  | safe methods (GET, HEAD, OPTIONS)                                          |
| `send_only`  | safe methods, and the send routes: transactional send, campaign send and schedule |
| `read_write` | every method                                                               |
| (any key)    | never key management (`/api/keys`), admin routes, or changes to the account |

Routes are matched by their template (`/api/campaigns/{campaign_id}/send`), not the URL. A
refused call is a 403 `insufficient_scope`; a key can never mint keys, so a leaked one cannot
outlive its revocation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.auth.principal import Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_ONLY_PREFIXES = ("/api/keys", "/api/admin")
TOKEN_ONLY_ROUTES = frozenset({("PATCH", "/api/me")})
SEND_ROUTES = frozenset(
    {
        ("POST", "/api/tx"),
        ("POST", "/api/campaigns/{campaign_id}/send"),
        ("POST", "/api/campaigns/{campaign_id}/schedule"),
    }
)

RULES: Mapping[Scope, Callable[[str, str], bool]] = {
    "read_only": lambda method, _route: method in SAFE_METHODS,
    "send_only": lambda method, route: method in SAFE_METHODS or (method, route) in SEND_ROUTES,
    "read_write": lambda _method, _route: True,
}


def allows(scope: Scope, method: str, route: str) -> bool:
    """True when a key of `scope` may call `method route` (route as declared, with its {params})."""
    if route.startswith(TOKEN_ONLY_PREFIXES) or (method, route) in TOKEN_ONLY_ROUTES:
        return False
    return RULES[scope](method.upper(), route)
