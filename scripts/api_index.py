"""Rewrite docs/api.md from the API route table (the test `test_api_index_is_current` compares
them): run after adding or changing a route. Usage: .venv/bin/python scripts/api_index.py"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.web.api import ROUTES  # noqa: E402
from hub.web.api.index_doc import api_index_markdown  # noqa: E402


def main() -> None:
    (ROOT / "docs" / "api.md").write_text(api_index_markdown(ROUTES.routes), encoding="utf-8")


if __name__ == "__main__":
    main()
