"""A segment's rule as a DynamoDB FilterExpression over subscriber items.

Attribute conditions read the `attrs` map, where every attribute is stored in the form these
comparisons need (app/contacts/attributes.py `filter_value`: numbers and numeric text as numbers,
other text lower-cased); values are put in the same form here, so `equals "Oslo"` matches "oslo"
and `at_least 30` matches "42". Dates compare as ISO-8601 text, the subscription date as stored.

Engagement reads `last_open_at` and `last_click_at`, which the feedback path moves forward on the
subscriber item of the list a campaign went through (UTC text, milliseconds). "Opened any of the
last N campaigns" is `last_open_at` at or after the moment the owner's Nth-last campaign began to
go out: one bounded Query of when campaigns went out (app/campaigns/went_out.py) per evaluation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.campaigns.went_out import WentOutLog, instant
from app.contacts.attributes import Filter, filter_value
from app.segments.models import (
    AttributeCondition,
    Condition,
    EngagementCondition,
    Rule,
    StatusCondition,
    SubscribedCondition,
)

_LOWEST_DATE, _HIGHEST_DATE = "0001-01-01", "9999-12-32"  # bounds a date-like text sorts between
_LATEST = {"opened": "last_open_at", "clicked": "last_click_at"}  # on the subscriber item
_COMPARISONS = {"greater_than": ">", "at_least": ">=", "less_than": "<", "at_most": "<="}


class _Builder:
    """Placeholders for one expression: `#A` is the attrs map, `#k<i>` the keys, `:c<i>...` the values."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, placeholder: str, attribute: str) -> str:
        self.names[placeholder] = attribute
        return placeholder

    def value(self, placeholder: str, value: Any) -> str:
        self.values[placeholder] = value
        return placeholder


def _enclosed(expression: str) -> bool:
    """True when one pair of parentheses encloses the whole expression."""
    depth = 0
    for i, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(expression) - 1:
            return False
    return expression.startswith("(") and depth == 0


def _group(expression: str) -> str:
    # DynamoDB refuses redundant parentheses: add them only where they are not there yet.
    return expression if _enclosed(expression) else f"({expression})"


def _next_day(text: str) -> str:
    return (date.fromisoformat(text) + timedelta(days=1)).isoformat()


def _attribute(cond: AttributeCondition, i: int, b: _Builder) -> str:
    path = f"{b.name('#A', 'attrs')}.{b.name(f'#k{i}', cond.key)}"
    op, raw = cond.op, cond.value
    if op in ("exists", "not_exists"):
        return f"attribute_{op}({path})"
    # Ordered comparisons first check the stored type: a number is never before a date, nor text
    # more than 30 (DynamoDB finds such comparisons false; the emulator would fail on them).
    if op in _COMPARISONS:
        number = b.value(f":c{i}", Decimal(str(raw).strip()))
        return f"attribute_type({path}, {b.value(':tN', 'N')}) AND {path} {_COMPARISONS[op]} {number}"
    if op in ("before", "after", "on"):
        day = str(raw)
        dated = (
            f"attribute_type({path}, {b.value(':tS', 'S')}) AND "
            f"{path} BETWEEN {b.value(':dlo', _LOWEST_DATE)} AND {b.value(':dhi', _HIGHEST_DATE)}"
        )
        if op == "before":
            return f"{dated} AND {path} < {b.value(f':c{i}', day)}"
        if op == "after":
            return f"{dated} AND {path} >= {b.value(f':c{i}', _next_day(day))}"
        first, after = b.value(f":c{i}", day), b.value(f":c{i}e", _next_day(day))
        return f"{dated} AND {path} >= {first} AND {path} < {after}"
    stored = filter_value(raw)
    # One value may have been stored in more than one form: numeric text is a number, and a
    # number may sit inside text ("contains 12" in "ab12"); `true` may be a boolean.
    forms = [stored]
    if isinstance(stored, Decimal) and isinstance(raw, str):
        forms.append(raw.strip().lower())
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        forms.append(raw.strip().lower() == "true")
    if op in ("equals", "not_equals"):
        tests = [f"{path} = {b.value(f':c{i}v{n}', form)}" for n, form in enumerate(forms)]
    else:
        tests = [f"contains({path}, {b.value(f':c{i}v{n}', form)})" for n, form in enumerate(forms)]
    test = " OR ".join(tests)
    if op.startswith("not_"):
        return f"NOT {_group(test)}"
    return _group(test) if len(tests) > 1 else test


def _status(cond: StatusCondition, i: int, b: _Builder) -> str:
    operator = "=" if cond.op == "is" else "<>"
    return f"{b.name('#s', 'status')} {operator} {b.value(f':c{i}', cond.value)}"


def _subscribed(cond: SubscribedCondition, i: int, b: _Builder, now: datetime) -> str:
    at = b.name("#ca", "created_at")
    if cond.op == "within_last_days":
        since = (now - timedelta(days=int(cond.value))).astimezone(UTC).isoformat()
        return f"{at} >= {b.value(f':c{i}', since)}"
    day = str(cond.value)
    if cond.op == "before":
        return f"{at} < {b.value(f':c{i}', day)}"
    if cond.op == "after":
        return f"{at} >= {b.value(f':c{i}', _next_day(day))}"
    return f"{at} >= {b.value(f':c{i}', day)} AND {at} < {b.value(f':c{i}e', _next_day(day))}"


def _engaged(cond: EngagementCondition, i: int, b: _Builder, now: datetime, went_out: list[str]) -> str:
    at = b.name(f"#{cond.field}", _LATEST[cond.field])
    if cond.op == "never":
        return f"attribute_not_exists({at})"
    if cond.op == "within_last_days":
        return f"{at} >= {b.value(f':c{i}', instant(now - timedelta(days=int(cond.value or 0))))}"
    count = int(cond.value or 0)
    if len(went_out) < count:  # fewer campaigns went out: any open (click) was of one of them
        return f"attribute_exists({at})"
    return f"{at} >= {b.value(f':c{i}', went_out[count - 1])}"


def _condition(cond: Condition, i: int, b: _Builder, now: datetime, went_out: list[str]) -> str:
    if isinstance(cond, AttributeCondition):
        return _attribute(cond, i, b)
    if isinstance(cond, StatusCondition):
        return _status(cond, i, b)
    if isinstance(cond, EngagementCondition):
        return _engaged(cond, i, b, now, went_out)
    return _subscribed(cond, i, b, now)


def campaigns_needed(rule: Rule) -> int:
    """How many of the owner's last campaigns the rule looks back over (0: none)."""
    return max(
        (
            c.value or 0
            for c in rule.conditions
            if isinstance(c, EngagementCondition) and c.op == "in_last_campaigns"
        ),
        default=0,
    )


def compile_rule(rule: Rule, *, now: datetime | None = None, went_out: list[str] | None = None) -> Filter:
    """The FilterExpression of a rule (relative dates from `now`; `went_out`: when the owner's last
    campaigns began going out, newest first, as many as `campaigns_needed`); no conditions: no filter."""
    b = _Builder()
    clock = now or datetime.now(UTC)
    parts = [_condition(cond, i, b, clock, went_out or []) for i, cond in enumerate(rule.conditions)]
    if not parts:
        return Filter()
    joiner = " AND " if rule.match == "all" else " OR "
    expression = parts[0] if len(parts) == 1 else joiner.join(_group(part) for part in parts)
    return Filter(expression=expression, names=b.names, values=b.values)


def rule_filter(owner_id: str, rule: Rule, *, now: datetime, campaigns: WentOutLog) -> Filter:
    """The rule's filter as of `now`: "the last N campaigns" are the last N to go out before it
    (read once, at most MAX_LAST_CAMPAIGNS small items, only when the rule names them)."""
    needed = campaigns_needed(rule)
    went_out = campaigns.went_out_before(owner_id, now, limit=needed) if needed else []
    return compile_rule(rule, now=now, went_out=went_out)
