"""`find(name_contains=...)` on persons, households and organisations.

Case-insensitive substring search, where every character is literal: `.*` is not a regex,
`%` and `_` are not LIKE wildcards. Checked by example and, with hypothesis, against Python's
own `needle.lower() in name.lower()` over names built from metacharacters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.ports import Store
from tests.contracts import factories as f
from tests.contracts.backends import Backend
from tests.contracts.checks import PROPERTY_SETTINGS, flat, ids, walk_find

MAKERS: dict[str, Callable[..., Any]] = {
    "persons": f.person,
    "households": f.household,
    "organisations": f.organisation,
}
REPOS = list(MAKERS)

NAMES = [
    "Anna de Vries",
    "ANNA JANSEN",
    "Hanna Smit",
    "a.*b Holding",
    "aXYb Holding",
    "100% Sure B.V.",
    "1000 Sure B.V.",
    "snake_case",
    "snakeXcase",
    "back\\slash",
    "(paren) [bracket] {brace}",
    "caret^dollar$",
    "plus+question?pipe|",
    "it's \"quoted\"",
]


async def _insert_names(store: Store, repo: str, names: list[str]) -> dict[str, str]:
    """Insert one record per name; returns id -> name."""
    made: dict[str, str] = {}
    for name in names:
        record = MAKERS[repo](name=name)
        await getattr(store, repo).insert(record)
        made[record.id] = name
    return made


def _expected(made: dict[str, str], needle: str) -> list[str]:
    return sorted(i for i, name in made.items() if needle.lower() in name.lower())


@pytest.mark.parametrize("repo", REPOS)
@pytest.mark.parametrize(
    ("needle", "expected_names"),
    [
        ("anna", {"Anna de Vries", "ANNA JANSEN", "Hanna Smit"}),
        ("JANSEN", {"ANNA JANSEN"}),
        ("a.*b", {"a.*b Holding"}),
        (".*", {"a.*b Holding"}),
        ("%", {"100% Sure B.V."}),
        ("0% s", {"100% Sure B.V."}),
        ("_", {"snake_case"}),
        ("e_c", {"snake_case"}),
        ("\\", {"back\\slash"}),
        ("[bracket]", {"(paren) [bracket] {brace}"}),
        ("(paren)", {"(paren) [bracket] {brace}"}),
        ("{brace}", {"(paren) [bracket] {brace}"}),
        ("^dollar$", {"caret^dollar$"}),
        ("+question?pipe|", {"plus+question?pipe|"}),
        ("'s \"quo", {"it's \"quoted\""}),
        ("no such name", set()),
    ],
)
async def test_name_contains_is_literal_and_case_insensitive(
    store: Store, repo: str, needle: str, expected_names: set[str]
) -> None:
    made = await _insert_names(store, repo, NAMES)
    found = await getattr(store, repo).find(name_contains=needle)
    assert {made[record.id] for record in found} == expected_names
    assert ids(found) == sorted(ids(found))


@pytest.mark.parametrize("repo", REPOS)
async def test_name_contains_folds_case_beyond_ascii(store: Store, repo: str) -> None:
    made = await _insert_names(store, repo, ["Émile Zola", "ÖZIL Özdemir", "Emile Other"])
    found = await getattr(store, repo).find(name_contains="émile")
    assert {made[record.id] for record in found} == {"Émile Zola"}
    found = await getattr(store, repo).find(name_contains="özil")
    assert {made[record.id] for record in found} == {"ÖZIL Özdemir"}


@pytest.mark.parametrize("repo", REPOS)
async def test_name_contains_pages_by_id(store: Store, repo: str) -> None:
    made = await _insert_names(
        store, repo, [f"Jansen {i}" for i in range(11)] + [f"Smit {i}" for i in range(5)]
    )
    pages = await walk_find(getattr(store, repo).find, 4, name_contains="JANSEN")
    assert [len(page) for page in pages] == [4, 4, 3]
    assert ids(flat(pages)) == _expected(made, "jansen")


@pytest.mark.parametrize("repo", REPOS)
async def test_find_without_filter_pages_everything(store: Store, repo: str) -> None:
    made = await _insert_names(store, repo, NAMES)
    pages = await walk_find(getattr(store, repo).find, 3)
    assert ids(flat(pages)) == sorted(made)
    assert [len(page) for page in pages] == [3, 3, 3, 3, 2]


@pytest.mark.parametrize("repo", REPOS)
@PROPERTY_SETTINGS
@given(
    names=st.lists(st.text(alphabet="aAbB .*%_\\[]()^$+?|{}'", max_size=6), max_size=10),
    needle=st.text(alphabet="aAbB .*%_\\[]()^$+?|{}'", min_size=1, max_size=3),
    page_size=st.integers(min_value=1, max_value=4),
)
async def test_name_contains_agrees_with_python_substring(
    backend: Backend, repo: str, names: list[str], needle: str, page_size: int
) -> None:
    async with backend.fresh() as store:
        made = await _insert_names(store, repo, names)
        pages = await walk_find(getattr(store, repo).find, page_size, name_contains=needle)
        assert ids(flat(pages)) == _expected(made, needle)
