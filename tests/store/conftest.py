"""The store's own tests: `store` is a fresh SQLite file per test."""

from tests.support.sqlite_store import store  # noqa: F401 (the fixture)
