"""Texts that Python in the staff UI (and the form field errors) hands to a page are marked for
translation where they are born. Exactness is impossible (any string can end up on a page), so
this checks the places that do end up there: a page's `title`, `notice`, `error`, `message`
or `heading`, an error raised for the page (`InvalidInput`, `NotFound`, `Conflict`,
`FieldError`, a validator's `ValueError`, an HTTP error's `reason`), and a keyword argument of
those names. There a readable literal or an f-string must be inside `N_()`, `gettext()`,
`ngettext()` or `translate()` (f-strings never: placeholders are named, `% {...}`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from hub.i18n.extract import ROOT, extract

# ratelimit.py's only message is a configuration error for the operator, not a page's.
CHECKED = sorted([*(ROOT / "hub" / "web" / "ui").rglob("*.py"),
                  *(ROOT / "hub" / "web" / "public").glob("*.py"),
                  *(path for path in (ROOT / "channels" / "webforms").glob("*.py")
                    if path.name != "ratelimit.py")])
SHOWN_KEYS = {"title", "notice", "error", "message", "heading"}
RAISED = {"InvalidInput", "NotFound", "Conflict", "FieldError", "ValueError", "LoginLocked",
          "LoginRefused"}
MARKERS = {"N_", "gettext", "ngettext", "translate", "_"}


def _readable(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return any(c.isalpha() for c in text) and (" " in text or text[:1].isupper())
    if isinstance(node, ast.IfExp):
        return _readable(node.body) or _readable(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_readable(v) for v in node.values)
    return False


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def unmarked(source: str) -> list[tuple[int, str]]:
    """(line, text) of readable literals in the shown places that no marker wraps."""
    found: list[tuple[int, str]] = []

    def report(node: ast.expr) -> None:
        if _readable(node):
            found.append((node.lineno, ast.unparse(node)[:80]))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in SHOWN_KEYS:
                    report(value)
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            if called in MARKERS:
                continue
            if called in RAISED and node.args:
                report(node.args[0])
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYS | {"reason"}:
                    report(keyword.value)
    return found


def test_ui_python_hands_pages_marked_texts_only() -> None:
    assert len(CHECKED) > 25
    problems = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in CHECKED
                for line, text in unmarked(path.read_text(encoding="utf-8"))]
    assert not problems, "mark these with N_() and translate them for the viewer:\n" + \
        "\n".join(problems)


# Services and the campaign engine raise the errors pages show (a person page's "not a phone
# number", the wizard's "no segment"): their messages are marked too, the values passed as
# `params` (`hub.i18n.text`), so the page says them in the reader's language.
SERVICES = sorted(path for path in [*(ROOT / "hub" / "services").glob("*.py"),
                                    *(ROOT / "hub" / "domain").glob("*.py"),
                                    *(ROOT / "campaigns").rglob("*.py")]
                  if not path.name.endswith("cli.py"))
SERVICE_ERRORS = RAISED - {"ValueError", "FieldError"} | {"Gone", "HubError", "FilterError",
                                                          "InvalidCursor", "Text", "Hold"}


def unmarked_raises(source: str) -> list[tuple[int, str]]:
    """(line, text) of readable literals given to an error (or a `Text`) unmarked; a
    FilterError's problem is its second argument."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in SERVICE_ERRORS:
            for argument in node.args[1:2] if _name(node.func) == "FilterError" else node.args[:1]:
                if _readable(argument) and not (isinstance(argument, ast.Constant) and
                                                 argument.value.startswith("%(")):
                    found.append((argument.lineno, ast.unparse(argument)[:80]))
    return found


def test_service_errors_are_marked() -> None:
    assert len(SERVICES) > 40
    problems = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in SERVICES
                for line, text in unmarked_raises(path.read_text(encoding="utf-8"))]
    assert not problems, "mark these with N_() and pass the values as params:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize(("source", "found"), [
    ('raise NotFound(f"no campaign {campaign_id}")', ["f'no campaign {campaign_id}'"]),
    ('raise NotFound(N_("no campaign %(id)s"), params={"id": campaign_id})', []),
    ('raise FilterError(where, "expected a list")', ["'expected a list'"]),
    ('raise FilterError(where, Text(N_("expected a list")))', []),
    ('return Text(N_("opted out of %(channel)s"), {"channel": label})', []),
])
def test_the_service_scan(source: str, found: list[str]) -> None:
    assert [text for _, text in unmarked_raises(source)] == found


@pytest.mark.parametrize(("source", "found"), [
    ('render(r, "x.html", {"title": "Inbox"})', ["'Inbox'"]),
    ('render(r, "x.html", {"title": N_("Inbox")})', []),
    ('raise InvalidInput("give it a name")', ["'give it a name'"]),
    ('raise InvalidInput(N_("Give it a name."))', []),
    ('raise InvalidInput(f"{x} is not a number")', ["f'{x} is not a number'"]),
    ('raise InvalidInput(translate(N_("%(x)s is bad"), x=x))', []),
    ('raise web.HTTPForbidden(reason="Not yours.")', ["'Not yours.'"]),
    ('show(request, error="Could not send: " + why)', []),  # caught by review, not here
    ('x = {"title": person.name or "(no name)"}', ["person.name or '(no name)'"]),
    ('x = {"nav": "inbox", "title": survey.name}', []),
])
def test_the_python_scan(source: str, found: list[str]) -> None:
    assert [text for _, text in unmarked(source)] == found


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return extract()


def test_the_catalogue_check_covers_the_ui_modules(extracted: Catalog) -> None:
    """Every UI module that marks a text is extracted (babel.cfg), so the completeness test in
    test_catalogues.py covers hub/web/ui/**/*.py and the form field errors too."""
    located = {Path(filename).as_posix() for message in extracted
               for filename, _ in message.locations}
    marking = [path.relative_to(ROOT).as_posix() for path in CHECKED
               if "N_(" in path.read_text(encoding="utf-8")]
    assert len(marking) > 15
    missing = [path for path in marking if path not in located]
    assert not missing, f"babel.cfg does not extract {missing}"
    assert {"hub/web/ui/marketing/insights.py", "hub/web/ui/people.py",
            "channels/webforms/fields.py"} <= located
