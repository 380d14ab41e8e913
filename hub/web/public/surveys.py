"""`/s/{token}`: the personal survey page (mobile first, no script). One tap on a score
answers; the thank-you page then offers the follow-up question for a comment, which posts the
score again with it (a later answer replaces the earlier one within the window). An unknown
or expired token gets a clear 404 page; a POST answers JSON to JSON clients. The page is in
the person's language, else the survey's (the browser's choice among the survey's languages),
else the default (`hub.web.locale`); the question is shown in the page's language."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaigns.surveys import LinkView
from hub.errors import Conflict
from hub.i18n import N_, accepted, supported
from hub.web.json_input import parse_json
from hub.web.keys import SURVEYS
from hub.web.locale import Viewer, public_viewer
from hub.web.public.pages import problem, render, wants_json

MAX_BODY = 16 * 1024
NOT_VALID = (N_("This survey link is not valid"),
             N_("The link is unknown or has expired. Thank you for wanting to answer all the "
                "same."))


def _viewer(request: web.Request, view: LinkView) -> Viewer:
    """The person's language; else the survey's: the one of its languages (its own and its
    translations') the browser prefers, or the one it is written in."""
    written_in = {supported(code) for code in (view.survey.language, *view.survey.translations)}
    preferred = [code for code in accepted(request.headers.get("Accept-Language"))
                 if code in written_in]
    return public_viewer(request, view.language, *preferred, view.survey.language)


def _context(view: LinkView, viewer: Viewer, step: str, **more: Any) -> dict[str, Any]:
    low, high = view.survey.scale
    texts = view.survey.texts(viewer.language)
    return {"title": texts.question[:80], "texts": texts, "kind": view.survey.kind,
            "scores": list(range(low, high + 1)), "answered": view.answered, "step": step,
            "error": None, "score": None, "comment": None, **more}


def _gone(request: web.Request) -> web.Response:
    viewer = public_viewer(request)
    heading, message = (viewer.gettext(text) for text in NOT_VALID)
    return problem(request, 404, "not_found", heading, message, viewer=viewer)


def _page(request: web.Request, view: LinkView, step: str, *, status: int = 200,
          **more: Any) -> web.Response:
    viewer = _viewer(request, view)
    return render(request, "public/survey.html", _context(view, viewer, step, **more),
                  viewer=viewer, status=status)


async def show_survey(request: web.Request) -> web.Response:
    view = await request.app[SURVEYS].surveys.view(request.match_info["token"])
    if view is None:
        return _gone(request)
    if not view.can_change and view.answered is not None:
        return _page(request, view, "closed", score=view.answered.score)
    return _page(request, view, "question")


async def _fields(request: web.Request) -> tuple[Any, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY,
                                            actual_size=request.content_length)
    if request.content_type == "application/json":
        try:
            data = parse_json(await request.read())
        except (ValueError, UnicodeDecodeError):
            return None, None
        return (data.get("score"), data.get("comment")) if isinstance(data, dict) else (None,
                                                                                       None)
    form = await request.post()
    return form.get("score"), form.get("comment")


def _score(raw: Any, scale: tuple[int, int]) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 2:
        raw = int(raw.strip())
    if isinstance(raw, int) and scale[0] <= raw <= scale[1]:
        return raw
    return None


async def answer_survey(request: web.Request) -> web.Response:
    kit = request.app[SURVEYS]
    token = request.match_info["token"]
    view = await kit.surveys.view(token)
    if view is None:
        return _gone(request)
    raw_score, raw_comment = await _fields(request)
    score = _score(raw_score, view.survey.scale)
    viewer = _viewer(request, view)
    if score is None:
        low, high = view.survey.scale
        message = viewer.gettext("Choose a score from %(low)s to %(high)s.") % {
            "low": low, "high": high}
        if wants_json(request):
            return problem(request, 400, "invalid_input", viewer.gettext("No score"), message,
                           viewer=viewer)
        return _page(request, view, "question", error=message, status=400)
    comment = raw_comment.strip()[:2000] if isinstance(raw_comment, str) else None
    try:
        answered = await kit.surveys.answer_link(token, score, comment or None)
    except Conflict as exc:
        if wants_json(request):
            return problem(request, 409, exc.code, viewer.gettext("Already answered"),
                           viewer.gettext(exc.message), viewer=viewer)
        return _page(request, view, "closed",
                     score=view.answered.score if view.answered else score, status=409)
    if answered is None:
        return _gone(request)
    _, response = answered
    if wants_json(request):
        return web.json_response({"status": "answered", "score": response.score,
                                  "comment": response.comment})
    return _page(request, view, "thanks", score=response.score, comment=response.comment)


def add_survey_pages(app: web.Application) -> None:
    app.router.add_get("/s/{token}", show_survey, allow_head=True)
    app.router.add_post("/s/{token}", answer_survey)
