"""`/admin`: staff users (add, with a one-time password; enable and disable) and API tokens
(create, shown once; revoke). Admins only."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BeforeValidator, Field

from hub.domain.staff import ADMIN_ONLY, STAFF_ROLES, StaffRole
from hub.errors import Conflict, InvalidInput
from hub.i18n import N_
from hub.web.keys import SERVICES
from hub.web.ui.form_input import Cut, PageForm, parse_form
from hub.web.ui.guard import USER, staff_page
from hub.web.ui.render import redirect, render

LISTED = 500


def _role_chosen(value: object) -> object:
    if value not in STAFF_ROLES:
        raise ValueError(N_("Choose a role."))
    return value


class UserForm(PageForm):
    email: Annotated[str, Cut(320)] = ""
    name: Annotated[str, Cut(200)] = ""
    role: Annotated[StaffRole, BeforeValidator(_role_chosen)] = Field(
        default="", validate_default=True)


class TokenForm(PageForm):
    name: Annotated[str, Cut(200)] = ""
    role: Annotated[StaffRole, BeforeValidator(_role_chosen)] = Field(
        default="", validate_default=True)


async def admin_context(request: web.Request, *, status: int = 200, error: str = "",
                        created: tuple[str, str] | None = None,
                        token: tuple[str, str] | None = None,
                        reset: tuple[str, str] | None = None) -> web.Response:
    """/admin: users and API tokens; `created`, `token` and `reset` (a one-time password
    reset link) are shown this once."""
    staff = request.app[SERVICES].staff
    return render(request, "ui/admin.html", {
        "title": N_("Users"), "users": await staff.users(limit=LISTED), "roles": STAFF_ROLES,
        "error": error, "created": created, "nav": "admin",
        "tokens": await staff.tokens(limit=LISTED), "token": token, "reset": reset,
        "notice": request.query.get("notice", "")[:40]}, status=status)


@staff_page(ADMIN_ONLY)
async def admin_page(request: web.Request) -> web.StreamResponse:
    return await admin_context(request)


@staff_page(ADMIN_ONLY)
async def admin_add_user(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, UserForm)
        user, password = await request.app[SERVICES].staff.add_user(
            email=form.email, role=form.role, name=form.name)
    except (InvalidInput, Conflict) as exc:
        return await admin_context(request, status=422, error=exc.message)
    return await admin_context(request, created=(user.email, password))


@staff_page(ADMIN_ONLY)
async def admin_toggle_user(request: web.Request) -> web.StreamResponse:
    try:
        await request.app[SERVICES].staff.toggle_user(request.match_info["user_id"],
                                                      acting_user_id=request[USER].id)
    except InvalidInput as exc:
        return await admin_context(request, status=422, error=exc.message)
    return redirect("/admin")


@staff_page(ADMIN_ONLY)
async def create_api_token(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, TokenForm)
        token = await request.app[SERVICES].staff.create_token(name=form.name, role=form.role)
    except InvalidInput as exc:
        return await admin_context(request, status=422, error=exc.message)
    return await admin_context(request, token=(form.name, token))


@staff_page(ADMIN_ONLY)
async def revoke_api_token(request: web.Request) -> web.StreamResponse:
    await request.app[SERVICES].staff.revoke_token(request.match_info["token_id"][:64])
    return redirect("/admin?notice=token-revoked#tokens")
