"""/surveys, /surveys/{id} and /analytics: results as server-side SVG charts, each also as a
table and as CSV (`?export=...`), with period pickers. Figures come from the survey and
analytics services, the same ones the API answers with."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aiohttp import web

from campaigns.surveys import label
from hub.domain.channels import CHANNEL_CHOICES
from hub.domain.common import new_id, utcnow
from hub.domain.staff import MARKETING
from hub.domain.surveys import Survey
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.i18n.formats import format_date, format_duration, format_number
from hub.web.keys import CAMPAIGNS, SURVEYS
from hub.web.locale import Viewer
from hub.web.ui.form_input import Cut, PageForm, parse_form, validated
from hub.web.ui.guard import staff_page
from hub.web.ui.marketing import charts
from hub.web.ui.render import gettext, redirect, render, translate, ui_viewer

TREND_BUCKETS = 6
MAX_COMPARED = 6
DEFAULT_COMPARED = 3
TIER_ORDER = ("top", "large", "medium", "small", "inactive", "prospect")


def _day(text: str | None, default: date, name: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise InvalidInput(translate(
            N_("%(field)s: %(value)s is not a date (YYYY-MM-DD)"), field=name,
            value=repr(text[:20]))) from exc


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _period(query: Any, prefix: str, days: int, *, end: date | None = None
            ) -> tuple[date, date]:
    to = _day(query.get(f"{prefix}to"), end or utcnow().date() + timedelta(days=1),
              f"{prefix}to")
    start = _day(query.get(f"{prefix}from"), to - timedelta(days=days), f"{prefix}from")
    if start >= to:
        raise InvalidInput(translate(N_("%(start)s must be before %(end)s"),
                                     start=f"{prefix}from", end=f"{prefix}to"))
    return start, to


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> web.Response:
    return web.Response(text=charts.csv_text(header, rows), content_type="text/csv",
                        charset="utf-8", headers={
                            "Content-Disposition": f'attachment; filename="{name}.csv"',
                            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


# --- surveys ---------------------------------------------------------------------------------


class SurveyForm(PageForm):
    """A new survey; Survey (the API's record) checks the kind and the texts."""

    name: Annotated[str, Cut(200)] = ""
    kind: str = ""
    question: Annotated[str, Cut(1000)] = ""


@staff_page(MARKETING)
async def surveys_page(request: web.Request) -> web.StreamResponse:
    return await _surveys(request)


async def _surveys(request: web.Request, *, error: str | None = None,
                   status: int = 200) -> web.Response:
    kit = request.app[SURVEYS]
    rows = []
    for survey in await kit.surveys.list(limit=200):
        results = await kit.surveys.results(survey.id)
        rows.append((survey, results))
    return render(request, "ui/marketing/surveys.html", {
        "title": N_("Surveys"), "nav": "surveys", "rows": rows, "error": error}, status=status)


@staff_page(MARKETING)
async def create_survey(request: web.Request) -> web.StreamResponse:
    try:
        form = await parse_form(request, SurveyForm)
        survey = validated(Survey, {"id": new_id(), **form.model_dump()})
        await request.app[SURVEYS].surveys.create(survey)
    except InvalidInput as exc:
        return await _surveys(request, error=exc.message, status=422)
    return redirect(f"/surveys/{survey.id}")


@staff_page(MARKETING)
async def survey_page(request: web.Request) -> web.StreamResponse:
    return await show_survey(request)


async def show_survey(request: web.Request, *, error: str | None = None,
                      status: int = 200) -> web.Response:
    """The results (score, distribution, trend, segments side by side, comments lowest score
    first) and the survey's event triggers; `error` re-renders it after a refused form."""
    kit = request.app[SURVEYS]
    survey = await kit.surveys.get(request.match_info["survey_id"])
    start, end = _period(request.query, "", 365)
    segment_id = request.query.get("segment_id", "")[:64] or None
    results = await kit.surveys.results(survey.id, segment_id=segment_id, start=_at(start),
                                        end=_at(end))
    score_key = "nps" if survey.kind == "nps" else "csat"
    distribution = [(score, n) for score, n in results["distribution"].items()]
    step = max(1, (end - start).days // TREND_BUCKETS)
    trend = []
    for i in range(TREND_BUCKETS):
        a = start + timedelta(days=i * step)
        b = end if i == TREND_BUCKETS - 1 else start + timedelta(days=(i + 1) * step)
        if a >= b:
            continue
        part = await kit.surveys.results(survey.id, segment_id=segment_id, start=_at(a),
                                         end=_at(b))
        trend.append((a, b, part["responses"], part[score_key]))
    comments = sorted(results["comments"], key=lambda c: (c["score"], c["answered_at"]))
    for comment in comments:
        comment["label"] = label(survey, comment["score"])
    export = request.query.get("export")
    if export == "distribution":
        return _csv(f"survey-{survey.id}-distribution", ["score", "responses"],
                    [list(row) for row in distribution])
    if export == "comments":
        return _csv(f"survey-{survey.id}-comments", ["score", "comment", "channel",
                                                     "answered_at", "person_id"],
                    [[c["score"], c["comment"], c["channel"], c["answered_at"], c["person_id"]]
                     for c in comments])
    segments = await request.app[CAMPAIGNS].segments.find(limit=200)
    known = {s.id: s for s in segments}
    chosen = [i[:64] for i in request.query.getall("compare", []) if i[:64] in known]
    chosen = list(dict.fromkeys(chosen))[:MAX_COMPARED] or [s.id for s in
                                                            segments[:DEFAULT_COMPARED]]
    viewer = ui_viewer(request)
    compared = [(viewer.gettext("Everybody"), results[score_key], results["responses"])]
    for compare_id in chosen:
        part = await kit.surveys.results(survey.id, segment_id=compare_id, start=_at(start),
                                         end=_at(end))
        compared.append((known[compare_id].name, part[score_key], part["responses"]))
    if export == "segments":
        return _csv(f"survey-{survey.id}-segments", ["segment", "responses", score_key],
                    [[name, n, value] for name, value, n in compared])
    if export == "trend":
        return _csv(f"survey-{survey.id}-trend", ["from", "to", "responses", score_key],
                    [[a.isoformat(), b.isoformat(), n, v] for a, b, n, v in trend])
    score_name = score_key.upper()
    over_time = gettext(request, N_("%(score)s over time"), score=score_name)
    low, high = (-100.0, 100.0) if survey.kind == "nps" else (0.0, 100.0)
    rules = [r for r in await request.app[SURVEYS].triggers.rules()
             if r.survey_id == survey.id]
    return render(request, "ui/marketing/survey.html", {
        "title": survey.name, "nav": "surveys", "survey": survey, "results": results,
        "score_name": score_name, "score": results[score_key], "distribution": distribution,
        "comments": comments,
        "chart": charts.bar_chart([(str(s), n) for s, n in distribution], title=gettext(
            request, N_("%(survey)s: responses per score"), survey=survey.name), viewer=viewer),
        "trend": trend, "spark": charts.sparkline(
            [v for *_, v in trend if v is not None], title=over_time),
        "trend_chart": charts.score_line(
            [(format_date(a, viewer.language, length="d MMM"), v) for a, _, _, v in trend],
            low=low, high=high, title=over_time, viewer=viewer),
        "compared": compared, "chosen": chosen, "compare_chart": charts.score_bars(
            compared, low=low, high=high, viewer=viewer, title=gettext(
                request, N_("%(score)s per segment"), score=score_name)),
        "rules": rules, "send_channels": CHANNEL_CHOICES,
        "templates": await request.app[CAMPAIGNS].templates.find(limit=200),
        "error": error, "notice": request.query.get("notice", "")[:40],
        "start": start, "end": end, "segment_id": segment_id or "", "segments": segments},
        status=status)


# --- analytics -------------------------------------------------------------------------------


@staff_page(MARKETING)
async def analytics_page(request: web.Request) -> web.StreamResponse:
    kit = request.app[SURVEYS]
    q = request.query
    level = q.get("level", "person")
    if level not in ("person", "household", "organisation"):
        raise InvalidInput(N_("Level: person, household or organisation."))
    start, end = _period(q, "", 365)
    second = _period(q, "m2_", 365, end=end)
    first = _period(q, "m1_", 365, end=second[0])
    k_start, k_end = _period(q, "k_", 30)
    pyramid = await kit.analytics.pyramid(_at(start), _at(end), level=level)  # type: ignore[arg-type]
    migration = await kit.analytics.migration((_at(first[0]), _at(first[1])),
                                              (_at(second[0]), _at(second[1])),
                                              level=level)  # type: ignore[arg-type]
    campaigns = await kit.analytics.campaign_figures(_at(k_start), _at(k_end),
                                                     request.app[CAMPAIGNS].campaigns)
    surveys = await kit.surveys.summary(_at(k_start), _at(k_end))
    kpis = await kit.analytics.kpis(_at(k_start), _at(k_end), campaigns=campaigns,
                                    surveys=surveys)
    tiers = sorted(pyramid["tiers"], key=lambda t: TIER_ORDER.index(t["tier"])
                   if t["tier"] in TIER_ORDER else 99)
    matrix = migration["matrix"]
    names = list(matrix)
    peak = max((n for row in matrix.values() for n in row.values()), default=0)
    export = q.get("export")
    if export == "pyramid":
        return _csv("pyramid", ["tier", "customers", "revenue", "share"],
                    [[t["tier"], t["customers"], t["revenue"], t["share"]] for t in tiers])
    if export == "migration":
        return _csv("migration", ["from \\ to", *names],
                    [[row, *(matrix[row][col] for col in names)] for row in names])
    trend = await _kpi_trend(request, k_start, k_end)
    if export == "kpis":
        return _csv("kpis", ["from", "to", "calls", "avg_duration_s", "avg_wait_s",
                             "messages", "first_response_median_s"],
                    [[a.isoformat(), b.isoformat(), *values] for a, b, values in trend])
    tiles = _tiles(kpis, trend, ui_viewer(request))
    return render(request, "ui/marketing/analytics.html", {
        "title": N_("Analytics"), "nav": "analytics", "level": level, "pyramid": pyramid,
        "tiers": tiers, "pyramid_svg": charts.pyramid(
            [(t["tier"], t["customers"], t["revenue"], t["share"]) for t in tiers],
            title=gettext(request, N_("Customer pyramid")), viewer=ui_viewer(request)),
        "migration": migration, "names": names, "matrix": matrix,
        "heat": {(r, c): charts.heat_level(matrix[r][c], peak) for r in names for c in names},
        "kpis": kpis, "tiles": tiles, "start": start, "end": end, "first": first,
        "second": second, "k_start": k_start, "k_end": k_end,
        "request_qs": _query_without_export(q)})


def _query_without_export(query: Any) -> str:
    kept = urlencode([(k, v) for k, v in query.items() if k != "export"])
    return kept + "&" if kept else ""


async def _kpi_trend(request: web.Request, start: date, end: date
                     ) -> list[tuple[date, date, list[Any]]]:
    kit = request.app[SURVEYS]
    step = max(1, (end - start).days // TREND_BUCKETS)
    out = []
    for i in range(TREND_BUCKETS):
        a = start + timedelta(days=i * step)
        b = end if i == TREND_BUCKETS - 1 else start + timedelta(days=(i + 1) * step)
        if a >= b:
            continue
        k = await kit.analytics.kpis(_at(a), _at(b))
        messages = sum(sum(per.values()) for per in k["messages"].values()
                       if isinstance(per, dict))
        out.append((a, b, [k["calls"]["count"], k["calls"]["avg_duration_s"],
                           k["calls"]["avg_wait_s"], messages,
                           k["first_response_s"]["median"]]))
    return out


Kind = Literal["count", "number", "duration"]


def _tiles(kpis: dict[str, Any], trend: list[tuple[date, date, list[Any]]],
           viewer: Viewer) -> list[dict[str, Any]]:
    """The KPI tiles: a label, the value as the viewer reads it (durations as `16 u 30 min`,
    never seconds) and a sparkline of the trend."""
    def series(i: int) -> list[float]:
        return [float(v[i]) for _, _, v in trend if v[i] is not None]

    messages = sum(sum(per.values()) for per in kpis["messages"].values()
                   if isinstance(per, dict))
    calls = kpis["calls"]
    camp = kpis["campaigns"]
    tiles: list[tuple[str, Kind, Any, list[float]]] = [
        (N_("Calls"), "count", calls["count"], series(0)),
        (N_("Average call duration"), "duration", calls["avg_duration_s"], series(1)),
        (N_("Average wait"), "duration", calls["avg_wait_s"], series(2)),
        (N_("Calls per agent"), "number", calls["avg_per_agent"], []),
        (N_("Messages"), "count", messages, series(3)),
        (N_("First response, median"), "duration", kpis["first_response_s"]["median"],
         series(4)),
        (N_("Campaigns launched"), "count", camp.get("count", 0), []),
        (N_("Campaign messages sent"), "count", camp.get("sent", 0), []),
    ]
    shown = []
    for msgid, kind, value, points in tiles:
        label = viewer.gettext(msgid)
        shown.append({"label": label, "value": _tile_value(kind, value, viewer),
                      "spark": charts.sparkline(points, title=viewer.gettext(
                          "%(label)s, trend") % {"label": label})})
    return shown


def _tile_value(kind: Kind, value: Any, viewer: Viewer) -> str:
    if value is None:
        return "-"
    if kind == "duration":
        return format_duration(value, viewer.language)
    return format_number(value, viewer.language, 0 if kind == "count" else 1)
