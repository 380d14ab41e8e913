"""/topics: the topics marketing writes about (the preference centre lists them and a
campaign picks one), and a form to add one."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.domain.staff import MARKETING
from hub.errors import HubError
from hub.i18n import N_
from hub.web.keys import CAMPAIGNS
from hub.web.ui.form_input import parse_form
from hub.web.ui.guard import staff_page
from hub.web.ui.render import redirect, render


class TopicForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=500)


async def _page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    topics = await request.app[CAMPAIGNS].topics.all()
    return render(request, "ui/marketing/topics.html", {
        "title": N_("Topics"), "nav": "topics", "topics": topics, "error": error,
        "notice": request.query.get("notice", "")[:40]}, status=status)


@staff_page(MARKETING)
async def topics_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@staff_page(MARKETING)
async def create_topic(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, TopicForm)
    try:
        await request.app[CAMPAIGNS].topics.create(form.name, form.description)
    except HubError as exc:
        return await _page(request, error=exc.message, status=exc.status)
    return redirect("/topics?notice=saved")
