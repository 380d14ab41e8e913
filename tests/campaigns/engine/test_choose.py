"""The choose step: the campaign's channel order read for one person, and why a person gets
nothing (the reasons are the outbound path's, joined in the order the channels were tried)."""

from __future__ import annotations

from typing import Any

from campaigns.engine.choose import candidate_channels, choose_channel
from hub.domain.campaigns import Campaign
from hub.domain.consent import ConsentState
from hub.domain.parties import Person

TEMPLATES = {"email": "t-mail", "sms": "t-sms"}


def campaign(**fields: Any) -> Campaign:
    return Campaign(id="c1", name="Spring", **{"templates": TEMPLATES, **fields})


def person(**fields: Any) -> Person:
    return Person(id="p1", **{"emails": ["a@example.com"], "phones": ["+31612345678"],
                              **fields})


def test_preferred_means_the_persons_own_and_no_channel_comes_twice() -> None:
    chosen = candidate_channels(campaign(channels=["preferred", "email", "sms"]),
                                person(preferred_channel="sms"))
    assert chosen == ["sms", "email"]


def test_only_channels_with_a_template_are_candidates() -> None:
    chosen = candidate_channels(campaign(channels=["email", "sms"], templates={"sms": "t"}),
                                person())
    assert chosen == ["sms"]


def test_a_preference_for_calls_falls_through_to_the_list() -> None:
    chosen = candidate_channels(campaign(channels=["preferred", "email"]),
                                person(preferred_channel="call"))
    assert chosen == ["email"]


def test_the_next_channel_is_taken_with_the_reason_the_first_was_passed() -> None:
    opted_out = {"email": ConsentState(status="opted_out")}
    choice = choose_channel(campaign(channels=["email", "sms"]), person(consent=opted_out))
    assert choice.channel == "sms" and choice.reason == "opted out of email"


def test_nobody_left_gives_every_reason() -> None:
    choice = choose_channel(campaign(channels=["email", "sms"], require_opt_in=True),
                            person(phones=[]))
    assert choice.channel is None
    assert choice.reason == "no opt-in for email; no phone number"


def test_excluded_channels_are_not_tried_again() -> None:
    choice = choose_channel(campaign(channels=["email", "sms"]), person(), exclude=("email",))
    assert choice.channel == "sms"


def test_an_erased_person_gets_nothing() -> None:
    from hub.domain.common import utcnow

    choice = choose_channel(campaign(), person(erased_at=utcnow()))
    assert choice.channel is None and "erased" in (choice.reason or "")
