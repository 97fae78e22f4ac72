"""hex_digest: the hex SHA-256 of a text, whole or cut to a key's length."""

from __future__ import annotations

from app.digests import hex_digest

ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256 of "abc" (FIPS 180-2)


def test_the_whole_digest_is_the_hex_sha256_of_the_texts_utf8() -> None:
    assert hex_digest("abc") == ABC
    assert hex_digest("é") != hex_digest("e")


def test_a_length_keeps_the_first_characters() -> None:
    assert hex_digest("abc", 32) == ABC[:32]
    assert hex_digest("abc", 16) == ABC[:16]
