"""Where a webhook may be sent: public HTTPS only (loopback HTTP on the local stage), checked twice.

At registration the URL's shape is checked (scheme, no credentials, no literal private address, no
internal host name); at every delivery its host is resolved and each address checked again, so a
name that later points inside (the metadata service, the VPC) is refused before anything is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from app.errors import InvalidInput

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
INTERNAL_SUFFIXES = (".internal", ".local", ".localhost", ".localdomain", ".arpa")
Resolver = Callable[[str, int], Sequence[str]]


class UnsafeTarget(Exception):
    """A delivery's host resolves to an address Herald must not call."""


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="webhook_url_invalid")


def _is_public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


def check_url(url: str, *, local: bool) -> str:
    """The URL, if an endpoint may have it (InvalidInput otherwise); `local`: the local stage."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise _invalid("A webhook URL may not carry credentials.")
    if not host:
        raise _invalid("A webhook URL needs a host.")
    try:
        parts.port  # noqa: B018 (reading it checks it: a port past 65535 raises)
    except ValueError as exc:
        raise _invalid("A webhook URL's port must be 1-65535.") from exc
    if local and parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return url.strip()  # a listener on this machine, in development and tests
    if parts.scheme != "https":
        raise _invalid("A webhook URL must use https.")
    if host in LOOPBACK_HOSTS or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
        raise _invalid("A webhook URL must name a public host.")
    try:
        public = _is_public(host)
    except ValueError:
        return url.strip()  # a name: resolved, and checked, at every delivery
    if not public:
        raise _invalid("A webhook URL must name a public address.")
    return url.strip()


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_target(url: str, *, local: bool, resolve: Resolver = system_resolver) -> None:
    """Refuse (UnsafeTarget) a URL whose host resolves anywhere but public addresses (loopback too on
    the local stage)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise UnsafeTarget(f"{host} does not resolve: {exc}") from exc
    for address in addresses:
        if _is_public(address):
            continue
        if local and ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            continue
        raise UnsafeTarget(f"{host} resolves to {address}, which is not a public address")
