"""Putting a replacement in place of a moto attribute once, keeping the original reachable."""

from __future__ import annotations

from typing import Any

_MARK = "_localcloud_patch"


def _raw(owner: Any, name: str) -> Any:
    """The attribute as stored (a function, property or classmethod), not as looked up; None
    when there is none."""
    if isinstance(owner, type):
        for klass in owner.__mro__:
            if name in vars(klass):
                return vars(klass)[name]
        return None
    return getattr(owner, name, None)


def _function(attribute: Any) -> Any:
    if isinstance(attribute, property):
        return attribute.fget
    if isinstance(attribute, classmethod | staticmethod):
        return attribute.__func__
    return attribute


def install(owner: Any, name: str, replacement: Any) -> None:
    """Replace `owner.name` with `replacement` unless done already; the original is `__wrapped__`."""
    current = _function(_raw(owner, name))
    if getattr(current, _MARK, False):
        return
    patched = _function(replacement)
    setattr(patched, _MARK, True)
    patched.__wrapped__ = current
    setattr(owner, name, replacement)


def original(owner: Any, name: str) -> Any:
    """The function `owner.name` was before it was patched (the getter of a property, the
    function of a classmethod; None when the patch added it); itself when it was not patched."""
    current = _function(_raw(owner, name))
    return getattr(current, "__wrapped__", current)
