"""Satisfaction surveys (DESIGN §1, §5; issue 7): definitions, personal links `/s/{token}`,
answers from every channel (link, SMS reply, email reply, a score staff record during a
call), each stored once as a `survey` event on the person's timeline and as a response, and
the results (NPS or CSAT, distribution, comments, per channel and per segment).

Who answered which send: a response is unique on (survey, person, send), the send being the
campaign (`campaign:ID`), the trigger firing (`trigger:RULE:EVENT`) or the call; a later
answer to the same send replaces the earlier one within REPLACE_WINDOW.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from campaigns.survey_answers import ParsedAnswer, parse_email_answer, parse_score
from hub.domain.common import new_id, utcnow
from hub.domain.events import Event, SurveyInfo
from hub.domain.segments import Predicate, parse_filter, plan
from hub.domain.surveys import Survey, SurveyResponse, SurveyToken
from hub.errors import Conflict, InvalidInput, NotFound
from hub.i18n import N_
from hub.ports import ResponseFilter, Store
from hub.services.timeline import TimelineService

TOKEN_LIFETIME = timedelta(days=30)
REPLACE_WINDOW = timedelta(days=7)
COMMENTS_LISTED = 50
MAX_COMMENT = 2000


def follow_up_flag(survey: Survey, score: int) -> str | None:
    """Detractors (NPS 0-6) and low CSAT (1-2) are flagged for service staff to follow up."""
    if survey.kind == "nps":
        return "detractor" if score <= 6 else None
    return "low_csat" if score <= 2 else None


def label(survey: Survey, score: int) -> str:
    if survey.kind == "nps":
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    return "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"


def figures(kind: str, distribution: dict[int, int]) -> dict[str, Any]:
    """responses, and NPS (% promoters minus % detractors) or CSAT (% answering 4-5)."""
    n = sum(distribution.values())
    nps = csat = None
    if n and kind == "nps":
        promoters = sum(c for s, c in distribution.items() if s >= 9)
        detractors = sum(c for s, c in distribution.items() if s <= 6)
        nps = round((promoters - detractors) * 100 / n, 1)
    if n and kind == "csat":
        csat = round(sum(c for s, c in distribution.items() if s >= 4) * 100 / n, 1)
    return {"responses": n, "nps": nps, "csat": csat}


@dataclass(frozen=True, slots=True)
class LinkView:
    survey: Survey
    token: SurveyToken
    language: str | None
    answered: SurveyResponse | None
    can_change: bool


class SurveyService:
    def __init__(self, store: Store, timeline: TimelineService, public_url: str) -> None:
        self._store = store
        self._timeline = timeline
        self._public_url = public_url.rstrip("/")

    # --- definitions ---------------------------------------------------------------------

    async def create(self, survey: Survey) -> Survey:
        await self._store.surveys.insert(survey)
        return survey

    async def get(self, survey_id: str) -> Survey:
        survey = await self._store.surveys.get(survey_id)
        if survey is None:
            raise NotFound(N_("no survey %(survey_id)s"),
                           params={"survey_id": survey_id}, details={"id": survey_id})
        return survey

    async def list(self, *, limit: int = 50, after_id: str | None = None) -> list[Survey]:
        return await self._store.surveys.find(limit=limit, after_id=after_id)

    # --- personal links ------------------------------------------------------------------

    async def link(self, survey_id: str, person_id: str, *, send_key: str,
                   campaign_id: str | None = None) -> str:
        return await survey_link(self._store, self._public_url, survey_id, person_id,
                                 send_key=send_key, campaign_id=campaign_id)

    async def view(self, token_text: str) -> LinkView | None:
        """What `/s/{token}` shows; None for an unknown or expired token."""
        if not 20 <= len(token_text) <= 100:
            return None
        token = await self._store.survey_tokens.get(token_text)
        if token is None or token.expires_at <= utcnow():
            return None
        survey = await self._store.surveys.get(token.survey_id)
        person = await self._store.persons.get(token.person_id)
        if survey is None or person is None or not person.is_active:
            return None
        answered = await self._store.survey_responses.get_by_key(
            _key(survey.id, person.id, token.send_key))
        return LinkView(survey, token, person.language, answered,
                        answered is None or utcnow() - answered.first_answered_at
                        <= REPLACE_WINDOW)

    async def answer_link(self, token_text: str, score: int, comment: str | None
                          ) -> tuple[LinkView, SurveyResponse] | None:
        view = await self.view(token_text)
        if view is None:
            return None
        if not view.can_change:
            raise Conflict(N_("this survey was answered already and can no longer be changed"))
        response = await self._answer(
            view.survey, view.token.person_id, ParsedAnswer(score, comment), channel="link",
            send_key=view.token.send_key, campaign_id=view.token.campaign_id,
            external_id=None)
        return view, response

    # --- answers from messages and calls --------------------------------------------------

    async def on_inbound(self, event: Event) -> SurveyResponse | None:
        """An inbound SMS, WhatsApp message or email that answers a survey message: record its
        score once (the message itself stays on the timeline as it is). Unparseable replies
        count for nothing. Called for every inbound message, replays included: the answer is
        idempotent."""
        if event.direction != "inbound" or event.channel not in ("sms", "whatsapp", "email"):
            return None
        if not event.person_id or event.data.get("keyword") or "bounce" in event.data.get(
                "flags", []):
            return None
        found = await self._survey_asked(event)
        if found is None:
            return None
        survey, send_key, campaign_id = found
        parse = parse_email_answer if event.channel == "email" else parse_score
        parsed = parse(event.text, survey.scale)
        if parsed is None:
            return None
        return await self._answer(
            survey, event.person_id, parsed, channel=event.channel,
            send_key=send_key, campaign_id=campaign_id,
            external_id=f"{event.channel}:{event.id}", answered_at=event.occurred_at,
            reply_event_id=event.id)

    async def _survey_asked(self, event: Event) -> tuple[Survey, str, str | None] | None:
        """The survey the message answers: its campaign's, or the one a triggered survey
        message (the thread's first event) carried."""
        if event.campaign_id:
            campaign = await self._store.campaigns.get(event.campaign_id)
            if campaign is not None and campaign.kind == "survey" and campaign.survey_id:
                survey = await self._store.surveys.get(campaign.survey_id)
                if survey is not None:
                    return survey, f"campaign:{campaign.id}", campaign.id
            return None
        if event.thread_id:
            asked = await self._store.events.get(event.thread_id)
            if (asked is not None and asked.direction == "outbound" and asked.survey
                    and asked.person_id == event.person_id):
                survey = await self._store.surveys.get(asked.survey.survey_id)
                send_key = asked.data.get("survey_send_key")
                if survey is not None and isinstance(send_key, str):
                    return survey, send_key, None
        return None

    async def record_call_score(self, survey_id: str, person_id: str, score: int,
                                comment: str | None, *, call_event_id: str | None,
                                author: str | None) -> SurveyResponse:
        """A score staff record during (or right after) a call: once per call."""
        survey = await self.get(survey_id)
        person = await self._store.persons.get(person_id)
        if person is None or not person.is_active:
            raise NotFound(N_("no person %(person_id)s"),
                           params={"person_id": person_id}, details={"field": "person_id"})
        low, high = survey.scale
        if not low <= score <= high:
            raise InvalidInput(N_("score must be %(low)s to %(high)s for a %(kind)s survey"),
                               params={"low": low, "high": high, "kind": survey.kind},
                               details={"field": "score"})
        if call_event_id is not None:
            call = await self._store.events.get(call_event_id)
            if call is None or call.channel != "call" or call.person_id != person_id:
                raise InvalidInput(N_("no call %(call_event_id)s of this person"),
                                   params={"call_event_id": call_event_id},
                                   details={"field": "call_id"})
        send = f"call:{call_event_id or new_id()}"
        return await self._answer(survey, person_id, ParsedAnswer(score, comment),
                                  channel="call", send_key=send, campaign_id=None,
                                  external_id=f"call:{survey_id}:{send}", author=author)

    async def _answer(self, survey: Survey, person_id: str, parsed: ParsedAnswer, *,
                      channel: str, send_key: str, campaign_id: str | None,
                      external_id: str | None, answered_at: datetime | None = None,
                      reply_event_id: str | None = None, author: str | None = None,
                      ) -> SurveyResponse:
        key = _key(survey.id, person_id, send_key)
        comment = (parsed.comment or "").strip()[:MAX_COMMENT] or None
        previous = await self._store.survey_responses.get_by_key(key)
        if external_id is not None:
            done = await self._store.events.find_by_external("survey", external_id)
            if done is not None and previous is not None:
                return previous  # a replayed webhook or mail: already counted
        elif previous is not None and (previous.score, previous.comment) == (parsed.score,
                                                                              comment):
            return previous  # the same form posted twice
        now = answered_at or utcnow()
        flag = follow_up_flag(survey, parsed.score)
        trigger_id = send_key.split(":")[1] if send_key.startswith("trigger:") else None
        data: dict[str, Any] = {"answer_channel": channel, "label": label(survey, parsed.score)}
        if flag:
            data["flags"] = [flag]
            data["follow_up"] = True
        if reply_event_id:
            data["reply_event_id"] = reply_event_id
        if send_key.startswith("csat:"):  # a CSAT after a resolved conversation: lands on it
            data["conversation_id"] = send_key.split(":")[1]
        if previous is not None:
            data["replaces_event_id"] = previous.event_id
        high = survey.scale[1]
        subject = f"{survey.kind.upper()} {parsed.score}/{high}: {label(survey, parsed.score)}"
        if flag:
            subject += " - follow up"
        event, _ = await self._timeline.record(Event(
            id=new_id(), person_id=person_id, channel="survey", direction="inbound",
            occurred_at=now, subject=subject, text=comment, status="answered",
            campaign_id=campaign_id, external_id=external_id, author=author,
            survey=SurveyInfo(survey_id=survey.id, score=parsed.score, comment=comment),
            data=data))
        response = SurveyResponse(
            id=previous.id if previous else new_id(), key=key, survey_id=survey.id,
            person_id=person_id, campaign_id=campaign_id, trigger_id=trigger_id,
            channel=channel, score=parsed.score,  # type: ignore[arg-type]
            comment=comment, event_id=event.id, answered_at=now,
            first_answered_at=previous.first_answered_at if previous else now)
        await self._store.survey_responses.put(response)
        return response

    # --- results -------------------------------------------------------------------------

    async def predicate_for(self, segment_id: str | None) -> Predicate | None:
        if segment_id is None:
            return None
        segment = await self._store.segments.get(segment_id)
        if segment is None:
            raise InvalidInput(N_("no segment %(segment_id)s"),
                               params={"segment_id": segment_id}, details={"field": "segment_id"})
        return plan(parse_filter(segment.filter) if segment.filter else None, utcnow())

    async def results(self, survey_id: str, *, segment_id: str | None = None,
                      channel: str | None = None, start: datetime | None = None,
                      end: datetime | None = None) -> dict[str, Any]:
        survey = await self.get(survey_id)
        which = ResponseFilter(survey_id=survey.id, predicate=await self.predicate_for(
            segment_id), channel=channel, start=start, end=end)
        by_channel = await self._store.survey_responses.distribution(which)
        low, high = survey.scale
        distribution = dict.fromkeys(range(low, high + 1), 0)
        for counts in by_channel.values():
            for score, n in counts.items():
                distribution[score] = distribution.get(score, 0) + n
        comments = await self._store.survey_responses.with_comments(which,
                                                                    limit=COMMENTS_LISTED)
        return {
            "survey_id": survey.id, "kind": survey.kind, "segment_id": segment_id,
            "channel": channel, **figures(survey.kind, distribution),
            "distribution": {str(score): n for score, n in distribution.items()},
            "comments": [{"score": r.score, "comment": r.comment, "channel": r.channel,
                          "answered_at": r.answered_at.isoformat().replace("+00:00", "Z"),
                          "person_id": r.person_id, "event_id": r.event_id,
                          "follow_up": follow_up_flag(survey, r.score) is not None}
                         for r in comments],
            "by_channel": {name: figures(survey.kind, counts)
                           for name, counts in sorted(by_channel.items())},
        }

    async def summary(self, start: datetime, end: datetime, *,
                      segment_id: str | None = None) -> dict[str, Any]:
        """Per survey answered in the period: NPS or CSAT overall (and in the segment)."""
        predicate = await self.predicate_for(segment_id)
        listed: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = await self._store.surveys.find(limit=100, after_id=after)
            for survey in page:
                row = await self._survey_figures(survey, start, end, None)
                if row["responses"] == 0:
                    continue
                if predicate is not None:
                    row["segment"] = await self._survey_figures(survey, start, end, predicate)
                listed.append({"id": survey.id, "name": survey.name, "kind": survey.kind,
                               **row})
            if len(page) < 100:
                break
            after = page[-1].id
        return {"segment_id": segment_id, "items": listed}

    async def _survey_figures(self, survey: Survey, start: datetime, end: datetime,
                              predicate: Predicate | None) -> dict[str, Any]:
        counts = await self._store.survey_responses.distribution(ResponseFilter(
            survey_id=survey.id, predicate=predicate, start=start, end=end))
        merged: dict[int, int] = {}
        for per in counts.values():
            for score, n in per.items():
                merged[score] = merged.get(score, 0) + n
        return figures(survey.kind, merged)


async def survey_link(store: Store, public_url: str, survey_id: str, person_id: str, *,
                      send_key: str, campaign_id: str | None = None) -> str:
    """The personal `/s/{token}` URL for one send: a new random token (43 characters of
    `token_urlsafe`), or the one issued before for the same send, so a retry carries the same
    link. The campaign engine calls this for the `survey_url` template variable."""
    now = utcnow()
    token = await store.survey_tokens.issue(SurveyToken(
        token=secrets.token_urlsafe(32), survey_id=survey_id, person_id=person_id,
        send_key=send_key, campaign_id=campaign_id, created_at=now,
        expires_at=now + TOKEN_LIFETIME))
    return f"{public_url.rstrip('/')}/s/{token.token}"


def _key(survey_id: str, person_id: str, send_key: str) -> str:
    return f"{survey_id}:{person_id}:{send_key}"
