"""The render budget: what one recipient's templates may spend, and the guards that enforce it.

One recipient's three templates together may take MAX_OPERATIONS steps (loop iterations, calls,
operators, filters), produce MAX_OUTPUT characters, hold no single value larger than MAX_VALUE
(characters or items) and use RENDER_CPU_SECONDS of CPU. Operations that would build a large value
(`'x' * n`, `center(n)`, `join`, `replace`, `%` and `format` widths, big powers) are refused before
they run (`check_binop`, `checked_arguments`, `guard_filter`); the rest is counted as it runs
(`counted`, `checked`, `counted_range`), against the Budget the render puts in its context.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.runtime import Context

MAX_OPERATIONS = 10_000  # loop iterations, calls, operators and filters per recipient
MAX_OUTPUT = 1_000_000  # characters of subject + HTML + text per recipient
MAX_VALUE = 1_000_000  # characters (or items) of any one value a template builds
MAX_INT_BITS = 4_096  # integers a template computes (about 1,200 digits)
RENDER_CPU_SECONDS = 0.1  # CPU time per recipient: the net under everything counted above
CHECK_EVERY = 64  # operations between two looks at the CPU clock
# str (and bytes) methods a template may call: those that cannot grow a value, and those whose
# growth is estimated before they run (checked_arguments).
SAFE_METHODS = frozenset(
    {
        "capitalize", "casefold", "count", "decode", "encode", "endswith", "find", "hex", "index",
        "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "lower", "lstrip", "partition",
        "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip",
        "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
        "center", "ljust", "rjust", "zfill", "expandtabs", "join", "replace", "format", "format_map",
    }
)  # fmt: skip
# Filters whose number arguments are sizes (of the result, or of a loop they run).
SIZED_FILTERS = frozenset({"center", "batch", "slice", "truncate", "wordwrap"})
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
BUDGET = "herald render budget"  # the context key (not a name a template can write)


class TooCostly(Exception):
    """A render went over one of its bounds (the message says which)."""


class Budget:
    """What one recipient's render may still spend: operations, output, CPU time."""

    def __init__(self, *, clock: Callable[[], float] = time.thread_time) -> None:
        self.operations = 0
        self.output = 0
        self._clock = clock
        self._deadline = clock() + RENDER_CPU_SECONDS

    def spend(self, operations: int = 1) -> None:
        """Count operations; TooCostly past the limit or the CPU deadline."""
        before = self.operations
        self.operations += operations
        if self.operations > MAX_OPERATIONS:
            raise TooCostly(f"it takes more than {MAX_OPERATIONS:,} steps (loops, calls, filters)")
        if before // CHECK_EVERY != self.operations // CHECK_EVERY and self._clock() > self._deadline:
            raise TooCostly(f"it takes more than {RENDER_CPU_SECONDS:g} s to render")

    def emit(self, chars: int) -> None:
        """Count output; TooCostly past MAX_OUTPUT."""
        self.output += chars
        if self.output > MAX_OUTPUT:
            raise TooCostly(f"its output is longer than {MAX_OUTPUT:,} characters")


def budget_of(context: Context) -> Budget:
    """The budget of the render running in `context`."""
    budget = context.parent.get(BUDGET)
    if not isinstance(budget, Budget):  # a render that bypassed CompiledCampaign: refuse to run
        raise TooCostly("it was rendered without a budget")
    return budget


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) else 0


def bounded(value: Any) -> Any:
    """`value`, when it is within MAX_VALUE (and an integer within MAX_INT_BITS)."""
    if _size(value) > MAX_VALUE:
        raise TooCostly(f"it builds a value longer than {MAX_VALUE:,}")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TooCostly(f"it computes a number larger than {MAX_INT_BITS:,} bits")
    return value


def _refuse_if(condition: bool, what: str) -> None:
    if condition:
        raise TooCostly(what)


def _check_numbers(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    """No width, count or length argument may exceed MAX_VALUE."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
            raise TooCostly(f"it passes {value} where at most {MAX_VALUE:,} makes sense")


def _text_length(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes) else len(str(value))


def _check_percent(fmt: Any, args: Any) -> None:
    """`fmt % args` stays small: widths and precisions are literal and bounded."""
    if not isinstance(fmt, str | bytes):
        return
    text = fmt.decode(errors="replace") if isinstance(fmt, bytes) else fmt
    specs = _PERCENT_SPEC.findall(text)
    values = args.values() if isinstance(args, Mapping) else args if isinstance(args, tuple) else (args,)
    widest = max((_text_length(v) for v in values), default=0)
    estimate = len(text)
    for width, precision, _ in specs:
        _refuse_if("*" in (width, precision), "it uses a `*` width in % formatting")
        estimate += max(int(width or 0), int(precision or 0)) + widest
    _refuse_if(estimate > MAX_VALUE, f"it formats a value longer than {MAX_VALUE:,}")


def _check_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """`fmt.format(...)` stays small: literal, bounded widths; fields times the widest argument."""
    values = [*args, *kwargs.values(), *(args[0].values() if args and isinstance(args[0], Mapping) else ())]
    widest = max((_text_length(v) for v in values), default=0)
    estimate = len(fmt)
    for _, field_name, spec, _ in string.Formatter().parse(fmt):
        if field_name is None:
            continue
        _refuse_if("{" in (spec or ""), "it uses a computed width in format()")
        numbers = [int(n) for n in re.findall(r"\d+", spec or "")]
        estimate += max(numbers, default=0) + widest
    _refuse_if(estimate > MAX_VALUE, f"it formats a value longer than {MAX_VALUE:,}")


def _check_replace(value: Any, old: Any, new: Any) -> None:
    if isinstance(value, str) and isinstance(old, str) and isinstance(new, str):
        occurrences = value.count(old)
    elif isinstance(value, bytes) and isinstance(old, bytes) and isinstance(new, bytes):
        occurrences = value.count(old)
    else:
        return  # the call itself refuses mixed types
    grows = len(value) + occurrences * (len(new) - len(old))
    _refuse_if(grows > MAX_VALUE, f"it replaces into a value longer than {MAX_VALUE:,}")


def _join_estimate(separator: Any, items: list[Any]) -> int:
    return _text_length(separator) * max(len(items) - 1, 0) + sum(_text_length(i) for i in items)


def checked_arguments(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """The arguments of a call, once it is known not to build too large a value (a `join`'s items
    are read into a list first, to be measured); TooCostly for a str method that is not allowed."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    wrapped = getattr(method, "__wrapped__", None)  # the sandbox's wrapper of str.format
    if wrapped is not None and isinstance(getattr(wrapped, "__self__", None), str):
        _check_format(wrapped.__self__, args, kwargs)
        return args
    if isinstance(owner, int) and name == "to_bytes":
        _check_numbers(args, kwargs)
    if not isinstance(owner, str | bytes):
        return args
    _refuse_if(name not in SAFE_METHODS, f"templates may not call {type(owner).__name__}.{name}()")
    if name in ("center", "ljust", "rjust", "zfill"):
        _check_numbers(args, kwargs)
    elif name == "expandtabs":
        size = int(args[0] if args else kwargs.get("tabsize", 8))
        _refuse_if(len(owner) * max(size, 1) > MAX_VALUE, f"it expands tabs past {MAX_VALUE:,}")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif name == "join" and args:
        items = list(args[0])
        _refuse_if(
            _join_estimate(owner, items) > MAX_VALUE, f"it joins into a value longer than {MAX_VALUE:,}"
        )
        return (items, *args[1:])
    return args


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse `*`, `**`, `+`, `%` whose result would be too large, before computing it."""
    numbers = all(isinstance(v, int | float) for v in (left, right))
    if operator == "*":
        if numbers and isinstance(left, int) and isinstance(right, int):
            _refuse_if(
                left.bit_length() + right.bit_length() > MAX_INT_BITS,
                f"it computes a number larger than {MAX_INT_BITS:,} bits",
            )
        for sequence, count in ((left, right), (right, left)):
            if _size(sequence) and isinstance(count, int):
                _refuse_if(_size(sequence) * count > MAX_VALUE, f"it repeats a value past {MAX_VALUE:,}")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        _refuse_if(
            max(left.bit_length(), 1) * right > MAX_INT_BITS,
            f"it computes a number larger than {MAX_INT_BITS:,} bits",
        )
    elif operator == "+" and _size(left) and _size(right):
        _refuse_if(_size(left) + _size(right) > MAX_VALUE, f"it builds a value longer than {MAX_VALUE:,}")
    elif operator == "%":
        _check_percent(left, right)


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A builtin filter that first refuses arguments that would make it build too large a value."""
    leading = 2 if getattr(func, "jinja_pass_arg", None) is not None else 1  # (context,) value

    @functools.wraps(func)  # keeps `jinja_pass_arg`, so Jinja passes the same first argument
    def guarded(*args: Any, **kwargs: Any) -> Any:
        value, own = args[leading - 1], args[leading:]
        if name in SIZED_FILTERS:
            _check_numbers(own, kwargs)
        if name == "indent" and isinstance(value, str):
            width = own[0] if own else kwargs.get("width", 4)
            per_line = len(width) if isinstance(width, str) else int(width)
            _refuse_if(
                len(value) + (value.count("\n") + 1) * per_line > MAX_VALUE,
                f"it indents past {MAX_VALUE:,}",
            )
        elif name == "replace" and len(own) >= 2:
            _check_replace(value if isinstance(value, str) else str(value), own[0], own[1])
        elif name == "format":
            _check_percent(value, kwargs or own)
        elif name == "join":
            items = list(value)
            _refuse_if(
                _join_estimate(own[0] if own else kwargs.get("d", ""), items) > MAX_VALUE,
                f"it joins into a value longer than {MAX_VALUE:,}",
            )
            args = (*args[: leading - 1], items, *own)
        return func(*args, **kwargs)

    return guarded


def counted(context: Context, iterable: Any) -> Iterator[Any]:
    """Every loop's iterable: each item is one operation."""
    budget = budget_of(context)
    for item in iterable:
        budget.spend()
        yield item


def checked(context: Context, value: Any) -> Any:
    """The result of a filter, a `~` or a `{% set %}` block: one operation, and within MAX_VALUE."""
    budget_of(context).spend()
    return bounded(value)


def counted_range(context: Context, *args: int) -> range:
    """`range()` whose items are paid for when it is made."""
    _check_numbers(args, {})
    numbers = range(*args)
    budget_of(context).spend(len(numbers))
    return numbers
