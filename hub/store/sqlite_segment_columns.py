"""One migration (appended to `sqlite_schema.MIGRATIONS`): the person and household fields that
segments filter by most, as plain columns, and the persons' tags as rows (issue 20).

Persons gain `gender`, `birth_date`, `language` and `customer_status` (the document's values,
text or NULL: the domain model fixes their type), written with every insert and replace of a
person (`SqlitePersons.indexed`, which the contact batches use too) beside the consent and tier
columns of `sqlite_person_facts`. One index over the active persons holds all four: a count by
age, gender, language or status reads that index alone (a range of birth dates, or the whole
index, a few dozen bytes a person) instead of one document per person.

Households gain `city` (`address.city`), written by `SqliteHouseholds.indexed`, indexed; the
persons' `persons_household` index (household, active, id) gains the person columns segments
compare, so "lives in Utrecht, and …" is answered from the members' index entries.

`person_tags` holds one row per (tag, person) of every person's `tags`, kept by triggers on
`persons` in the statement that writes the document, so every path that writes a person (an
insert, a replace, a merge or unmerge, an erasure, a contact batch, any future one) keeps it
right without the store having to remember. "Tagged vip" is then one range of its primary key.
"""

from __future__ import annotations

from typing import Any

from hub.domain.parties import Household, Person
from hub.store.sqlite_person_facts import CONSENT_COLUMNS, TIER_COLUMN

PERSON_COLUMNS: dict[tuple[str, ...], str] = {
    ("gender",): "gender",
    ("birth_date",): "birth_date",
    ("language",): "language",
    ("customer_status",): "customer_status",
}
"""A person field's path in the document -> the persons column holding it (text or NULL)."""

HOUSEHOLD_COLUMNS: dict[tuple[str, ...], str] = {("address", "city"): "city"}
"""A household field's path -> the households column holding it (text or NULL)."""


def person_columns(person: Person) -> tuple[Any, ...]:
    """The values of PERSON_COLUMNS for `person`, in that order."""
    return (person.gender, None if person.birth_date is None else person.birth_date.isoformat(),
            person.language, person.customer_status)


def household_columns(household: Household) -> tuple[Any, ...]:
    """The values of HOUSEHOLD_COLUMNS for `household`, in that order."""
    return (household.address.city,)


_TAGS_OF = ("INSERT OR IGNORE INTO person_tags (tag, person_id) "
            "SELECT value, NEW.id FROM json_each(NEW.doc, '$.tags') WHERE type = 'text';")

SEGMENT_COLUMNS: tuple[str, ...] = (
    *(f"ALTER TABLE persons ADD COLUMN {column} TEXT" for column in PERSON_COLUMNS.values()),
    "UPDATE persons SET " + ", ".join(
        f"{column} = json_extract(doc, '$.{'.'.join(path)}')"
        for path, column in PERSON_COLUMNS.items()),
    # the expression indexes of migration 12 on two of these fields, now columns
    "DROP INDEX IF EXISTS persons_birth_date",
    "DROP INDEX IF EXISTS persons_customer_status",
    # `active` a column, not a partial index's condition: SQLite 3.40 reads the row to check
    # `p.active = 1` against a partial index, while this one answers the count alone
    """CREATE INDEX persons_demographics
        ON persons (active, birth_date, gender, language, customer_status)""",
    # a household filter finds the matching households, then their members through this
    # index; with every column a segment compares on the person's row, their members' other
    # conditions are checked in the index too, not on one row read per member
    "DROP INDEX persons_household",
    "CREATE INDEX persons_household ON persons (household_id, active, id, "
    + ", ".join((*PERSON_COLUMNS.values(), *CONSENT_COLUMNS.values(), TIER_COLUMN)) + ")",
    # a campaign audience starts from its channel's consent: with the tier and the id in the
    # consent index, "consented, tier X, and (probes by id) tagged / in contact" reads no row
    *(f"DROP INDEX persons_consent_{channel}" for channel in CONSENT_COLUMNS),
    *(f"CREATE INDEX persons_consent_{channel} ON persons ({column}, active, {TIER_COLUMN}, id)"
      for channel, column in CONSENT_COLUMNS.items()),
    "ALTER TABLE households ADD COLUMN city TEXT",
    "UPDATE households SET city = json_extract(doc, '$.address.city')",
    "CREATE INDEX households_city ON households (city)",
    """CREATE TABLE person_tags (
        tag TEXT NOT NULL,
        person_id TEXT NOT NULL,
        PRIMARY KEY (tag, person_id)
    ) WITHOUT ROWID""",
    """INSERT OR IGNORE INTO person_tags (tag, person_id)
        SELECT t.value, p.id FROM persons p, json_each(p.doc, '$.tags') t
        WHERE t.type = 'text' ORDER BY 1, 2""",
    "CREATE INDEX person_tags_person ON person_tags (person_id)",
    f"""CREATE TRIGGER persons_tags_insert AFTER INSERT ON persons
        BEGIN {_TAGS_OF} END""",
    # a replace that leaves the tags as they were (most writes) touches no tag row
    f"""CREATE TRIGGER persons_tags_update AFTER UPDATE OF doc ON persons
        WHEN json_extract(OLD.doc, '$.tags') IS NOT json_extract(NEW.doc, '$.tags')
        BEGIN
            DELETE FROM person_tags WHERE person_id = OLD.id;
            {_TAGS_OF}
        END""",
    """CREATE TRIGGER persons_tags_delete AFTER DELETE ON persons
        BEGIN DELETE FROM person_tags WHERE person_id = OLD.id; END""",
)
