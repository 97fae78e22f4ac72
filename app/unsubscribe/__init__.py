"""Unsubscribe links: opaque tokens, the public page and the RFC 8058 one-click POST."""
