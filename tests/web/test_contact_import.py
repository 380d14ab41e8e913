"""POST /api/v1/imports/contacts through the real app: roles, streamed bodies past the app's
body limit, the report, the bad-input cases and the 413."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from hub.domain.identities import Suppression
from hub.services.identities import IdentityService
from hub.web.api import imports
from tests.web.conftest import Api

URL = "/api/v1/imports/contacts"
CSV = {"Content-Type": "text/csv"}
BASIS = {"consent_basis": "contract", "consent_text": "Ja, mail mij aanbiedingen."}


async def post(api: Api, body: bytes | str, role: str = "marketing",
               **query: str) -> tuple[int, dict[str, object]]:
    """The import's answer; for a real import (202, a job) the job followed to its end and
    its report answered, with the status of the last progress read."""
    data = body.encode() if isinstance(body, str) else body
    status, answer = await api.call("POST", URL, role=role, params=query, data=data,
                                    headers=CSV)
    if status != 202:
        return status, answer
    job = await finished(api, str(answer["progress_url"]), role)
    assert job["state"] == "done", job
    return 200, job["report"]  # type: ignore[return-value]


async def finished(api: Api, progress_url: str, role: str = "marketing") -> dict[str, object]:
    for _ in range(500):
        status, job = await api.call("GET", progress_url, role=role)
        assert status == 200, job
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"the import job did not finish: {job}")


async def test_marketing_and_admin_may_import_service_may_not(api: Api) -> None:
    status, _ = await post(api, "email\na@example.nl\n", role="service")
    assert status == 403
    status, report = await post(api, "email\na@example.nl\n")
    assert status == 200 and report["created"] == 1
    status, report = await post(api, "email\na@example.nl\n", role="admin")
    assert status == 200 and report["unchanged"] == 1


async def test_a_100k_row_sized_body_streams_past_the_app_body_limit(api: Api) -> None:
    rows = "".join(f"person.{i}@example.nl,Person number {i},{i % 50}\n" for i in range(2000))
    body = "email,name,attr.n\n" + rows
    assert len(body) > 65536  # the app's client_max_size in these tests
    status, report = await post(api, body)
    assert status == 200, report
    assert report["created"] == 2000 and report["rejected"] == []


async def test_every_bad_row_has_its_fate_in_the_report(api: Api) -> None:
    await post(api, "email,phone\nowner@example.nl,0612345678\n")
    text = ("naam;email;telefoon\r\n"
            "Renée;renee@example.nl;0687654321\r\n"
            "Renée;renee@example.nl;0687654321\r\n"
            "Taken;renee@example.nl;0612345678\r\n"
            "Bad;bad@example.nl;123\r\n"
            '"Two\r\nlines";two@example.nl;\r\n')
    status, report = await post(api, text.encode("cp1252"),
                                columns='{"naam": "name", "telefoon": "phone"}')
    assert status == 200
    assert (report["created"], report["unchanged"]) == (2, 1)
    rejected = {r["line"]: r["error"] for r in report["rejected"]}  # type: ignore[attr-defined]
    assert sorted(rejected) == [4, 5]
    owner = await api.store.identities.get("phone", "+31612345678")
    assert owner is not None and owner.person_id in rejected[4]
    assert rejected[5].startswith("phone:")
    assert any("Windows-1252" in w for w in report["warnings"])  # type: ignore[attr-defined]
    _, found = await api.call("GET", "/api/v1/persons", params={"email": "renee@example.nl"})
    assert found["items"][0]["name"] == "Renée"


async def test_dry_run_writes_nothing_and_rerun_is_unchanged(api: Api) -> None:
    body = "email,household_key,organisation\na@example.nl,H1,Acme\nb@example.nl,H1,\n"
    status, dry = await post(api, body, dry_run="true")
    assert status == 200 and dry["dry_run"] is True and dry["created"] == 2
    assert await api.store.persons.count() == 0
    assert await api.store.households.find() == []
    _, real = await post(api, body)
    assert real["created"] == 2 and real["dry_run"] is False
    _, again = await post(api, body)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


async def test_consent_with_and_without_basis_and_a_suppressed_address(
        api: Api, settings: object) -> None:
    identities = IdentityService(api.store, default_region="NL",
                                 secret_key=settings.secret_key)  # type: ignore[attr-defined]
    await api.store.suppressions.add(Suppression(
        hash=identities.suppression_hash("email", "erased@example.nl"), kind="email"))
    body = "email,consent_email\nnew@example.nl,opted_in\nerased@example.nl,opted_in\n"
    _, without = await post(api, body)
    assert without["created"] == 2
    assert any("stay unknown" in w for w in without["warnings"])  # type: ignore[attr-defined]
    _, person = await api.call("GET", "/api/v1/persons", params={"email": "new@example.nl"})
    assert person["items"][0]["consent"].get("email", {}).get("status", "unknown") == "unknown"
    _, withbasis = await post(api, body, name="fair-2026", **BASIS)
    assert withbasis["updated"] == 1 and withbasis["unchanged"] == 1
    _, person = await api.call("GET", "/api/v1/persons", params={"email": "new@example.nl"})
    consent = person["items"][0]["consent"]["email"]
    assert (consent["status"], consent["source"], consent["text"]) == (
        "opted_in", "import:fair-2026", BASIS["consent_text"])
    _, erased = await api.call("GET", "/api/v1/persons", params={"email": "erased@example.nl"})
    assert erased["items"][0]["consent"]["email"]["status"] == "opted_out"


async def test_mapping_saved_and_reused_by_name(api: Api) -> None:
    status, _ = await post(api, "Mail,Naam\na@example.nl,A\n",
                           columns='{"Mail": "email", "Naam": "name"}', save_mapping="crm")
    assert status == 200
    status, report = await post(api, "Naam,Mail\nB,b@example.nl\n", mapping="crm")
    assert status == 200 and report["created"] == 1
    status, missing = await post(api, "Mail\nc@example.nl\n", mapping="other")
    assert status == 404 and missing["error"]["code"] == "not_found"


async def test_per_row_report_as_csv(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['marketing']}", **CSV}
    response = await api.client.post(URL, params={"report": "csv", "dry_run": "true"},
                                     headers=headers,
                                     data="email\na@example.nl\nbad\na@example.nl\n")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(r["line"], r["outcome"]) for r in rows] == [
        ("2", "created"), ("3", "rejected"), ("4", "unchanged")]
    assert rows[0]["person_id"] and "email" in rows[1]["reason"]
    assert response.headers["X-Import-Rejected"] == "1"


@pytest.mark.parametrize(("body", "code"), [
    ("name,city\nA,B\n", "invalid_input"), ("", "invalid_input")])
async def test_a_file_that_does_not_fit_is_a_422(api: Api, body: str, code: str) -> None:
    status, answer = await post(api, body)
    assert status == 422 and answer["error"]["code"] == code


async def test_wrong_media_type_and_bad_options(api: Api) -> None:
    status, _ = await api.call("POST", URL, role="marketing", json={"email": "a@example.nl"})
    assert status == 415
    status, _ = await post(api, "email\na@example.nl\n", on_match="merge")
    assert status == 422
    status, _ = await post(api, "email\na@example.nl\n", consent_basis="contract")
    assert status == 422
    status, _ = await post(api, "email\na@example.nl\n", columns="[1]")
    assert status == 422


async def test_over_the_limit_is_413(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "LIMIT_BYTES", 100)
    status, answer = await post(api, "email\n" + "x@example.nl\n" * 20)
    assert status == 413 and answer["error"]["code"] == "payload_too_large"
    assert "limit" in answer["error"]["message"]

    async def chunked() -> object:  # no Content-Length: counted while streaming
        yield b"email\n"
        for _ in range(20):
            yield b"y@example.nl\n"

    headers = {"Authorization": f"Bearer {api.tokens['marketing']}", **CSV}
    response = await api.client.post(URL, headers=headers, data=chunked())
    assert response.status == 413
