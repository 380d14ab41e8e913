"""`docs/api.md`: every `/api/v1` route with its roles and summary, rendered from the route
table (as `/api/v1/openapi.json` is), so a reader of the clone sees the API without running
Hub. `scripts/api_index.py` writes it; a test keeps it current."""

from __future__ import annotations

from hub.web.api.routing import ApiRoute

HEADER = """# The REST API

Every route under `/api/v1`, rendered from the route table by `scripts/api_index.py` (do not
edit by hand). Requests carry `Authorization: Bearer <token>` unless the route is public; the
roles column names who may call it (an administrator always may). Request and answer schemas
are in `/api/v1/openapi.json`; errors answer `{"error": {"code", "message", "details"}}` with a
4xx status; lists answer `{"items": [...], "next_cursor": ...}`.

| Method | Path | Roles | What it does |
|---|---|---|---|
"""


def _roles(route: ApiRoute) -> str:
    if route.roles is None:
        return "public"
    return ", ".join(sorted({"admin", *route.roles}))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def api_index_markdown(routes: list[ApiRoute]) -> str:
    rows = sorted(routes, key=lambda route: (route.url, route.method))
    lines = [f"| {route.method} | `{route.url}` | {_roles(route)} | {_cell(route.summary)} |"
             for route in rows]
    return HEADER + "\n".join(lines) + "\n"
