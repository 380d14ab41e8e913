"""The variables a template sees for one person (DESIGN §5): person, household,
organisation, role, campaign, unsubscribe_url, survey_url. Plain dicts of JSON values."""

from __future__ import annotations

from typing import Any

from hub.domain.campaigns import Campaign
from hub.domain.parties import Person
from hub.ports import Store

PERSON_HIDDEN = ("consent", "merged_into", "erased_at")


async def variables_for(
    store: Store, campaign: Campaign | None, person: Person, *, unsubscribe_url: str,
    survey_url: str | None = None,
) -> dict[str, Any]:
    data = {k: v for k, v in person.to_json().items() if k not in PERSON_HIDDEN}
    data["first_name"] = person.name.split()[0] if person.name.split() else ""
    data["email"] = person.emails[0] if person.emails else None
    data["phone"] = person.phones[0] if person.phones else None
    household = organisation = role = None
    if person.household_id:
        found = await store.households.get(person.household_id)
        household = found.to_json() if found else None
    roles = await store.roles.for_person(person.id)
    if roles:
        role = roles[0].to_json()
        org = await store.organisations.get(roles[0].organisation_id)
        organisation = org.to_json() if org else None
    return {
        "person": data, "household": household, "organisation": organisation, "role": role,
        "campaign": {"id": campaign.id, "name": campaign.name} if campaign else None,
        "unsubscribe_url": unsubscribe_url, "survey_url": survey_url,
    }
