""".github/workflows/audit.yml: valid YAML with what GitHub needs to run it, crawl, verify and publish."""

from __future__ import annotations

import re
from typing import Any

import pytest

from noai_check.platforms import PLATFORMS
from tests.crawling import REPO

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the workflow")

WORKFLOW = REPO / ".github" / "workflows" / "audit.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads a bare `on` key as the boolean True; GitHub reads it as "on".
    return workflow.get("on", workflow.get(True))


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job["steps"]


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def index_of(job: dict[str, Any], needle: str) -> int:
    return next(i for i, step in enumerate(steps(job)) if needle in step.get("run", "") + step.get("uses", "")
                + str(step.get("with", {}).get("name", "")))


def test_weekly_and_on_demand(workflow):
    on = triggers(workflow)
    assert isinstance(on, dict) and "workflow_dispatch" in on
    [schedule] = on["schedule"]
    fields = schedule["cron"].split()
    assert len(fields) == 5 and fields[4] not in ("*",), "a weekly cron names a day of the week"


def test_every_job_can_run(workflow):
    assert workflow["jobs"]
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on"), name
        assert steps(job), name
        for step in steps(job):
            assert ("uses" in step) != ("run" in step), (name, step)
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]


def test_audit_crawls_verifies_and_keeps_the_history(workflow):
    audit = workflow["jobs"]["audit"]
    platforms = audit["strategy"]["matrix"]["platform"]
    assert "soundcloud" in platforms and set(platforms) <= set(PLATFORMS)
    text = runs(audit)
    assert "pip install -e ." in text
    assert "scrapy crawl ${{ matrix.platform }}" in text and "NOAI_REPORTS_DIR=reports" in text
    assert "noai-check verify ${{ matrix.platform }} --reports-dir reports" in text
    restore, crawl, verify = index_of(audit, "gh run download"), index_of(audit, "scrapy crawl"), index_of(audit, "noai-check verify")
    keep = index_of(audit, "history-${{ matrix.platform }}")
    assert restore < crawl < verify < keep
    keep_step = steps(audit)[keep]
    assert keep_step["with"]["path"] == "reports/history.sqlite"
    assert "cancelled()" in keep_step["if"], "the history is kept even when verify fails"
    assert workflow["permissions"]["actions"] == "read"


def test_reports_are_uploaded_and_published_to_pages(workflow):
    jobs = workflow["jobs"]
    audit_uses = [s.get("uses", "") for s in steps(jobs["audit"])]
    assert any(u.startswith("actions/upload-artifact@") for u in audit_uses)
    build = [job for job in jobs.values() if any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in steps(job))]
    deploy = [job for job in jobs.values() if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps(job))]
    assert len(build) == len(deploy) == 1
    [deploy_job] = deploy
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy_job["environment"]["name"] == "github-pages"
    assert deploy_job["concurrency"]["group"] == "pages"
    assert "cancelled()" in build[0]["if"], "a failed verify still publishes the report that explains it"
