"""The variables a template sees for one person (DESIGN §5): person, household,
organisation, role, campaign, unsubscribe_url, survey_url, preferences_url. Plain dicts of
JSON values."""

from __future__ import annotations

from typing import Any

from hub.domain.campaigns import Campaign
from hub.domain.parties import Household, Organisation, Person, Role
from hub.ports import Store

PERSONALISATION_FIELDS = ("id", "name", "language", "gender", "birth_date", "customer_status",
                          "tags", "attributes")
"""What a template sees of a person (plus `first_name`, `email` and `phone`: the first of
each). The rest of the profile (every address, household link, segmentation fields, consent,
dates) stays out: a preview for any person must not read as their profile, which marketing
may not open."""
_INCLUDED = set(PERSONALISATION_FIELDS)


async def variables_for(
    store: Store, campaign: Campaign | None, person: Person, *, unsubscribe_url: str,
    survey_url: str | None = None, preferences_url: str = "",
) -> dict[str, Any]:
    household = organisation = None
    if person.household_id:
        household = await store.households.get(person.household_id)
    roles = await store.roles.for_person(person.id)
    if roles:
        organisation = await store.organisations.get(roles[0].organisation_id)
    return variables_from(campaign, person, household=household,
                          role=roles[0] if roles else None, organisation=organisation,
                          unsubscribe_url=unsubscribe_url, survey_url=survey_url,
                          preferences_url=preferences_url)


def variables_from(
    campaign: Campaign | None, person: Person, *, household: Household | None,
    role: Role | None, organisation: Organisation | None, unsubscribe_url: str,
    survey_url: str | None = None, preferences_url: str = "",
) -> dict[str, Any]:
    """The same variables from records already loaded (the dispatch worker loads a leased
    batch's households, roles and organisations in one query each)."""
    profile = person.model_dump(mode="json", by_alias=True, include=_INCLUDED)  # these only
    data = {field: profile.get(field) for field in PERSONALISATION_FIELDS}
    words = person.name.split()
    data["first_name"] = words[0] if words else ""
    data["email"] = person.emails[0] if person.emails else None
    data["phone"] = person.phones[0] if person.phones else None
    return {
        "person": data, "household": household.to_json() if household else None,
        "organisation": organisation.to_json() if organisation else None,
        "role": role.to_json() if role else None,
        "campaign": {"id": campaign.id, "name": campaign.name} if campaign else None,
        "unsubscribe_url": unsubscribe_url, "survey_url": survey_url,
        "preferences_url": preferences_url,
    }
