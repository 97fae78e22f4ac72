"""SES open and click tracking locally: links rewritten, the open pixel added, Open/Click on a request.

A configuration set whose SNS event destination matches `open` or `click` tracks the HTML part
of the mail sent through it, as SES does: every `http(s)` link of an `<a href>` (one without the
`ses:no-track` attribute; `mailto:`, `tel:` and anchors are never links to track) points at
`<AppUrl>/_local/ses/t/click/<token>` (the local runner's), and an invisible
`<img src="<AppUrl>/_local/ses/t/open/<token>">` goes before `</body>`. The outbox keeps the
rewritten HTML: what the reader's client gets. Requesting the pixel publishes an `Open` event,
a link a `Click` event (`ses:tags="name:value;..."` on the link become its `linkTags`) and
answers 302 to the link; each request publishes again, as SES does. The events go on the
destination's topic the way the simulated Delivery events do (`feedback.publish`).

Tokens are random (`secrets.token_urlsafe`), mapped here to the message and the link: none
can be guessed, and a token can only lead to a link its message carried (no open redirect).
The mapping is saved with the snapshot. What is not emulated: raw messages (`Content.Raw`) and
SES v1 sends are not rewritten; the configuration set's `CustomRedirectDomain` is not used (the
links point at the local runner).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from localcloud.context import Core
from localcloud.dispatch import Write
from localcloud.services.ses.records import SentMail, mail_object, publish, timestamp

OPEN_PATH = "/_local/ses/t/open/"
CLICK_PATH = "/_local/ses/t/click/"
TRACKED_EVENTS = frozenset({"open", "click"})
_SCHEMES = ("http://", "https://")
_HREF = re.compile(r"""(\shref\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_PIXEL_STYLE = "display: none; width: 1px; height: 1px;"


@dataclass(frozen=True)
class TrackedLink:
    """Where a click token leads (`link` None: the open pixel's token)."""

    message_id: str
    link: str | None = None
    tags: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass
class Prepared:
    """A send request with its HTML rewritten, and the tokens it needs once SES accepted it."""

    request: dict[str, Any]
    tokens: dict[str, TrackedLink]


class _Anchors(HTMLParser):
    """The start tags of `<a>` elements: where each is, its text as written, its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.append((self.getpos(), self.get_starttag_text() or "", dict(attrs)))


def link_tags(value: str | None) -> dict[str, list[str]]:
    """`ses:tags="name:value;other:value"` as SES reports it (`linkTags`)."""
    tags: dict[str, list[str]] = {}
    for pair in (value or "").split(";"):
        name, _, tag_value = pair.partition(":")
        if name.strip():
            tags.setdefault(name.strip(), []).append(tag_value.strip())
    return tags


def rewrite_html(
    body: str, *, base_url: str, opens: bool, clicks: bool, new_token: Callable[[], str]
) -> tuple[str, dict[str, tuple[str | None, dict[str, list[str]]]]]:
    """The HTML as SES sends it tracked, and each token's (link, link tags); the pixel's link is None."""
    tokens: dict[str, tuple[str | None, dict[str, list[str]]]] = {}
    if clicks:
        body = _rewrite_links(body, base_url=base_url, new_token=new_token, tokens=tokens)
    if opens:
        token = new_token()
        tokens[token] = (None, {})
        src = html.escape(f"{base_url}{OPEN_PATH}{token}", quote=True)
        pixel = f'<img alt="" src="{src}" width="1" height="1" style="{_PIXEL_STYLE}">'
        ends = list(_BODY_END.finditer(body))
        at = ends[-1].start() if ends else len(body)
        body = body[:at] + pixel + body[at:]
    return body, tokens


def _rewrite_links(
    body: str,
    *,
    base_url: str,
    new_token: Callable[[], str],
    tokens: dict[str, tuple[str | None, dict[str, list[str]]]],
) -> str:
    parser = _Anchors()
    parser.feed(body)
    parser.close()
    line_starts = [0] + [match.end() for match in re.finditer("\n", body)]
    pieces: list[str] = []
    done = 0
    for (line, column), written, attrs in parser.found:
        link = (attrs.get("href") or "").strip()
        if "ses:no-track" in attrs or not link.lower().startswith(_SCHEMES):
            continue
        start = line_starts[line - 1] + column
        value = _HREF.search(written)
        if body[start : start + len(written)] != written or value is None:
            continue  # not where, or not as, the parser saw it (it never is): leave it alone
        token = new_token()
        tokens[token] = (link, link_tags(attrs.get("ses:tags")))
        href = html.escape(f"{base_url}{CLICK_PATH}{token}", quote=True)
        tag = f'{written[: value.start(2)]}"{href}"{written[value.end(2) :]}'
        pieces += [body[done:start], tag]
        done = start + len(written)
    return "".join(pieces) + body[done:]


class Tracking:
    """The configuration sets that track, and every token of the mail they tracked."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._lock = threading.Lock()
        self._base_url = "http://127.0.0.1:8000"
        # configuration set -> [(topic ARN, the tracked event types its destination matches)]
        self._destinations: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._tokens: dict[str, TrackedLink] = {}
        self._mail: dict[str, SentMail] = {}
        self._by_message: dict[str, list[str]] = {}  # message id -> its tokens (the outbox asks)
        self.published = 0

    def track(
        self, configuration_set: str, topic_arn: str, event_types: frozenset[str], *, base_url: str
    ) -> None:
        """Mail sent through `configuration_set` tracks `event_types` (open, click) onto `topic_arn`."""
        tracked = event_types & TRACKED_EVENTS
        if not tracked:
            return
        with self._lock:
            self._base_url = base_url.rstrip("/") or self._base_url
            self._destinations.setdefault(configuration_set, []).append((topic_arn, tracked))

    def _tracked(self, configuration_set: str | None) -> frozenset[str]:
        with self._lock:
            destinations = self._destinations.get(configuration_set or "", [])
            return frozenset().union(*(types for _, types in destinations))

    def prepare(self, request: Mapping[str, Any]) -> Prepared | None:
        """The v2 `SendEmail` request as SES sends it (links rewritten, pixel added); None: untracked."""
        tracked = self._tracked(request.get("ConfigurationSetName"))
        simple = (request.get("Content") or {}).get("Simple") or {}
        body = ((simple.get("Body") or {}).get("Html") or {}).get("Data")
        if not tracked or not isinstance(body, str):
            return None
        rewritten, found = rewrite_html(
            body,
            base_url=self._base_url,
            opens="open" in tracked,
            clicks="click" in tracked,
            new_token=lambda: secrets.token_urlsafe(18),
        )
        html_part = {**simple["Body"]["Html"], "Data": rewritten}
        content = {**request["Content"], "Simple": {**simple, "Body": {**simple["Body"], "Html": html_part}}}
        tokens = {token: TrackedLink("", link=link, tags=tags) for token, (link, tags) in found.items()}
        return Prepared(request={**request, "Content": content}, tokens=tokens)

    def accepted(self, prepared: Prepared, message_id: str) -> None:
        """SES accepted the prepared message as `message_id`: its tokens work from now on."""
        request = prepared.request
        destination = request.get("Destination") or {}
        simple = (request.get("Content") or {}).get("Simple") or {}
        mail = SentMail(
            message_id=message_id,
            source=str(request.get("FromEmailAddress", "")),
            destinations=[
                str(address)
                for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
                for address in destination.get(kind) or []
            ],
            subject=str((simple.get("Subject") or {}).get("Data", "")),
            tags={str(t["Name"]): str(t["Value"]) for t in request.get("EmailTags") or []},
            configuration_set=request.get("ConfigurationSetName"),
            sent_at=dt.datetime.now(dt.UTC),
        )
        with self._lock:
            self._mail[message_id] = mail
            self._by_message[message_id] = list(prepared.tokens)
            for token, link in prepared.tokens.items():
                self._tokens[token] = TrackedLink(message_id=message_id, link=link.link, tags=link.tags)

    def links(self, message_id: str) -> list[dict[str, str]]:
        """The tracked links of a message: `{"href": the tracking URL, "link": where it leads}`."""
        with self._lock:
            tokens = [(token, self._tokens[token].link) for token in self._by_message.get(message_id, [])]
            base = self._base_url
        return [{"href": f"{base}{CLICK_PATH}{token}", "link": link} for token, link in tokens if link]

    def hit(self, kind: str, token: str, *, ip_address: str, user_agent: str) -> str | None:
        """A reader's client requested a pixel (`open`) or a link (`click`): publish the event.

        Returns where a click leads ('' for an open), None when the token is not one of `kind`.
        """
        with self._lock:
            tracked = self._tokens.get(token)
            mail = self._mail.get(tracked.message_id) if tracked else None
            destinations = self._destinations.get(mail.configuration_set or "", []) if mail else []
        if tracked is None or mail is None or (kind == "click") != (tracked.link is not None):
            return None
        detail: dict[str, Any] = {"ipAddress": ip_address, "timestamp": timestamp(), "userAgent": user_agent}
        if tracked.link is not None:
            detail |= {"link": tracked.link, "linkTags": {k: list(v) for k, v in tracked.tags.items()}}
        core = self._core
        event = {"eventType": kind.capitalize(), "mail": mail_object(mail, core.account_id), kind: detail}
        for topic_arn, types in destinations:
            if kind in types:
                self.published += publish(
                    [event],
                    topic_arn=topic_arn,
                    account_id=core.account_id,
                    region=core.region,
                    state_lock=core.state_lock,
                )
        core.wake(Write("sns"))
        return tracked.link or ""

    def dump(self) -> dict[str, Any]:
        """The tokens and their mail, for the snapshot."""
        with self._lock:
            return {
                "tokens": {
                    token: {"message_id": t.message_id, "link": t.link, "tags": dict(t.tags)}
                    for token, t in self._tokens.items()
                },
                "mail": {message_id: _mail_json(mail) for message_id, mail in self._mail.items()},
            }

    def load(self, saved: Mapping[str, Any]) -> None:
        """Restore from a snapshot."""
        tokens = {
            token: TrackedLink(str(s["message_id"]), link=s.get("link"), tags=dict(s.get("tags") or {}))
            for token, s in (saved.get("tokens") or {}).items()
        }
        mail = {message_id: _mail_of(m) for message_id, m in (saved.get("mail") or {}).items()}
        by_message: dict[str, list[str]] = {}
        for token, link in tokens.items():
            by_message.setdefault(link.message_id, []).append(token)
        with self._lock:
            self._tokens, self._mail, self._by_message = tokens, mail, by_message


def _mail_json(mail: SentMail) -> dict[str, Any]:
    return {
        "message_id": mail.message_id,
        "source": mail.source,
        "destinations": list(mail.destinations),
        "subject": mail.subject,
        "tags": dict(mail.tags),
        "configuration_set": mail.configuration_set,
        "sent_at": mail.sent_at.isoformat() if mail.sent_at else None,
    }


def _mail_of(saved: Mapping[str, Any]) -> SentMail:
    sent_at = saved.get("sent_at")
    return SentMail(
        message_id=str(saved["message_id"]),
        source=str(saved.get("source", "")),
        destinations=[str(a) for a in saved.get("destinations") or []],
        subject=str(saved.get("subject", "")),
        tags=dict(saved.get("tags") or {}),
        configuration_set=saved.get("configuration_set"),
        sent_at=dt.datetime.fromisoformat(sent_at) if sent_at else None,
    )
