"""Bounds on what one template render may cost, so a template (written by staff, previewed
for any person, rendered for every recipient) can never stall or exhaust the service:

- time: a render may take RENDER_BUDGET_S; `range` loops and every call check the clock, and
  output is produced in chunks that check it too;
- size: the output may be MAX_OUTPUT characters; `*`, `**` and `+` refuse results past
  MAX_VALUE characters or digits before computing them, and printf-style widths are capped.

Exceeding a bound raises SecurityError, which the renderer reports as a template error with
the part and line, like any other."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment

RENDER_BUDGET_S = 0.5
MAX_OUTPUT = 1_000_000  # characters of one rendered part
MAX_VALUE = 100_000  # characters of one computed string or list, digits of a number
MAX_WIDTH = 1_000  # printf-style field width or precision
_deadline: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))
_WIDTH = re.compile(r"%[-+ #0]*(\d*)(?:\.(\d+))?")


def check_clock() -> None:
    if time.monotonic() > _deadline.get():
        raise SecurityError(f"the template took longer than {RENDER_BUDGET_S:g} s to render")


def _too_large(what: str) -> SecurityError:
    return SecurityError(f"{what} would be too large for a message")


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def budgeted_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"a range may hold at most {MAX_RANGE} numbers")
    for n, value in enumerate(numbers):
        if n % 1000 == 0:
            check_clock()
        yield value


def budgeted_format(value: Any, *args: Any, **kwargs: Any) -> str:
    text = str(value)
    for width, precision in _WIDTH.findall(text):
        if int(width or 0) > MAX_WIDTH or int(precision or 0) > MAX_WIDTH:
            raise _too_large("a formatted field")
    return text % (kwargs or args)


class BudgetedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_clock()
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                size = _size(sequence)
                if size is not None and isinstance(times, int) and size * times > MAX_VALUE:
                    raise _too_large("the repeated text or list")
        elif operator == "**":
            if (isinstance(left, int | float) and isinstance(right, int | float)
                    and abs(left) > 1 and abs(right) * len(str(int(abs(left)))) > MAX_VALUE):
                raise _too_large("the number")
        elif operator == "+":
            sizes = (_size(left), _size(right))
            if None not in sizes and sum(s or 0 for s in sizes) > MAX_VALUE:
                raise _too_large("the joined text or list")
        elif operator == "%" and isinstance(left, str):
            return budgeted_format(left, *(right if isinstance(right, tuple) else (right,)))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_clock()
        return super().call(__context, __obj, *args, **kwargs)


def render_budgeted(template: Any, variables: dict[str, Any]) -> str:
    """Render with the time and output budget; the template's own errors go up unchanged."""
    token = _deadline.set(time.monotonic() + RENDER_BUDGET_S)
    try:
        size, chunks = 0, []
        for chunk in template.generate(variables):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the template writes more than {MAX_OUTPUT:,} characters")
            check_clock()
            chunks.append(chunk)
        return "".join(chunks)
    finally:
        _deadline.reset(token)
