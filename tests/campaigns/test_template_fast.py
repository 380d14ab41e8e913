"""Templates that only substitute variables are rendered without Jinja's machinery: the
text is exactly Jinja's, and anything the fast path does not know is left to Jinja (so its
errors and its way with odd values stay the real ones)."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.template_budget import render_budgeted
from campaigns.template_fast import Substitution
from campaigns.templates import HTML_ENV, TEXT_ENV, CompiledTemplate, TemplateProblem
from hub.domain.campaigns import MessageTemplate

VARIABLES: dict[str, Any] = {
    "person": {"name": "Zoë <b>&</b> \"Ünal\"", "first_name": "Zoë", "id": "p1", "age": 41,
               "score": 2.5, "tags": ["a", "b"], "items": "shadowed by dict.items",
               "language": None, "vip": True,
               "attributes": {"city": "Gent's", "nested": {"deep": "x<y"}}},
    "unsubscribe_url": "https://hub.example/u/abc?x=1&y=2",
    "campaign": {"id": "c1", "name": "Spring"},
    "household": None,
}
SOURCES = [
    "", "plain text only\n", "Dear {{ person.name }},\r\n\r\nline two\n",
    "{{person.first_name}}{{ person.age }}/{{ person.score }}",
    '<p><a href="{{ unsubscribe_url }}">{{ person.attributes.city }}</a></p>',
    "{{ person.attributes.nested.deep }} {{ campaign.name }}",
    "{{ person.items }}", "{{ person.tags }}", "{{ person.language }}", "{{ person.vip }}",
    "{{ household.name }}", "{{ person.missing }}", "{{ nobody }}",
    "{{ person.name | upper }}", "{% if person.vip %}vip{% endif %}", "{{ person['name'] }}",
    "{{ range }}", "trailing newline kept\n\n",
]


def jinja(env: Any, source: str) -> str | Exception:
    try:
        return render_budgeted(env.from_string(source), VARIABLES)
    except Exception as exc:  # the fast path must then say None
        return exc


@pytest.mark.parametrize("env", [TEXT_ENV, HTML_ENV], ids=["text", "html"])
@pytest.mark.parametrize("source", SOURCES)
def test_a_substitution_renders_what_jinja_renders_or_leaves_it_to_jinja(
        env: Any, source: str) -> None:
    fast = Substitution.of(env, source)
    expected = jinja(env, source)
    if fast is None:  # a filter, a tag, an index: Jinja's own
        assert any(mark in source for mark in ("|", "{%", "["))
        return
    done = fast.render(VARIABLES)
    if done is None:  # not a plain string or number: Jinja renders (or refuses) it
        return
    assert not isinstance(expected, Exception)
    assert done == expected
    assert type(done) is str


def test_plain_lookups_take_the_fast_path() -> None:
    fast = Substitution.of(HTML_ENV, '<a href="{{ unsubscribe_url }}">{{ person.name }}</a>')
    assert fast is not None
    assert fast.render(VARIABLES) == ('<a href="https://hub.example/u/abc?x=1&amp;y=2">'
                                      "Zoë &lt;b&gt;&amp;&lt;/b&gt; &#34;Ünal&#34;</a>")


def test_a_compiled_template_renders_the_same_with_and_without_the_fast_path() -> None:
    template = CompiledTemplate(MessageTemplate(
        id="t", name="t", channel="email", subject="News for {{ person.first_name }}",
        body="Dear {{ person.name }},\n\n{{ person.attributes.city }}\n{{ unsubscribe_url }}\n",
        html="<p>Dear {{ person.name }}</p><a href=\"{{ unsubscribe_url }}\">x</a>"))
    fast = template.render(VARIABLES)
    for part in ("_subject", "_text", "_html"):
        slow = getattr(template, part)
        object.__setattr__(slow, "fast", None)
    assert template.render(VARIABLES) == fast


def test_an_undefined_name_is_still_jinjas_error_with_its_part() -> None:
    template = CompiledTemplate(MessageTemplate(
        id="t", name="t", channel="email", subject="Hi", body="Dear {{ person.nickname }}"))
    with pytest.raises(TemplateProblem) as caught:
        template.render(VARIABLES)
    assert caught.value.part == "body"
    assert "nickname" in caught.value.message
