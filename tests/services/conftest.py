"""The services' tests: each runs on its own SQLite file (the contract tests under
`tests/contracts` are the ones that run on every backend)."""

from tests.support.sqlite_store import store  # noqa: F401 (the fixture)
