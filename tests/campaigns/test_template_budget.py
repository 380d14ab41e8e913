"""A template can never stall or exhaust the service: each of these, from the security review,
is a template error with a clear message within the render budget, and /healthz stays fast."""

from __future__ import annotations

import time

import pytest

from campaigns.template_budget import RENDER_BUDGET_S
from campaigns.templates import TemplateProblem, compiled
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import new_id
from tests.web.conftest import Api

HOSTILE = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}"
                    "{% endfor %}{% endfor %}",
    "nested loops writing": "{% for i in range(100000) %}{% for j in range(100000) %}x"
                            "{% endfor %}{% endfor %}",
    "string multiplication": "{{ 'x' * 1000000000 }}",
    "list multiplication": "{{ ([1] * 100000000)|length }}",
    "doubling in a loop": "{% set s = namespace(v='ab') %}{% for i in range(64) %}"
                          "{% set s.v = s.v + s.v %}{% endfor %}{{ s.v|length }}",
    "power": "{{ 9 ** 99999999 }}",
    "format width filter": "{{ '%999999999d'|format(1) }}",
    "format width operator": "{{ '%.999999999f' % 1.5 }}",
    "a huge range": "{{ range(10000000)|list|length }}",
}


def template(body: str) -> MessageTemplate:
    return MessageTemplate(id=new_id(), name="hostile", channel="sms", body=body)


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_templates_fail_fast_with_a_reason(body: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as problem:
        compiled(template(body)).render({"person": {"name": "Anna"}})
    assert time.monotonic() - started < RENDER_BUDGET_S + 1.0
    assert problem.value.message  # says what was wrong
    assert problem.value.details["part"] == "body"


def test_ordinary_templates_still_render() -> None:
    rendered = compiled(template(
        "{% for i in range(3) %}{{ i }}{% endfor %} {{ '%05.1f'|format(3.14159) }} "
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ name + '!' }}")).render({"name": "Anna"})
    assert rendered.text == "012 003.1 ababab 1024 Anna!"


async def test_a_hostile_preview_is_a_422_and_the_service_keeps_answering(api: Api) -> None:
    import asyncio

    status, person = await api.call("POST", "/api/v1/persons", json={"name": "Anna"})
    assert status == 201
    status, saved = await api.call("POST", "/api/v1/templates", role="marketing", json={
        "name": "Loops", "channel": "sms", "body": HOSTILE["nested loops"]})
    assert status == 201, saved

    async def healthz() -> float:
        await asyncio.sleep(0.05)
        started = time.monotonic()
        response = await api.client.get("/healthz")
        assert response.status == 200
        return time.monotonic() - started

    preview, waited = await asyncio.gather(
        api.call("POST", f"/api/v1/templates/{saved['id']}/preview", role="marketing",
                 json={"person_id": person["id"]}), healthz())
    assert preview[0] == 422 and "took longer" in preview[1]["error"]["message"]
    assert waited < RENDER_BUDGET_S + 1.0
