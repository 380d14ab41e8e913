"""The catalogues are complete and sound, by test: every text in a page template is marked
for translation; every marked text (extracted as `pybabel extract` does) has a Dutch
translation with the same placeholders; the English catalogue lists every text too."""

from __future__ import annotations

from io import BytesIO

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from hub.i18n import LANGUAGES
from hub.i18n.catalogues import read_catalogue
from hub.i18n.extract import ROOT, extract
from tests.i18n.textscan import scan

PAGE_TEMPLATES = sorted([*(ROOT / "templates" / "public").rglob("*.html"),
                         *(ROOT / "templates" / "ui").rglob("*.html")])


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return extract()


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def test_every_visible_text_in_a_page_template_is_marked() -> None:
    assert len(PAGE_TEMPLATES) > 30
    unmarked = [f"{path.relative_to(ROOT)}:{finding.line}: {finding.kind} {finding.text!r}"
                for path in PAGE_TEMPLATES
                for finding in scan(path.read_text(encoding="utf-8"))]
    assert not unmarked, "mark these with {% trans %} or _():\n" + "\n".join(unmarked)


@pytest.mark.parametrize(("source", "found"), [
    ("<p>Hello there</p>", ["Hello there"]),
    ('<input placeholder="Your name">', ["Your name"]),
    ("<p>{{ name or \"(no name)\" }}</p>", ["(no name)"]),
    ("<p>{% trans %}Hello there{% endtrans %}</p>", []),
    ("<p>{{ _(\"Hello there\") }} {{ value }}</p>", []),
    ('<a class="x" href="/people/{{ id }}">{{ name }}</a> · - ·', []),
    ("<style>body { color: red }</style><script>go()</script>", []),
    ("<p>Waiting since {{ when }}</p>", ["Waiting since"]),
])
def test_the_scanner_finds_unmarked_text(source: str, found: list[str]) -> None:
    assert [f.text for f in scan(source)] == found


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_extracted_message(extracted: Catalog, language: str) -> None:
    catalogue = read_catalogue(language)
    missing = _ids(extracted) - _ids(catalogue)
    assert not missing, f"run scripts/i18n.sh update and translate: {sorted(map(str, missing))}"
    stale = _ids(catalogue) - _ids(extracted)
    assert not stale, f"no longer in the code (scripts/i18n.sh update drops them): {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_sound_placeholders(language: str) -> None:
    catalogue = read_catalogue(language)
    untranslated = [m.id for m in catalogue if m.id and (
        m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))]
    assert not untranslated, f"untranslated or fuzzy in {language}: {untranslated}"
    problems = [(message.id, [str(error) for error in errors])
                for message, errors in catalogue.check()]
    assert not problems, problems


def test_the_checks_catch_a_broken_placeholder() -> None:
    broken = b'''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

#, python-format
msgid "Use at most %(count)s characters."
msgstr "Gebruik hoogstens %(aantal)s tekens."
'''
    catalogue = read_po(BytesIO(broken), locale="nl")
    assert [message.id for message, errors in catalogue.check() if errors] == [
        "Use at most %(count)s characters."]

