"""One cleaner per field type: raw submitted value in, clean value out, or a message for the
person filling in the form. Messages are written for people, not programmers, in English
and marked with `N_`: the form page shows them in the reader's language
(`hub.web.public.forms.field_error`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hub.domain.forms import FormField
from hub.domain.identities import normalise_email, normalise_phone
from hub.errors import InvalidInput
from hub.i18n import N_

TRUTHY = frozenset({"on", "true", "1", "yes"})
FALSY = frozenset({"", "off", "false", "0", "no"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FieldError(ValueError):
    """The value cannot be accepted; `str(error)` is shown next to the field."""


def read_flag(value: Any) -> bool:
    """A checkbox: `on`, `true`, `1`, `yes` (any case) or JSON true tick it; absence,
    `off`, `false`, `0`, `no` or JSON false leave it unticked."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUTHY:
            return True
        if word in FALSY:
            return False
    raise FieldError(N_("Tick the box or leave it empty."))


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        raise FieldError(N_("Enter text here."))
    if _CONTROL.search(value):
        raise FieldError(N_("Remove the control characters from this text."))
    return value


def _single_line(field: FormField, value: Any, region: str) -> str:
    text = _text(value).strip()
    if "\n" in text or "\r" in text:
        raise FieldError(N_("Keep this to one line."))
    return text


def _multi_line(field: FormField, value: Any, region: str) -> str:
    return _text(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _email(field: FormField, value: Any, region: str) -> str:
    text = _single_line(field, value, region)
    if not text:
        return text
    try:
        return normalise_email(text)
    except InvalidInput as exc:
        raise FieldError(N_("Enter an email address like name@example.com.")) from exc


def _phone(field: FormField, value: Any, region: str) -> str:
    text = _single_line(field, value, region)
    if not text:
        return text
    try:
        return normalise_phone(text, region)
    except InvalidInput as exc:
        raise FieldError(N_("Enter a phone number, like +31 6 12345678.")) from exc


def _select(field: FormField, value: Any, region: str) -> str:
    text = _single_line(field, value, region)
    if text and text not in field.options:
        raise FieldError(N_("Choose one of the options."))
    return text


def _checkbox(field: FormField, value: Any, region: str) -> bool:
    return read_flag(value)


Cleaner = Callable[[FormField, Any, str], Any]
CLEANERS: dict[str, Cleaner] = {
    "text": _single_line,
    "textarea": _multi_line,
    "email": _email,
    "phone": _phone,
    "select": _select,
    "checkbox": _checkbox,
}


def clean(field: FormField, value: Any, region: str) -> Any:
    """The clean value (`""` or False when empty); raises FieldError with the reason."""
    if isinstance(value, list | dict):
        raise FieldError(N_("Send one value for this field."))
    if value is None:
        value = False if field.type == "checkbox" else ""
    if isinstance(value, str) and len(value) > field.max_length * 4:
        # before any parsing
        raise FieldError(N_("Use at most %(count)s characters.") % {"count": field.max_length})
    cleaned = CLEANERS[field.type](field, value, region)
    if isinstance(cleaned, str) and len(cleaned) > field.max_length:
        raise FieldError(N_("Use at most %(count)s characters.") % {"count": field.max_length})
    if field.required and not cleaned:
        raise FieldError(N_("Tick this box to go on.") if field.type == "checkbox"
                         else N_("This field is required."))
    return cleaned
