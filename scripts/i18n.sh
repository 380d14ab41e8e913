#!/usr/bin/env bash
# Translations (README, "Translations"): the catalogues are hub/locale/{nl,en}/LC_MESSAGES/messages.po.
#   scripts/i18n.sh extract   collect every marked text into hub/locale/messages.pot (not committed)
#   scripts/i18n.sh update    extract, then merge new and changed texts into each messages.po
#   scripts/i18n.sh compile   write messages.mo beside each .po (Hub itself compiles in memory)
# Set PYBABEL to use another pybabel than the project's .venv/bin/pybabel.
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-.venv/bin/pybabel}
POT=hub/locale/messages.pot

extract() {
    "$PYBABEL" extract -F babel.cfg -k N_ --add-location=file --width=100 --project Hub \
        --msgid-bugs-address "" --copyright-holder "Hub" -o "$POT" . 2>/dev/null
}

case "${1:-}" in
    extract)
        extract ;;
    update)
        extract
        "$PYBABEL" update -i "$POT" -d hub/locale --width=100 --no-fuzzy-matching --ignore-obsolete ;;
    compile)
        "$PYBABEL" compile --statistics -d hub/locale ;;
    *)
        echo "usage: $0 extract|update|compile" >&2
        exit 2 ;;
esac
