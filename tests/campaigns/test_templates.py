"""Templates: sandbox, strict undefined names, escaping in HTML, errors with line numbers."""

from __future__ import annotations

import pytest

from campaigns.templates import CompiledTemplate, TemplateProblem, sms_info
from hub.domain.campaigns import MessageTemplate


def email(body: str = "Hi", subject: str = "S", html: str | None = None) -> MessageTemplate:
    return MessageTemplate(id="t", name="t", channel="email", subject=subject, body=body,
                           html=html)


VARS = {"person": {"name": "<script>alert(1)</script> & Co", "language": "nl"}}


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ person.__class__ }}",
    "{% for c in ''.__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_sandbox_escapes_are_refused(source: str) -> None:
    with pytest.raises(TemplateProblem) as info:
        CompiledTemplate(email(body=source)).render(VARS)
    assert info.value.part == "body"


def test_undefined_variable_names_line() -> None:
    with pytest.raises(TemplateProblem) as info:
        CompiledTemplate(email(body="Hello\n\n{{ person.nickname }}")).render(VARS)
    assert info.value.line == 3 and "nickname" in info.value.message


def test_syntax_error_names_part_and_line() -> None:
    with pytest.raises(TemplateProblem) as info:
        CompiledTemplate(email(html="<p>\n{% if %}</p>"))
    assert info.value.part == "html" and info.value.line == 2


def test_html_escapes_names_text_does_not_and_subject_is_one_line() -> None:
    rendered = CompiledTemplate(email(body="Dear {{ person.name }}",
                                      subject="Hi\r\nBcc: x@y {{ person.name }}",
                                      html="<p>Dear {{ person.name }}</p>")).render(VARS)
    assert rendered.html == "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</p>"
    assert rendered.text == "Dear <script>alert(1)</script> & Co"
    assert "\n" not in (rendered.subject or "") and "\r" not in (rendered.subject or "")


def test_filters_follow_the_persons_language() -> None:
    template = MessageTemplate(id="t", name="t", channel="sms",
                               body="{{ '2026-06-01' | date }} {{ 1234.5 | money }}")
    assert CompiledTemplate(template).render(VARS).text == "1 juni 2026 € 1.234,50"
    english = {"person": {"language": "en"}}
    assert CompiledTemplate(template).render(english).text == "1 June 2026 €1,234.50"


def test_sms_segments() -> None:
    assert sms_info("a" * 160).segments == 1
    assert sms_info("a" * 161).segments == 2
    assert sms_info("€" * 80).segments == 1  # extension characters count double: 160
    assert sms_info("ë" * 70).encoding == "UCS-2" and sms_info("ë" * 71).segments == 2
    assert sms_info("😀" * 35).segments == 1 and sms_info("😀" * 36).segments == 2


def test_progress_line() -> None:
    from campaigns.cli import progress_line

    stats = {"progress": 0.5, "audience": 10, "sent": 5, "skipped": 0, "failed": 0,
             "unknown": 0, "replied": 1, "opted_out": 0}
    line = progress_line({"status": "running", "stats": stats}, width=10)
    assert line.startswith("[#####.....]  50.0% running: audience 10, sent 5")
