"""Personalised message templates: Jinja2 in a sandbox, per channel (DESIGN §5).

Two sandboxed environments share the filters: one for plain text (subject, email text, SMS)
and one that autoescapes, for the HTML part, so a person's name like `<script>` arrives as
text. Undefined names are errors (StrictUndefined), at preview and at send: a template that
fails for one person fails that person's delivery with the reason, never the campaign.

The default message texts live on disk by name (`MessageTexts`): `templates/messages/<name>/`
holds `subject.txt`, `body.txt`, `body.html` and `sms.txt`, optionally per language in
`<name>/<language>/`; an operator's directory (HUB_TEMPLATES_DIR) is searched first. They are
compiled by the same two environments as the templates staff write.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from campaigns.template_budget import (
    BudgetedSandbox,
    budgeted_format,
    budgeted_range,
    render_budgeted,
)
from campaigns.template_fast import Substitution
from hub.domain.campaigns import MessageTemplate
from hub.errors import InvalidInput
from hub.i18n import N_

MESSAGES_DIR = Path(__file__).resolve().parents[1] / "templates" / "messages"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
}


class TemplateProblem(InvalidInput):
    """A template that cannot be compiled or rendered: which part, which line, what."""

    code = "template_error"

    def __init__(self, part: str, message: str, line: int | None) -> None:
        if line:
            super().__init__(N_("%(part)s, line %(line)s: %(message)s"),
                             params={"part": part, "line": line, "message": message},
                             details={"part": part, "line": line, "message": message})
        else:
            super().__init__(N_("%(part)s: %(message)s"),
                             params={"part": part, "message": message},
                             details={"part": part, "line": line, "message": message})
        self.part = part
        self.line = line


@dataclass(frozen=True, slots=True)
class SmsInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    segments: int


def sms_info(text: str) -> SmsInfo:
    """How an SMS travels: GSM-7 (160 per message, 153 per part) when every character is in
    the GSM alphabet (extension characters count double), else UCS-2 (70, 67 per part,
    counted in UTF-16 code units)."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsInfo(encoding=encoding, characters=units, segments=segments if text else 0)


def _language(context: Any) -> str:
    person = context.get("person") if hasattr(context, "get") else None
    language = (person or {}).get("language") if isinstance(person, dict) else None
    return "nl" if (language or "").lower().startswith("nl") else "en"


def format_date(value: Any, language: str = "en") -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, date):
        return str(value)
    month = MONTHS.get(language, MONTHS["en"])[value.month - 1]
    return f"{value.day} {month} {value.year}"


def format_money(amount: Any, currency: str = "EUR", language: str = "en") -> str:
    try:
        number = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency.upper(), currency.upper() + " ")
    text = f"{number:,.2f}"
    if language == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return f"{symbol} {text}"
    return f"{symbol}{text}"


def _environment(autoescape: bool) -> SandboxedEnvironment:
    from jinja2 import pass_context

    env = BudgetedSandbox(autoescape=autoescape, undefined=StrictUndefined,
                          keep_trailing_newline=True)
    env.globals["range"] = budgeted_range
    env.filters["format"] = budgeted_format

    @pass_context
    def date_filter(context: Any, value: Any) -> str:
        return format_date(value, _language(context))

    @pass_context
    def money_filter(context: Any, value: Any, currency: str = "EUR") -> str:
        return format_money(value, currency, _language(context))

    env.filters["date"] = date_filter
    env.filters["money"] = money_filter
    return env


TEXT_ENV = _environment(autoescape=False)
HTML_ENV = _environment(autoescape=True)


@dataclass(frozen=True, slots=True)
class _Part:
    """One part compiled by Jinja, and as a plain substitution when it is only that."""

    jinja: Template
    fast: Substitution | None


def _compile(env: SandboxedEnvironment, part: str, source: str) -> _Part:
    try:
        return _Part(env.from_string(source), Substitution.of(env, source))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, exc.message or "syntax error", exc.lineno) from exc


def _line_of(exc: BaseException) -> int | None:
    """The template line a render error happened on, from the traceback Jinja rewrites."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None
    content_sid: str | None = None  # WhatsApp: the approved template in the person's language
    content_variables: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"subject": self.subject, "text": self.text, "html": self.html}
        if self.content_sid:
            answer["content_sid"] = self.content_sid
            answer["content_variables"] = self.content_variables or {}
            return answer
        if self.subject is None and self.html is None:
            info = sms_info(self.text)
            answer["sms"] = {"encoding": info.encoding, "characters": info.characters,
                             "segments": info.segments}
        return answer


class CompiledTemplate:
    """A stored template compiled once; `render` for each person."""

    def __init__(self, template: MessageTemplate) -> None:
        self.channel = template.channel
        email = template.channel == "email"
        self._subject = _compile(TEXT_ENV, "subject", template.subject or "") if email else None
        self._text = _compile(TEXT_ENV, "body", template.body)
        self._html = (_compile(HTML_ENV, "html", template.html)
                      if email and template.html else None)
        self._sids = dict(template.content_sids)
        self._variables = {key: _compile(TEXT_ENV, f"variable {key}", source)
                           for key, source in template.content_variables.items()}

    @property
    def approved(self) -> bool:
        """It carries a provider-approved template (WhatsApp outside the 24-hour window)."""
        return bool(self._sids)

    def _content_sid(self, language: str | None) -> str | None:
        if not self._sids:
            return None
        for candidate in (language, (language or "").split("-")[0], DEFAULT_SID_LANGUAGE):
            if candidate and candidate in self._sids:
                return self._sids[candidate]
        return next(iter(self._sids.values()))

    def render(self, variables: dict[str, Any]) -> Rendered:
        subject = self._part("subject", self._subject, variables)
        text = self._part("body", self._text, variables) or ""
        html = self._part("html", self._html, variables)
        if subject is not None:
            subject = " ".join(subject.split())  # one header line, never CR/LF
        sid = self._content_sid(_language_of(variables))
        if sid is None:
            return Rendered(subject=subject, text=text, html=html)
        filled = {key: self._part(f"variable {key}", source, variables) or ""
                  for key, source in self._variables.items()}
        return Rendered(subject=subject, text=text, html=html, content_sid=sid,
                        content_variables=filled)

    @staticmethod
    def _part(part: str, template: _Part | None, variables: dict[str, Any]) -> str | None:
        if template is None:
            return None
        if template.fast is not None and (done := template.fast.render(variables)) is not None:
            return done
        try:
            return render_budgeted(template.jinja, variables)
        except SecurityError as exc:
            raise TemplateProblem(part, f"not allowed in a template: {exc}",
                                  _line_of(exc)) from exc
        except UndefinedError as exc:
            raise TemplateProblem(part, exc.message or "undefined variable",
                                  _line_of(exc)) from exc
        except TemplateError as exc:
            raise TemplateProblem(part, str(exc), _line_of(exc)) from exc
        except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
            raise TemplateProblem(part, f"{type(exc).__name__}: {exc}", _line_of(exc)) from exc


DEFAULT_SID_LANGUAGE = "nl"


def _language_of(variables: dict[str, Any]) -> str | None:
    person = variables.get("person")
    language = person.get("language") if isinstance(person, dict) else None
    return language if isinstance(language, str) else None


@lru_cache(maxsize=256)
def _cached(template_id: str, updated_at: datetime, source: str) -> CompiledTemplate:
    return CompiledTemplate(MessageTemplate.model_validate_json(source))


def compiled(template: MessageTemplate) -> CompiledTemplate:
    """The compiled form, cached per template version."""
    return _cached(template.id, template.updated_at, template.model_dump_json())


def check(template: MessageTemplate) -> None:
    """Raise TemplateProblem when a part does not compile (at save time)."""
    CompiledTemplate(template)


MESSAGE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}\Z")


def _languages(language: str | None) -> list[str | None]:
    """Where to look, most specific first: `nl-BE`, `nl`, then the folder itself (None)."""
    found: list[str | None] = []
    if language and LANGUAGE_TAG.match(language):
        found.append(language)
        base = language.split("-", 1)[0]
        if base != language:
            found.append(base)
    return [*found, None]


@lru_cache(maxsize=64)
def _compiled_default(channel: str, subject: str | None, body: str,
                      html: str | None) -> CompiledTemplate:
    return CompiledTemplate(MessageTemplate(id="default", name="default", channel=channel,  # type: ignore[arg-type]
                                            subject=subject, body=body, html=html))


class MessageTexts:
    """The default message texts, by name, from disk.

    A file is looked up as `<dir>/<name>/<language>/<file>` (e.g. `nl-BE`, then `nl`) and
    then `<dir>/<name>/<file>`; at each of those steps the override directory (the operator's
    HUB_TEMPLATES_DIR) comes before the built-in `templates/messages/`. So a language's own
    text beats a text without a language, and the operator's beats ours. Each file is found
    on its own: an override may hold just `subject.txt`. One final newline is dropped, as
    editors add one.
    """

    def __init__(self, override_dir: Path | None = None, *,
                 default_language: str = "nl") -> None:
        self.directories = [d for d in (override_dir, MESSAGES_DIR) if d is not None]
        self.default_language = default_language  # for a recipient whose language is unknown

    def find(self, name: str, file: str, language: str | None = None) -> Path | None:
        if not MESSAGE_NAME.match(name):
            raise InvalidInput(N_("not a message template name: %(name)s"),
                               params={"name": repr(name)})
        for lang in _languages(language or self.default_language):
            for directory in self.directories:
                path = directory / name / lang / file if lang else directory / name / file
                if path.is_file():
                    return path
        return None

    def source(self, name: str, file: str, language: str | None = None) -> str | None:
        path = self.find(name, file, language)
        if path is None:
            return None
        text = path.read_text(encoding="utf-8")
        return text[:-1] if text.endswith("\n") else text

    def template(self, name: str, channel: str, language: str | None = None
                 ) -> MessageTemplate:
        """The default texts `name` for `channel` as a template: email takes `subject.txt`,
        `body.txt` and `body.html`; another channel takes its own text (`sms.txt`), else
        `body.txt`."""
        if not MESSAGE_NAME.match(name) or not any((d / name).is_dir()
                                                   for d in self.directories):
            raise InvalidInput(N_("no default message template %(name)s"),
                               params={"name": repr(name)})
        text_files = ("body.txt",) if channel == "email" else (f"{channel}.txt", "body.txt")
        body = next((text for file in text_files
                     if (text := self.source(name, file, language)) is not None), None)
        if body is None:
            raise InvalidInput(N_("the default message template %(name)s has no %(names)s"),
                               params={"name": repr(name), "names": ' or '.join(text_files)})
        email = channel == "email"
        return MessageTemplate(
            id=f"default:{name}:{channel}", name=name, channel=channel,  # type: ignore[arg-type]
            subject=self.source(name, "subject.txt", language) if email else None, body=body,
            html=self.source(name, "body.html", language) if email else None)

    def render(self, name: str, channel: str, variables: dict[str, Any],
               language: str | None = None) -> Rendered:
        """The default texts `name` for `channel`, rendered (sandboxed, StrictUndefined)."""
        template = self.template(name, channel, language)
        return _compiled_default(template.channel, template.subject, template.body,
                                 template.html).render(variables)


BUILTIN_TEXTS = MessageTexts()


def default_template(name: str, channel: str, language: str | None = None) -> MessageTemplate:
    """The built-in default texts `name` for `channel` (see `MessageTexts.template`)."""
    return BUILTIN_TEXTS.template(name, channel, language)
