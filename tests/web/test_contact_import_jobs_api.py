"""POST /api/v1/imports/contacts starts the page's background job: 202 with the job and where
to follow it, progress and the per-row report over the API, 422 before any job for a header
or options that do not fit, and the job's state shared with the /imports page."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import Api
from tests.web.test_contact_import import CSV, URL, finished


async def test_a_real_import_answers_202_with_a_job_to_follow(api: Api) -> None:
    body = "email,name\n" + "".join(f"p{i}@example.nl,P {i}\n" for i in range(300)) + "bad,X\n"
    status, job = await api.call("POST", URL, role="marketing", data=body.encode(),
                                 headers=CSV)
    assert status == 202, job
    assert job["state"] in ("running", "done") and job["dry_run"] is False
    url = f"/api/v1/imports/contacts/jobs/{job['id']}"
    assert (job["progress_url"], job["report_url"]) == (url, url + "/report.csv")
    done = await finished(api, url)
    assert done["state"] == "done" and done["progress"] == 1.0 and done["rows"] == 301
    assert done["report"]["created"] == 300 and done["report"]["rejected_total"] == 1  # type: ignore[index]
    assert await api.store.persons.count() == 300
    headers = {"Authorization": f"Bearer {api.tokens['marketing']}"}
    response = await api.client.get(url + "/report.csv", headers=headers)
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 301 and rows[-1]["outcome"] == "rejected" and rows[-1]["line"] == "302"
    # staff without the marketing role may not follow it
    status, _ = await api.call("GET", url, role="service")
    assert status == 403


async def test_refused_before_any_job_and_unknown_jobs(api: Api) -> None:
    status, answer = await api.call("POST", URL, role="marketing", data=b"name,city\nA,B\n",
                                    headers=CSV)
    assert status == 422 and answer["error"]["code"] == "invalid_input"
    status, answer = await api.call("POST", URL, role="marketing", data=b"Mail\na@example.nl\n",
                                    headers=CSV, params={"mapping": "nope"})
    assert status == 404
    status, _ = await api.call("GET", "/api/v1/imports/contacts/jobs/nope", role="marketing")
    assert status == 404
    assert await api.store.persons.count() == 0


async def test_a_dry_run_still_answers_its_report_at_once(api: Api) -> None:
    status, report = await api.call("POST", URL, role="marketing", params={"dry_run": "true"},
                                    data=b"email\na@example.nl\nb@example.nl\n", headers=CSV)
    assert status == 200 and report["dry_run"] is True and report["created"] == 2
    assert await api.store.persons.count() == 0
