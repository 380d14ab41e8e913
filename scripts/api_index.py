"""Rewrite docs/api.md from the API route table (the test `test_api_index_is_current` compares
them): run after adding or changing a route. Usage: .venv/bin/python scripts/api_index.py"""

from __future__ import annotations

from pathlib import Path

from hub.web.api import ROUTES
from hub.web.api.index_doc import api_index_markdown

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def main() -> None:
    API_DOC.write_text(api_index_markdown(ROUTES.routes), encoding="utf-8")


if __name__ == "__main__":
    main()
