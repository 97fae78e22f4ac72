"""Writes to the table as data: Put, Update (SET, ADD, REMOVE, DELETE), Delete, and the expressions
they become (app/db.py sends them, alone or in a transaction).

Each action carries its condition in the caller's own placeholders; the update's attributes get
placeholders of their own (#S0, :A1, ...), reusing the condition's where it names the same one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def one_of(name: str, options: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """A condition that `name` is one of `options` (`name IN (...)`), and the values it uses."""
    values = {f":in{i}": option for i, option in enumerate(options)}
    return f"{name} IN ({', '.join(values)})", values


@dataclass(frozen=True)
class IfAbsent:
    """SET the attribute only when it has no value yet (`if_not_exists`)."""

    value: Any


@dataclass(frozen=True)
class Append:
    """SET the attribute to its list (empty when absent) with `items` appended (`list_append`)."""

    items: Sequence[Any]


@dataclass(frozen=True)
class Put:
    """A PutItem, optionally conditional (the condition's placeholders in `names`/`values`)."""

    item: Mapping[str, Any]
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    """An UpdateItem: attributes to SET (None values are left out), numbers and sets to ADD,
    attributes to REMOVE, members to DELETE from sets; optionally conditional."""

    pk: str
    sk: str
    sets: Mapping[str, Any] = field(default_factory=dict)
    adds: Mapping[str, Any] = field(default_factory=dict)
    removes: Sequence[str] = ()
    deletes: Mapping[str, Any] = field(default_factory=dict)
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """A DeleteItem, optionally conditional."""

    pk: str
    sk: str
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


Action = Put | Update | Delete


class _Expression:
    """Placeholders for one request: the caller's, plus one per attribute the update names."""

    def __init__(self, names: Mapping[str, str], values: Mapping[str, Any]) -> None:
        self.names = dict(names)
        self.values = dict(values)
        self._by_attribute = {attribute: placeholder for placeholder, attribute in names.items()}

    def name(self, attribute: str, placeholder: str) -> str:
        # One placeholder per attribute: reuse the condition's when it names the same attribute.
        if attribute not in self._by_attribute:
            self._by_attribute[attribute] = placeholder
            self.names[placeholder] = attribute
        return self._by_attribute[attribute]

    def value(self, placeholder: str, value: Any) -> str:
        self.values[placeholder] = value
        return placeholder

    def update_expression(self, update: Update) -> str:
        sets = []
        for i, (attribute, value) in enumerate((a, v) for a, v in update.sets.items() if v is not None):
            name = self.name(attribute, f"#S{i}")
            if isinstance(value, IfAbsent):
                sets.append(f"{name} = if_not_exists({name}, {self.value(f':S{i}', value.value)})")
            elif isinstance(value, Append):
                empty, items = self.value(f":S{i}e", []), self.value(f":S{i}", list(value.items))
                sets.append(f"{name} = list_append(if_not_exists({name}, {empty}), {items})")
            else:
                sets.append(f"{name} = {self.value(f':S{i}', value)}")
        clauses = {
            "SET": sets,
            "ADD": [self._operand(a, v, f"A{i}") for i, (a, v) in enumerate(update.adds.items())],
            "REMOVE": [self.name(a, f"#R{i}") for i, a in enumerate(update.removes)],
            "DELETE": [self._operand(a, v, f"D{i}") for i, (a, v) in enumerate(update.deletes.items())],
        }
        return " ".join(f"{action} {', '.join(parts)}" for action, parts in clauses.items() if parts)

    def _operand(self, attribute: str, value: Any, suffix: str) -> str:
        return f"{self.name(attribute, f'#{suffix}')} {self.value(f':{suffix}', value)}"


@dataclass(frozen=True)
class Expressions:
    """What a request says besides its key or item: expressions and their placeholders."""

    update: str | None
    condition: str | None
    names: dict[str, str]
    values: dict[str, Any]


def expressions(action: Action) -> Expressions:
    """The expressions of one action, with every placeholder they use."""
    built = _Expression(action.names, action.values)
    update = built.update_expression(action) if isinstance(action, Update) else None
    return Expressions(update, action.condition, built.names, built.values)
