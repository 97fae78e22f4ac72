"""Unsubscribe tokens are opaque, tamper-proof, short, and survive a rotation of the signing key."""

from __future__ import annotations

import base64
import uuid

import pytest

from app.contacts.models import new_id
from app.errors import NotFound
from app.secrets import parse_keys
from app.signing import seal_json
from app.unsubscribe.links import links_for
from app.unsubscribe.tokens import UnsubscribeTarget, make_token, read_token

OLD_KEY, CURRENT_KEY, NEXT_KEY = b"o" * 64, b"c" * 64, b"n" * 64


def _target(email: str = "ada.lovelace@example.com") -> UnsubscribeTarget:
    return UnsubscribeTarget(owner_id=str(uuid.uuid4()), list_id=new_id(), campaign_id=new_id(), email=email)


def _decodings(token: str) -> list[bytes]:
    """Whatever a recipient could decode from the token's base64 pieces, at every offset."""
    decoded = []
    for start in range(len(token)):
        piece = token[start:].split(".")[0]
        try:
            decoded.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
        except ValueError:
            continue
    return decoded


def test_a_token_reveals_neither_the_owner_nor_the_list_campaign_or_address() -> None:
    # Given a recipient's link
    target = _target()
    token = make_token(target, key=CURRENT_KEY)

    # When the recipient decodes every piece of it they can
    revealed = b" ".join(_decodings(token)) + token.encode()

    # Then none of the ids, nor the address, nor any part of them, shows
    for secret in (target.owner_id, target.list_id, target.campaign_id, target.email, "ada.lovelace"):
        assert secret.encode() not in revealed, secret
    assert read_token(token, key=lambda: CURRENT_KEY) == target


def test_two_tokens_for_the_same_recipient_differ() -> None:
    target = _target()
    assert make_token(target, key=CURRENT_KEY) != make_token(target, key=CURRENT_KEY)


def test_a_token_fits_a_list_unsubscribe_header_line() -> None:
    # A long but valid address (64-character local part) in a long site URL
    target = _target(email=f"{'x' * 64}@{'mail-' * 8}example.com")
    page, one_click = links_for("https://news.example-company.com", target, key=CURRENT_KEY)
    header = f"List-Unsubscribe: <{one_click}>"

    # About the length of the earlier signed tokens (~195 for the same recipient)
    assert len(make_token(_target(), key=CURRENT_KEY)) <= 210
    assert len(header) <= 400 < 998  # RFC 5322's line limit, with room to spare
    assert page.rsplit("/", 1)[1] == one_click.rsplit("/", 1)[1]


def test_after_a_rotation_old_links_work_until_their_key_is_removed() -> None:
    # Given a link made before the rotation
    target = _target()
    before = make_token(target, key=CURRENT_KEY)

    # When the parameter becomes "<next> <current>", then "<next>" alone
    rotated, retired = (NEXT_KEY, CURRENT_KEY), (NEXT_KEY,)

    # Then the link works while its key is the previous one, and not after it is removed
    assert read_token(before, key=lambda: rotated) == target
    with pytest.raises(NotFound):
        read_token(before, key=lambda: retired)
    # And new links use the new key
    assert read_token(make_token(target, key=rotated[0]), key=lambda: retired) == target


def test_links_of_the_earlier_signed_format_are_read_while_their_key_is_kept() -> None:
    target = _target()
    fields = [target.owner_id, target.list_id, target.campaign_id, target.email]
    legacy = seal_json(fields, scope="unsubscribe", key=CURRENT_KEY)

    assert read_token(legacy, key=lambda: (NEXT_KEY, CURRENT_KEY)) == target
    with pytest.raises(NotFound):
        read_token(legacy, key=lambda: (NEXT_KEY,))
    with pytest.raises(NotFound):
        read_token(seal_json(fields[:3], scope="unsubscribe", key=CURRENT_KEY), key=lambda: CURRENT_KEY)


def test_the_parameter_holds_the_current_key_then_the_previous_one() -> None:
    assert parse_keys(f"{'n' * 64} {'c' * 64}") == (NEXT_KEY, CURRENT_KEY)
    assert parse_keys(f"  {'c' * 64}\n") == (CURRENT_KEY,)
    for bad in ("", "short", f"{'n' * 64} short", None):
        with pytest.raises(RuntimeError):
            parse_keys(bad)
