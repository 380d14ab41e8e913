"""Who is calling, and may they: bearer tokens for the API, roles checked on every route."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hub.domain.staff import StaffRole, may_use
from hub.web.keys import SERVICES


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # "token" or "user"
    id: str
    name: str
    role: StaffRole


PRINCIPAL = web.RequestKey("principal", Principal)


class Unauthenticated(web.HTTPUnauthorized):
    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason, headers={"WWW-Authenticate": 'Bearer realm="hub"'})


async def authenticate(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>")
    found = await request.app[SERVICES].staff.authenticate_token(token.strip())
    if found is None:
        raise Unauthenticated("unknown or revoked token")
    return Principal(kind="token", id=found.id, name=found.name, role=found.role)


async def require_role(request: web.Request, allowed: frozenset[StaffRole]) -> Principal:
    """Authenticate and check the role; admin may do everything."""
    principal = await authenticate(request)
    if not may_use(principal.role, allowed):
        raise web.HTTPForbidden(reason=f"the {principal.role} role cannot use this route")
    request[PRINCIPAL] = principal
    return principal
