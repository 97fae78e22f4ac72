"""Merge tags: Jinja2's sandbox renders subjects and bodies; templates never reach Python objects.

Templates see plain data only: `subscriber` (`email`, `name`, `attributes`), `attributes` (the
same mapping), `campaign` (`name`, `subject`) and `unsubscribe_url`. HTML bodies are autoescaped,
the text body and the subject are not; an empty text body is made from the HTML (plaintext.py).
An undefined name renders empty (a subscriber without an
attribute is normal); a syntax error or a forbidden access is an error with its line.

Every render is bounded, because all tenants share the senders: one recipient's three templates
together may take MAX_OPERATIONS steps (loop iterations, calls, operators, filters), produce
MAX_OUTPUT characters, hold no single value larger than MAX_VALUE (characters or items) and use
RENDER_CPU_SECONDS of CPU. Operations that would build a large value (`'x' * n`, `center(n)`,
`join`, `replace`, `%` and `format` widths, big powers) are refused before they run; the rest is
counted as it runs. The sandbox's hooks do the counting (`call`, `call_binop`, a counted `range`),
and the parsed template is rewritten so every loop, filter and `~` reports to the same budget.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from app.campaigns import plaintext
from app.errors import InvalidInput

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.runtime import Context

FIELDS = ("subject", "html_body", "text_body")
SAMPLE_EMAIL = "sample.subscriber@example.com"

MAX_OPERATIONS = 10_000  # loop iterations, calls, operators and filters per recipient
MAX_OUTPUT = 1_000_000  # characters of subject + HTML + text per recipient
MAX_VALUE = 1_000_000  # characters (or items) of any one value a template builds
MAX_INT_BITS = 4_096  # integers a template computes (about 1,200 digits)
RENDER_CPU_SECONDS = 0.1  # CPU time per recipient: the net under everything counted above
CHECK_EVERY = 64  # operations between two looks at the CPU clock
# str (and bytes) methods a template may call: those that cannot grow a value, and those whose
# growth is estimated before they run (_METHOD_CHECKS).
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


class RenderFailed(Exception):
    """A template could not be rendered for one subscriber (forbidden access, runtime error, limits)."""


class TooCostly(Exception):
    """A render went over one of its bounds (the message says which)."""


@dataclass(frozen=True)
class Problem:
    """Where a template is wrong."""

    field: str
    line: int | None
    message: str


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


def _budget(context: Context) -> Budget:
    budget = context.parent.get(BUDGET)
    if not isinstance(budget, Budget):  # a render that bypassed CompiledCampaign: refuse to run
        raise TooCostly("it was rendered without a budget")
    return budget


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) else 0


def _bounded(value: Any) -> Any:
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


def _checked_arguments(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
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


def _check_binop(operator: str, left: Any, right: Any) -> None:
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


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
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


def _counted(context: Context, iterable: Any) -> Iterator[Any]:
    """Every loop's iterable: each item is one operation."""
    budget = _budget(context)
    for item in iterable:
        budget.spend()
        yield item


def _checked(context: Context, value: Any) -> Any:
    """The result of a filter, a `~` or a `{% set %}` block: one operation, and within MAX_VALUE."""
    _budget(context).spend()
    return _bounded(value)


def _counted_range(context: Context, *args: int) -> range:
    """`range()` whose items are paid for when it is made."""
    _check_numbers(args, {})
    numbers = range(*args)
    _budget(context).spend(len(numbers))
    return numbers


def _sandbox(autoescape: bool) -> Any:
    from jinja2 import ChainableUndefined, pass_context
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        """The sandbox with every step counted and every value kept small."""

        intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/", "-"})

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            _budget(context).spend()
            _check_binop(operator, left, right)
            return _bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            _budget(__context).spend()
            args = _checked_arguments(__obj, args, kwargs)
            return _bounded(super().call(__context, __obj, *args, **kwargs))

    env = BoundedSandbox(autoescape=autoescape, undefined=ChainableUndefined, keep_trailing_newline=True)
    del env.globals["lipsum"]
    env.globals["range"] = pass_context(_counted_range)
    env.filters = {name: _guard_filter(name, f) for name, f in env.filters.items()}
    env.filters["herald_counted"] = pass_context(_counted)
    env.filters["herald_checked"] = pass_context(_checked)
    return env


@cache
def _environment(autoescape: bool) -> Any:
    return _sandbox(autoescape)


def _instrument(tree: Any) -> Any:
    """Route every loop, filter, `~` and `{% set %}` block of a parsed template through the budget."""
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def through(name: str, node: Any) -> Any:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    class Instrument(NodeTransformer):
        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = through("herald_counted", node.iter)
            return node

        def visit_Filter(self, node: Any) -> Any:
            return through("herald_checked", self.generic_visit(node))

        def visit_Concat(self, node: Any) -> Any:
            return through("herald_checked", self.generic_visit(node))

        def visit_FilterBlock(self, node: Any) -> Any:
            return self._body_only(node)  # its filter applies to the block's output, which is counted

        def visit_AssignBlock(self, node: Any) -> Any:
            node = self._body_only(node)
            node.filter = (
                through("herald_checked", node.filter)
                if node.filter
                else nodes.Filter(None, "herald_checked", [], [], None, None, lineno=node.lineno)
            )
            return node

        def _body_only(self, node: Any) -> Any:
            own, node.filter = node.filter, None
            node = self.generic_visit(node)
            node.filter = own
            return node

    return Instrument().visit(tree)


def _compile(field: str, source: str) -> Template:
    from jinja2 import TemplateSyntaxError

    label = field.replace("_", " ")
    environment = _environment(field == "html_body")
    try:
        template: Template = environment.from_string(_instrument(environment.parse(source)))
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            f"The {label} has a template error on line {exc.lineno}: {exc.message}",
            code="template_error",
            details=[{"field": field, "line": exc.lineno, "message": exc.message}],
        ) from exc
    except (RecursionError, MemoryError, SyntaxError) as exc:  # nested too deeply for Python
        message = "it is nested too deeply"
        raise InvalidInput(
            f"The {label} cannot be compiled: {message}.",
            code="template_error",
            details=[{"field": field, "line": None, "message": f"{type(exc).__name__}: {message}"}],
        ) from exc
    return template


def context(
    *,
    email: str,
    name: str,
    attributes: Mapping[str, Any],
    unsubscribe_url: str,
    campaign_name: str,
    subject: str,
    preferences_url: str = "",
) -> dict[str, Any]:
    """The variables a template sees (plain dicts and strings only); `preferences_url` is the
    reader's preference centre."""
    plain = dict(attributes)
    return {
        "subscriber": {"email": email, "name": name, "attributes": plain},
        "attributes": plain,
        "campaign": {"name": campaign_name, "subject": subject},
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }


@dataclass(frozen=True)
class Rendered:
    """One subscriber's message."""

    subject: str
    html: str
    text: str


def _render_one(template: Template, variables: Mapping[str, Any], budget: Budget) -> str:
    context = template.new_context({**variables, BUDGET: budget})
    parts: list[str] = []
    for chunk in template.root_render_func(context):
        budget.emit(len(chunk))
        parts.append(chunk)
    return "".join(parts)


class CompiledCampaign:
    """A campaign's templates, compiled once and rendered per subscriber."""

    def __init__(self, *, subject: str, html_body: str, text_body: str) -> None:
        self._templates = {
            "subject": _compile("subject", subject),
            "html_body": _compile("html_body", html_body),
            "text_body": _compile("text_body", text_body),
        }

    def render(self, variables: Mapping[str, Any]) -> Rendered:
        """The message for one subscriber, within its budget; RenderFailed when a template misbehaves."""
        from jinja2 import TemplateError

        budget = Budget()
        out: dict[str, str] = {}
        for field, template in self._templates.items():
            try:
                out[field] = _render_one(template, variables, budget)
            except TooCostly as exc:
                raise RenderFailed(f"{field}: the template is too costly to render: {exc}") from exc
            except RecursionError as exc:
                raise RenderFailed(f"{field}: the template calls itself too deeply") from exc
            except MemoryError as exc:
                raise RenderFailed(f"{field}: the template needs too much memory") from exc
            except TemplateError as exc:
                raise RenderFailed(f"{field}: {exc}") from exc
            except Exception as exc:  # any other error comes from the template (its data is plain)
                raise RenderFailed(f"{field}: {type(exc).__name__}: {exc}") from exc
        subject = " ".join(out["subject"].split())  # a header: one line
        text = out["text_body"] if out["text_body"].strip() else plaintext.html_to_text(out["html_body"])
        return Rendered(subject=subject, html=out["html_body"], text=text)


def check(*, subject: str, html_body: str, text_body: str, campaign_name: str = "") -> CompiledCampaign:
    """Compile and try the templates on a sample subscriber; InvalidInput naming the field and line."""
    compiled = CompiledCampaign(subject=subject, html_body=html_body, text_body=text_body)
    sample = context(
        email=SAMPLE_EMAIL,
        name="Sample Subscriber",
        attributes={},
        unsubscribe_url="https://example.com/unsubscribe/sample",
        campaign_name=campaign_name,
        subject=subject,
    )
    try:
        compiled.render(sample)
    except RenderFailed as exc:
        raise InvalidInput(
            f"A template cannot be rendered: {exc}",
            code="template_error",
            details=[{"field": str(exc).split(":", 1)[0], "line": None, "message": str(exc)}],
        ) from exc
    return compiled
