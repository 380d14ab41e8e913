"""Stored message templates: save (compiled first, so errors come back at once) and preview
for any person, with StrictUndefined and line numbers on errors."""

from __future__ import annotations

from typing import Any

from campaigns.engine.personalise import variables_for
from campaigns.templates import Rendered, check, compiled
from campaigns.unsubscribe import UnsubscribeTokens
from hub.domain.campaigns import MessageTemplate
from hub.domain.common import utcnow
from hub.domain.parties import Person
from hub.errors import NotFound
from hub.i18n import N_
from hub.ports import Store


class TemplateService:
    def __init__(self, store: Store, tokens: UnsubscribeTokens, public_url: str) -> None:
        self._store = store
        self._tokens = tokens
        self._public_url = public_url

    async def create(self, template: MessageTemplate) -> MessageTemplate:
        check(template)
        await self._store.templates.insert(template)
        return template

    async def find(self, *, limit: int = 50) -> list[MessageTemplate]:
        return await self._store.templates.find(limit=limit)

    async def save(self, template: MessageTemplate) -> MessageTemplate:
        """Create it, or replace the stored one of that id (keeping when it was created);
        compiled first, so a syntax error comes back with its part and line."""
        existing = await self._store.templates.get(template.id)
        if existing is None:
            return await self.create(template)
        template = template.model_copy(update={"created_at": existing.created_at,
                                               "updated_at": utcnow()})
        check(template)
        await self._store.templates.replace(template)
        return template

    async def get(self, template_id: str) -> MessageTemplate:
        template = await self._store.templates.get(template_id)
        if template is None:
            raise NotFound(N_("no template %(template_id)s"),
                           params={"template_id": template_id}, details={"id": template_id})
        return template

    async def _person(self, person_id: str) -> Person:
        person = await self._store.persons.get(person_id)
        if person is None or not person.is_active:
            raise NotFound(N_("no person %(person_id)s"),
                           params={"person_id": person_id}, details={"id": person_id})
        return person

    async def preview(self, template_id: str, person_id: str) -> dict[str, Any]:
        template = await self.get(template_id)
        person = await self._person(person_id)
        url = f"{self._public_url}/u/{self._tokens.make(person.id, None)}"
        preferences = self._tokens.preferences.make(person.id, None)
        variables = await variables_for(self._store, None, person, unsubscribe_url=url,
                                        survey_url=f"{self._public_url}/s/preview",
                                        preferences_url=f"{self._public_url}/p/{preferences}")
        variables["campaign"] = {"id": "preview", "name": "Preview"}
        return compiled(template).render(variables).to_json()

    async def render_for(self, template_id: str, person_id: str
                         ) -> tuple[MessageTemplate, Rendered]:
        """A template rendered for one person, for a one-to-one (service) message: no
        campaign, no survey link; an error is a TemplateProblem (422 with part and line)."""
        template = await self.get(template_id)
        person = await self._person(person_id)
        url = f"{self._public_url}/u/{self._tokens.make(person.id, None)}"
        variables = await variables_for(self._store, None, person, unsubscribe_url=url)
        return template, compiled(template).render(variables)
