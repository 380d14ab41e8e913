"""The gettext catalogues: `hub/locale/{nl,en}/LC_MESSAGES/messages.po`, the only source of
translations. They are compiled in memory on first use (Babel's `read_po` + `write_mo`), so no
compiled `.mo` file is committed or can fall out of date; `scripts/i18n.sh compile` writes
`.mo` files for tools that want them. A fuzzy entry counts as untranslated (its msgid shows)."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from hub.i18n import DEFAULT_LANGUAGE, LANGUAGES, supported

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"


def po_path(language: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str, directory: Path = LOCALE_DIR) -> Catalog:
    with po_path(language, directory).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> NullTranslations:
    """The compiled translations of `language` (one of LANGUAGES; anything else gets the
    default language's)."""
    language = supported(language) or DEFAULT_LANGUAGE
    path = po_path(language)
    if not path.is_file():
        return NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, read_catalogue(language))
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


def preload() -> None:
    """Compile every catalogue now (at start-up) rather than on the first page."""
    for language in LANGUAGES:
        translations(language)
