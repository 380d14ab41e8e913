"""`hub import contacts` as an operator runs it: a real process, exit codes, the report file."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.store import create_store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
            "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_LOG_LEVEL": "WARNING"}


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


async def persons(env: dict[str, str]) -> int:
    store = await create_store(load_settings(env, dotenv=None))
    try:
        return await store.persons.count()
    finally:
        await store.close()


async def test_import_dry_run_report_file_and_exit_codes(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_bytes("Naam;Mail;telefoon\r\nRenée;renee@example.nl;0612345678\r\n"
                       "Bad;bad@example.nl;123\r\n".encode("cp1252"))
    dry = hub(env, "import", "contacts", str(source), "--dry-run", "--map", "Naam=name",
              "--map", "Mail=email", "--map", "telefoon=phone", "--save-mapping", "crm")
    assert dry.returncode == 1, dry.stderr  # a row was rejected
    assert "Dry run, nothing written: 1 created, 0 updated, 0 unchanged, 1 rejected" \
        in dry.stdout
    assert "line 3: rejected: phone:" in dry.stdout and "Windows-1252" in dry.stdout
    assert "rows" in dry.stderr  # the progress bar
    assert await persons(env) == 0

    source.write_bytes("Naam;Mail\r\nRenée;renee@example.nl\r\n".encode("cp1252"))
    report = tmp_path / "report.csv"
    real = hub(env, "import", "contacts", str(source), "--map", "Naam=name", "--map",
               "Mail=email", "--save-mapping", "crm", "--report", str(report))
    assert real.returncode == 0, real.stdout + real.stderr
    assert "1 created, 0 updated, 0 unchanged, 0 rejected" in real.stdout
    with report.open(encoding="utf-8") as written:
        rows = list(csv.DictReader(written))
    assert [(r["line"], r["outcome"]) for r in rows] == [("2", "created")]
    assert rows[0]["person_id"]
    again = hub(env, "import", "contacts", str(source), "--mapping", "crm", "--on-match", "skip")
    assert again.returncode == 0 and "0 created, 0 updated, 1 unchanged" in again.stdout
    assert await persons(env) == 1


def test_missing_file_bad_header_and_consent_without_text(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    assert hub(env, "import", "contacts", str(tmp_path / "missing.csv")).returncode == 66
    bad = tmp_path / "bad.csv"
    bad.write_text("name,city\nA,B\n")
    result = hub(env, "import", "contacts", str(bad))
    assert result.returncode == 1 and "no email or phone column" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text("email,consent_email\na@example.nl,opted_in\n")
    result = hub(env, "import", "contacts", str(good), "--consent-basis", "contract")
    assert result.returncode == 1 and "consent_text" in result.stderr
