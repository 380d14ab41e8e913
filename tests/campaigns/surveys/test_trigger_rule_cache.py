"""Trigger rules are served from memory for a moment (`campaigns.trigger_rule_cache`): a change
made here is seen at once, one made by another process within the TTL, and a rule switched off
elsewhere never sends, even while this process still holds it as enabled."""

from __future__ import annotations

from campaigns.trigger_rule_cache import TriggerRuleCache
from campaigns.triggers import TriggerService
from hub.domain.surveys import TriggerRule
from hub.web.keys import SURVEYS
from tests.campaigns.surveys.test_triggers import PHONE, log_call, run_due, setup
from tests.web.webhooks.conftest import Hub


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_reads_the_store_once_per_ttl_and_again_after_a_change_here() -> None:
    loads: list[int] = []

    async def load() -> list[TriggerRule]:
        loads.append(1)
        return []

    clock = Clock()
    cache = TriggerRuleCache(load, ttl=2.0, clock=clock)
    for _ in range(5):
        await cache.rules()
    assert len(loads) == 1
    clock.now += 2.0
    await cache.rules()
    assert len(loads) == 2
    cache.forget()
    await cache.rules()
    assert len(loads) == 3


async def test_a_rule_switched_off_in_another_process_sends_nothing(hub: Hub) -> None:
    _, trigger = await setup(hub)
    first = await hub.person(PHONE, preferred_channel="sms")
    await log_call(hub, first["id"])  # this process now holds the rule, enabled
    assert await run_due(hub) == 1 and len(hub.twilio.messages) == 1

    ours = hub.api.client.app[SURVEYS]
    elsewhere = TriggerService(hub.store, ours.surveys, None)  # e.g. the web app's process
    await elsewhere.switch(trigger["id"], False)

    second = await hub.person("+31687654321", preferred_channel="sms")
    await log_call(hub, second["id"])  # within the TTL: a firing may still be recorded
    await run_due(hub)
    assert len(hub.twilio.messages) == 1  # but the send reads the rule again: nothing sent
