"""The personalise step: what a template sees for one person, loaded from the store or from
records a batch already loaded, and what it must never see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from campaigns.engine.personalise import variables_for, variables_from
from hub.domain.campaigns import Campaign
from hub.domain.consent import ConsentState
from hub.domain.parties import Household, Organisation, Person, Role
from hub.ports import Store
from hub.store.sqlite import open_sqlite_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_sqlite_store(f"sqlite:///{tmp_path}/hub.db")
    yield opened
    await opened.close()


def anna() -> Person:
    return Person(id="p1", name="Anna de Vries", emails=["anna@example.com"],
                  phones=["+31612345678"], household_id="h1",
                  consent={"email": ConsentState(status="opted_in", source="form")})


def test_person_fields_with_first_name_and_first_addresses_but_no_consent_or_merge() -> None:
    variables = variables_from(Campaign(id="c1", name="Spring"), anna(), household=None,
                               role=None, organisation=None, unsubscribe_url="https://u/1")
    seen = variables["person"]
    assert seen["first_name"] == "Anna" and seen["email"] == "anna@example.com"
    assert seen["phone"] == "+31612345678"
    assert set(seen) == {"id", "name", "first_name", "email", "phone", "language", "gender",
                         "birth_date", "customer_status", "tags", "attributes"}
    assert variables["campaign"] == {"id": "c1", "name": "Spring"}
    assert variables["unsubscribe_url"] == "https://u/1" and variables["survey_url"] is None


async def test_household_and_the_first_roles_organisation_come_from_the_store(
        store: Store) -> None:
    await store.households.insert(Household(id="h1", name="De Vries"))
    await store.organisations.insert(Organisation(id="o1", name="Bakkerij Jansen"))
    await store.persons.insert(anna())
    await store.roles.insert(Role(id="r1", person_id="p1", organisation_id="o1",
                                  function="owner"))
    variables = await variables_for(store, None, anna(), unsubscribe_url="",
                                    survey_url="https://s/1")
    assert variables["household"]["name"] == "De Vries"
    assert variables["organisation"]["name"] == "Bakkerij Jansen"
    assert variables["role"]["function"] == "owner"
    assert variables["campaign"] is None and variables["survey_url"] == "https://s/1"
