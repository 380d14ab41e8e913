"""docs/api.md lists every API route as the route table declares it."""

from pathlib import Path

from hub.web.api import ROUTES
from hub.web.api.index_doc import api_index_markdown

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_api_index_is_current() -> None:
    assert API_DOC.read_text(encoding="utf-8") == api_index_markdown(ROUTES.routes), (
        "docs/api.md differs from the route table: run `.venv/bin/python scripts/api_index.py`")


def test_every_route_is_listed_with_its_roles() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    for route in ROUTES.routes:
        assert f"| {route.method} | `{route.url}` |" in text
    assert "| GET | `/api/v1/openapi.json` | public |" in text
