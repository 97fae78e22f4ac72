"""What the API schema says an email address is: `format: email` and a pattern every validator agrees on.

The server validates addresses with email-validator (app/contacts/models.py), which also accepts
rarer forms (international names, long local parts, single-letter top-level domains). The
pattern describes a plain subset that email-validator always accepts, so a client (or a fuzzer)
that follows the schema is never refused: a local part of up to three dot-separated runs of
letters, digits and `_ ' + -`; a domain of labels of letters and digits joined by single hyphens,
and a top-level domain of 2-20 letters; nothing at a special-use domain (.test, .arpa, ...), which
email-validator refuses. Its one look-ahead excludes those; schema-driven generators handle it.
"""

from __future__ import annotations

from typing import Any

# email-validator's SPECIAL_USE_DOMAIN_NAMES (not imported: it would load at every cold start).
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
MAX_LENGTH = 254  # email-validator refuses longer addresses


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


_SPECIAL_USE = "|".join(_any_case(domain) for domain in SPECIAL_USE_DOMAINS)
_LOCAL = r"[A-Za-z0-9_'+-]{1,32}(?:\.[A-Za-z0-9_'+-]{1,15}){0,2}"
# Labels are left unbounded: bounded label groups make schemathesis' coverage phase take seconds
# per field; generators take domains from real ones (labels of at most 63 characters).
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
PATTERN = rf"^(?!.*[.@](?:{_SPECIAL_USE})$){_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,20}}$"

SCHEMA: dict[str, Any] = {"format": "email", "pattern": PATTERN, "examples": ["ada@example.com"]}
