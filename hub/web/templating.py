"""The one Jinja2 environment for pages: templates by name from the project's `templates/`
directory, sandboxed, autoescaped, and strict about undefined names (a typo in a template is an
error in tests, not an empty string in production)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def create_environment(directory: Path = TEMPLATES_DIR) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )


PAGES = web.AppKey("pages", SandboxedEnvironment)


def pages(app: web.Application) -> SandboxedEnvironment:
    """The app's environment, made on first use while the app is being built."""
    if PAGES not in app:
        app[PAGES] = create_environment()
    return app[PAGES]
