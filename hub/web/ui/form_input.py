"""Page forms (and page queries) read into pydantic models, as the API reads its JSON bodies:
`await parse_form(request, Model)`. A field typed as a list takes every value of its name;
a validation error is an `InvalidInput` naming the field, which the error middleware answers
with a 422 page (or which a form page catches to show the form again with the problem).

The validators below read what HTML forms send: text cut to a length and trimmed (`Cut`),
blank meaning absent (`Blank`), lists typed one a line or comma-separated, and checkboxes
present (`on`) or missing."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from hub.errors import InvalidInput
from hub.i18n import N_
from hub.web.api.routing import validation_details
from hub.web.locale import Viewer
from hub.web.ui.render import current_ui_viewer

M = TypeVar("M", bound=BaseModel)
TRUE_WORDS = ("on", "1", "true", "yes")


class PageForm(BaseModel):
    """A page form: fields it does not name (the CSRF token, buttons) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def Cut(limit: int, *, strip: bool = True) -> BeforeValidator:
    """Text (unless `strip=False`, trimmed first) cut to `limit` characters:
    `name: Annotated[str, Cut(200)] = ""`."""

    def cut(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.strip()[:limit] if strip else value[:limit]

    return BeforeValidator(cut)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)
"""Blank means not given: `Annotated[str | None, Cut(200), Blank] = None`, or before a typed
optional field (a number, a choice)."""


def _split(limit: int, separator: str | None) -> BeforeValidator:
    def split(value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return value
        return [part.strip() for item in value if isinstance(item, str)
                for part in item[:limit].split(separator) if part.strip()]

    return BeforeValidator(split)


def Lines(limit: int) -> BeforeValidator:
    """A textarea of one item per line: `Annotated[list[str], Lines(7000)]`."""
    return _split(limit, None)


def Commas(limit: int) -> BeforeValidator:
    """A text of comma-separated items: `Annotated[list[str], Commas(3000)]`."""
    return _split(limit, ",")


Checkbox = Annotated[bool, BeforeValidator(
    lambda v: v is True or (isinstance(v, str) and v.strip().lower() in TRUE_WORDS))]
"""A checkbox: checked when sent as on/1/true/yes, unchecked when missing."""


def _is_list(annotation: Any) -> bool:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_list(a) for a in get_args(annotation) if a is not type(None))
    return get_origin(annotation) in (list, tuple, set, frozenset)


def form_model(model: type[M], source: Mapping[str, Any]) -> M:
    """`source` (a posted form or a query) as `model`: the model's fields only, list fields
    with every value given, uploaded files ignored. Raises InvalidInput with the details."""
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in source:
            continue
        if isinstance(source, MultiDictProxy):
            values = [v for v in source.getall(key) if isinstance(v, str)]
        else:
            values = [source[key]] if isinstance(source[key], str) else []
        if _is_list(field.annotation):
            data[key] = values
        elif values:
            data[key] = values[0]
    return validated(model, data)


# Pydantic's own messages (by error type) as the page says them; `%(...)s` from the error's
# context. A type not listed keeps pydantic's English text.
PYDANTIC_MESSAGES = {
    "missing": N_("fill this in"),
    "string_too_short": N_("use at least %(min_length)s characters"),
    "string_too_long": N_("use at most %(max_length)s characters"),
    "literal_error": N_("choose one of %(expected)s"),
    "enum": N_("choose one of %(expected)s"),
    "int_parsing": N_("type a whole number"),
    "int_from_float": N_("type a whole number"),
    "float_parsing": N_("type a number"),
    "decimal_parsing": N_("type a number"),
    "bool_parsing": N_("choose yes or no"),
    "greater_than": N_("use a number above %(gt)s"),
    "greater_than_equal": N_("use %(ge)s or more"),
    "less_than": N_("use a number below %(lt)s"),
    "less_than_equal": N_("use %(le)s or less"),
    "date_from_datetime_parsing": N_("type a date"),
    "datetime_from_date_parsing": N_("type a date and time"),
    "datetime_parsing": N_("type a date and time"),
    "date_parsing": N_("type a date"),
}
FIELD_PROBLEM = N_("%(field)s: %(problem)s")


def error_text(error: ErrorDetails, viewer: Viewer) -> str:
    """One pydantic error as the viewer reads it: a validator's own message (a msgid raised
    as `ValueError(N_(...))`) translated, a known pydantic type in our words."""
    if error["type"] == "value_error":
        return viewer.gettext(str(error["msg"]).removeprefix("Value error, "))
    known = PYDANTIC_MESSAGES.get(error["type"])
    if known is None:
        return str(error["msg"])
    values = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return viewer.gettext(known) % values
    except (KeyError, ValueError, TypeError):
        return str(error["msg"])


def validated(model: type[M], data: Mapping[str, Any]) -> M:
    """`data` as `model`; a validation error is an InvalidInput naming the first field, its
    message in the language of whoever is looking (`current_ui_viewer`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = validation_details(exc)
        first = exc.errors(include_url=False, include_input=False)[0]
        viewer = current_ui_viewer()
        problem = error_text(first, viewer)
        field = ".".join(str(p) for p in first["loc"])
        message = viewer.gettext(FIELD_PROBLEM) % {"field": field, "problem": problem} \
            if field else problem
        raise InvalidInput(message, details=details) from exc


async def parse_form(request: web.Request, model: type[M]) -> M:
    """The posted form as `model` (see `form_model`)."""
    return form_model(model, await request.post())


def parse_query(request: web.Request, model: type[M]) -> M:
    """The page's query string as `model` (see `form_model`)."""
    return form_model(model, request.query)
