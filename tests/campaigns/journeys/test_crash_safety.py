"""Journey worker processes killed with SIGKILL mid-step, sending to a real aiosmtpd server:
no person gets a step's mail twice and no enrolment is lost; a send whose outcome is unknown
after a kill is recorded `unknown` and never repeated."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

from hub.config import load_settings
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from hub.domain.consent import ConsentState
from hub.domain.parties import Person
from hub.store import create_store
from hub.wiring import assemble
from tests.channels.email.servers import SmtpSink, free_port
from tests.support.worker_process import kill_mid_work, start_worker, stop


async def test_sigkilled_journey_workers_send_no_step_twice(tmp_path: Path) -> None:
    n = 200
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"sqlite:///{tmp_path}/hub.db"
    settings = load_settings({"HUB_DATABASE_URL": url, "HUB_VAR_DIR": str(tmp_path / "var"),
                              "HUB_SECRET_KEY": "k" * 32}, dotenv=None)
    store = await create_store(settings)
    try:
        persons = [Person(id=new_id(), name=f"Person {i}", emails=[f"p{i}@example.org"],
                          consent={"email": ConsentState(status="opted_in")})
                   for i in range(n)]
        for person in persons:
            await store.persons.insert(person)
        ids = {}
        for language in ("nl", "en"):
            template = MessageTemplate(id=new_id(), name=language, channel="email",
                                       subject="Hallo", body="Dag {{ person.name }}")
            await store.templates.insert(template)
            ids[language] = template.id
        service = assemble(store, settings, {}).journeys.service
        journey = await service.create("Crash", {
            "trigger": {"kind": "manual"}, "start": "hello",
            "steps": [{"type": "send", "id": "hello", "channel": "email", "templates": ids}]})
        await service.update(journey.id, status="active")
        await service.enrol_manual(journey.id, [p.id for p in persons])

        kills = await kill_mid_work("journeys", url, port, tmp_path / "var", rounds=4,
                                    seed=11, alive_s=(0.8, 1.6))
        final = start_worker("journeys", url, port, tmp_path / "var")
        try:
            for _ in range(600):
                counts = await store.enrolments.counts(journey.id)
                if counts.by_state.get("done") == n:
                    break
                await asyncio.sleep(0.1)
        finally:
            stop(final)
        assert counts.by_state == {"done": n}, counts

        received = Counter(to for _, tos, _ in sink.envelopes for to in tos)
        assert not [a for a, k in received.items() if k > 1], "a person got the step twice"
        outcomes: Counter[str] = Counter()
        for e in await store.enrolments.for_journey(journey.id, limit=n + 1):
            [step] = [r for r in e.history if r.step_id == "hello"]
            outcomes[step.outcome] += 1
            address = next(p.emails[0] for p in persons if p.id == e.person_id)
            assert received[address] == (1 if step.outcome == "sent" else received[address])
            assert received[address] <= 1
        assert set(outcomes) <= {"sent", "unknown"} and outcomes["sent"] >= n - kills * 4
        assert kills >= 2
    finally:
        controller.stop()
        await store.close()
