"""The one Jinja2 environment for pages: templates by name from the project's `templates/`
directory, sandboxed, autoescaped, and strict about undefined names (a typo in a template is an
error in tests, not an empty string in production).

Every text is translated through Jinja's `i18n` extension (`{% trans %}`, `_()`, `ngettext`),
in the language of whoever views the page (`hub.web.locale`): a staff page's `user`, a public
page's `page_language`, else the browser and the settings. Times, numbers, money, durations
and phone numbers go through the `hub.i18n.formats` filters below, which know the same viewer:
`{{ event.occurred_at|format_datetime }}`, `{{ revenue|format_currency }}`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from babel import Locale, UnknownLocaleError
from jinja2 import FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from hub.i18n import formats
from hub.i18n.labels import LABELS
from hub.web.locale import Viewer, current_viewer

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def viewer(context: Context) -> Viewer:
    return current_viewer(user=context.get("user"), language=context.get("page_language"))


@pass_context
def _gettext(context: Context, message: str) -> str:
    return viewer(context).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return viewer(context).ngettext(singular, plural, n)


@pass_context
def translated(context: Context, text: str) -> str:
    """A text made in Python (an error page's title), translated when the catalogue has it
    (marked with `N_` where it is born), else as it is; never a format string, unlike `_()`."""
    return viewer(context).gettext(text) if text else text


@pass_context
def label(context: Context, code: str | None) -> str:
    """A stored code (`opted_in`, `email`, `won_back`) as the viewer reads it."""
    if code is None:
        return ""
    known = LABELS.get(str(code))
    return viewer(context).gettext(known) if known else str(code)


@pass_context
def current_language(context: Context) -> str:
    return viewer(context).language


def _localised(function: Callable[..., str], *, zoned: bool = False) -> Callable[..., str]:
    """A format function as a filter that passes the viewer's language (and time zone)."""

    @pass_context
    def apply(context: Context, value: Any, *args: Any, **kwargs: Any) -> str:
        seen = viewer(context)
        if zoned:
            return function(value, seen.language, seen.timezone, *args, **kwargs)
        return function(value, seen.language, *args, **kwargs)

    return apply


@pass_context
def language_name(context: Context, code: str | None) -> str:
    """A language code as the viewer calls it: `en` is "Engels" to a Dutch reader (Babel)."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(formats.babel_locale(
            viewer(context).language)) or code
    except (ValueError, UnknownLocaleError):
        return code


@pass_context
def _phone(context: Context, value: str | None) -> str:
    return formats.format_phone(value, viewer(context).region)


FILTERS: dict[str, Callable[..., str]] = {
    "format_datetime": _localised(formats.format_datetime, zoned=True),
    "format_date": _localised(formats.format_date, zoned=True),
    "format_time": _localised(formats.format_time, zoned=True),
    "time_ago": _localised(formats.format_relative),
    "format_number": _localised(formats.format_number),
    "format_percent": _localised(formats.format_percent),
    "format_currency": _localised(formats.format_currency),
    "format_duration": _localised(formats.format_duration),
    "format_phone": _phone,
    "label": label,
    "language_name": language_name,
}


def create_environment(directory: Path = TEMPLATES_DIR) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        _gettext, _ngettext, newstyle=True)
    env.filters.update(FILTERS)
    env.globals["current_language"] = current_language
    env.globals["translated"] = translated
    return env


PAGES = web.AppKey("pages", SandboxedEnvironment)


def pages(app: web.Application) -> SandboxedEnvironment:
    """The app's environment, made on first use while the app is being built (it finds each
    request's viewer through `bind_request`, which `create_app` puts first)."""
    if PAGES not in app:
        app[PAGES] = create_environment()
    return app[PAGES]
