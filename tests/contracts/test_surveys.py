"""Survey records on each backend: personal tokens issued once per send, responses unique per
(survey, person, send) and replaced in place, results counted by the database (per channel,
per segment, per period), comments newest first; trigger firings unique per (rule, event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.common import new_id
from hub.domain.parties import Person
from hub.domain.segments import parse_filter, plan
from hub.domain.surveys import Survey, SurveyResponse, SurveyToken, TriggerFiring, TriggerRule
from hub.errors import DuplicateKey
from hub.ports import ResponseFilter, Store

T = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def response(survey_id: str, person_id: str, score: int, *, send: str = "campaign:c1",
             channel: str = "sms", comment: str | None = None, at: datetime = T,
             campaign_id: str | None = "c1") -> SurveyResponse:
    return SurveyResponse(id=new_id(), key=f"{survey_id}:{person_id}:{send}",
                          survey_id=survey_id, person_id=person_id, campaign_id=campaign_id,
                          channel=channel, score=score, comment=comment,  # type: ignore[arg-type]
                          event_id=new_id(), answered_at=at, first_answered_at=at)


async def test_survey_and_token_issued_once_per_send(store: Store) -> None:
    survey = Survey(id=new_id(), name="NPS", kind="nps", question="Recommend us?")
    await store.surveys.insert(survey)
    assert await store.surveys.get(survey.id) == survey
    assert await store.surveys.find() == [survey]
    first = SurveyToken(token="a" * 43, survey_id=survey.id, person_id="p1", send_key="campaign:c",
                        expires_at=T)
    assert await store.survey_tokens.issue(first) == first
    retry = first.model_copy(update={"token": "b" * 43})
    assert (await store.survey_tokens.issue(retry)).token == "a" * 43
    other = first.model_copy(update={"token": "c" * 43, "send_key": "campaign:d"})
    assert (await store.survey_tokens.issue(other)).token == "c" * 43
    assert await store.survey_tokens.get("a" * 43) == first
    assert await store.survey_tokens.get("b" * 43) is None


async def test_responses_are_counted_and_replaced_by_key(store: Store) -> None:
    anna = Person(id=new_id(), name="Anna", tags=["vip"])
    bert = Person(id=new_id(), name="Bert")
    gone = Person(id=new_id(), name="Gone", tags=["vip"], merged_into=anna.id)
    for p in (anna, bert, gone):
        await store.persons.insert(p)
    s = "s1"
    await store.survey_responses.put(response(s, anna.id, 3, comment="slow", at=T))
    await store.survey_responses.put(response(s, bert.id, 9, channel="email", comment="great",
                                              at=T + timedelta(hours=1)))
    await store.survey_responses.put(response(s, bert.id, 10, send="call:x", channel="call",
                                              campaign_id=None, at=T + timedelta(days=40)))
    await store.survey_responses.put(response(s, gone.id, 0, comment="old"))
    await store.survey_responses.put(response("s2", anna.id, 5))
    # Anna changes her answer to the same send: replaced, not added
    later = response(s, anna.id, 7, comment="ok after all", at=T + timedelta(hours=2))
    await store.survey_responses.put(later)
    stored = await store.survey_responses.get_by_key(later.key)
    assert stored is not None and stored.score == 7 and stored.comment == "ok after all"

    everything = await store.survey_responses.distribution(ResponseFilter(survey_id=s))
    assert everything == {"sms": {7: 1, 0: 1}, "email": {9: 1}, "call": {10: 1}}
    assert await store.survey_responses.distribution(ResponseFilter(
        survey_id=s, channel="email")) == {"email": {9: 1}}
    assert await store.survey_responses.distribution(ResponseFilter(
        survey_id=s, start=T, end=T + timedelta(days=1))) == {"sms": {7: 1, 0: 1},
                                                             "email": {9: 1}}
    vip = plan(parse_filter({"field": "tags", "op": "contains", "value": "vip"}), T)
    # the merged person matches the filter but is no longer a person of the segment
    assert await store.survey_responses.distribution(ResponseFilter(
        survey_id=s, predicate=vip)) == {"sms": {7: 1}}
    comments = await store.survey_responses.with_comments(ResponseFilter(survey_id=s), limit=10)
    assert [c.comment for c in comments] == ["ok after all", "great", "old"]
    assert [c.comment for c in await store.survey_responses.with_comments(
        ResponseFilter(survey_id=s, predicate=vip), limit=10)] == ["ok after all"]
    assert await store.survey_responses.with_comments(ResponseFilter(survey_id=s), limit=0) == []
    assert await store.survey_responses.count_for_campaign("c1") == 4
    assert await store.survey_responses.count_for_campaign("none") == 0


async def test_trigger_rules_and_firings(store: Store) -> None:
    rule = TriggerRule(id=new_id(), name="after resolved calls", survey_id="s1",
                       outcome="resolved")
    await store.trigger_rules.insert(rule)
    assert await store.trigger_rules.find() == [rule]
    switched = rule.model_copy(update={"enabled": False})
    await store.trigger_rules.replace(switched)
    assert (await store.trigger_rules.get(rule.id)).enabled is False  # type: ignore[union-attr]

    firing = TriggerFiring(id=new_id(), rule_id=rule.id, event_id="e1", person_id="p1",
                           survey_id="s1", due_at=T, created_at=T)
    await store.trigger_firings.insert(firing)
    with pytest.raises(DuplicateKey):
        await store.trigger_firings.insert(firing.model_copy(update={"id": new_id()}))
    later = TriggerFiring(id=new_id(), rule_id=rule.id, event_id="e2", person_id="p1",
                          survey_id="s1", due_at=T + timedelta(hours=5),
                          created_at=T + timedelta(hours=3))
    await store.trigger_firings.insert(later)
    assert [f.id for f in await store.trigger_firings.due(T + timedelta(hours=1), limit=10)
            ] == [firing.id]
    assert await store.trigger_firings.recent_for_person(
        rule.id, "p1", T - timedelta(days=30), exclude_id=later.id) is True
    assert await store.trigger_firings.recent_for_person(
        rule.id, "p1", T + timedelta(hours=1), exclude_id=later.id) is False
    await store.trigger_firings.replace(firing.model_copy(update={"status": "skipped"}))
    assert await store.trigger_firings.due(T + timedelta(hours=10), limit=10) == [later]
    assert await store.trigger_firings.recent_for_person(
        rule.id, "p1", T - timedelta(days=30), exclude_id=later.id) is False


async def test_anonymise_person_keeps_the_scores_without_comment_or_person(
        store: Store) -> None:
    s, gone, kept = new_id(), new_id(), new_id()
    for person_id, score in ((gone, 2), (kept, 9)):
        await store.survey_responses.put(response(s, person_id, score,
                                                  comment=f"comment of {person_id}"))
    await store.survey_responses.put(response(s, gone, 3, send="trigger:t1",
                                              comment="second"))
    assert await store.survey_responses.anonymise_person(gone) == 2
    assert await store.survey_responses.get_by_key(f"{s}:{gone}:campaign:c1") is None
    distribution = await store.survey_responses.distribution(ResponseFilter(survey_id=s))
    assert sum(sum(by_score.values()) for by_score in distribution.values()) == 3
    comments = await store.survey_responses.with_comments(ResponseFilter(survey_id=s),
                                                          limit=10)
    assert [(c.person_id, c.comment) for c in comments] == [(kept, f"comment of {kept}")]
    assert await store.survey_responses.anonymise_person(gone) == 0


async def test_channel_state_delete(store: Store) -> None:
    await store.channel_state.put("email-bounces:a@example.com", {"events": ["e1"]})
    assert await store.channel_state.delete("email-bounces:a@example.com") is True
    assert await store.channel_state.get("email-bounces:a@example.com") is None
    assert await store.channel_state.delete("email-bounces:a@example.com") is False
