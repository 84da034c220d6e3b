"""`scrapy crawl site -a url=...`: any site, against the replica on 127.0.0.1; bad input without a traceback.

No test resolves a name: the unresolvable host is a synthetic DNSLookupError, and the end-to-end
crawl of one runs with ``NoDNS`` as Scrapy's resolver, which fails every lookup without asking anyone.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import scrapy
from twisted.internet.defer import Deferred, fail
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.python.failure import Failure
from zope.interface import implementer

from noai_check.crawl.outcomes import failure_reason
from noai_check.replica import start_replica
from noai_check.signals.response import Fetched
from spiders.site import SiteSpider
from tests.crawling import FAST, REPO, mismatches, records_by_url


@implementer(IResolverSimple)
class NoDNS:
    """A Scrapy DNS resolver (TWISTED_DNS_RESOLVER) for which no name exists: no lookup leaves the process."""

    @classmethod
    def from_crawler(cls, crawler: object, reactor: object) -> NoDNS:
        return cls()

    def install_on_reactor(self) -> None:
        from twisted.internet import reactor

        reactor.installResolver(self)  # type: ignore[attr-defined]

    def getHostByName(self, name: str, timeout: object = ()) -> Deferred[str]:  # Twisted names it so
        return fail(DNSLookupError(f"address {name!r} not found (no DNS in tests)"))


def crawl_site(reports: Path, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", "seed=7"]
    for arg in args:
        command += ["-a", arg]
    for key, value in {**FAST, "NOAI_REPORTS_DIR": str(reports), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return subprocess.run(command, check=False, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)


def test_any_site_is_audited_into_a_folder_named_for_its_host(tmp_path):
    with start_replica("site") as replica:
        media = replica.media_url.split("://")[1]
        result = crawl_site(tmp_path, f"url={replica.base_url}/", "max_pages=20", f"media_hosts={media}")
        expected = dict(replica.expectations())
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    out = tmp_path / replica.base_url.split("://")[1].replace(":", "_")
    records = records_by_url(out)
    assert set(records) == set(expected), sorted(set(records) ^ set(expected))
    for url, expect in expected.items():
        assert mismatches(records[url], expect) == [], url
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["platform"] == "site" and report["claims"] == [] and report["complete"] is True
    assert report["page_types"]["page"]["pages"] == 5 and report["page_types"]["page"]["noai"] == 1
    assert (out / "report.html").exists() and replica.base_url in report["site"]


def test_report_name_and_a_start_page_other_than_home(tmp_path):
    with start_replica("site") as replica:
        result = crawl_site(tmp_path, f"url={replica.base_url}/about", "max_pages=1", "report_name=small-press")
    assert result.returncode == 0, result.stderr[-3000:]
    records = records_by_url(tmp_path / "small-press")
    assert replica.base_url + "/about" in records and records[replica.base_url + "/about"]["verifiable"]
    assert sum(r["page_type"] == "page" for r in records.values()) == 1


def test_a_site_that_redirects_to_another_host_says_so(tmp_path):
    with start_replica("site-redirect") as replica:
        result = crawl_site(tmp_path, f"url={replica.base_url}", "report_name=moved")
        expected = dict(replica.expectations())
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "ERROR" in result.stderr and "redirects to another host" in result.stderr
    records = records_by_url(tmp_path / "moved")
    assert set(records) == set(expected)
    for url, expect in expected.items():
        assert mismatches(records[url], expect) == [], url
    report = json.loads((tmp_path / "moved" / "report.json").read_text(encoding="utf-8"))
    assert any("redirected to another host" in reason for reason in report["unverifiable"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["url=ftp://example.com/"], "url must be an http(s) URL"),
        (["url=example.com"], "url must be an http(s) URL"),
        ([], "the site spider needs -a url="),
        (["url=http://127.0.0.1:9/", "max_pages=0"], "max_pages must be a positive whole number"),
        (["url=http://127.0.0.1:9/", "report_name=../x"], "report_name must be a plain folder name"),
        (["url=http://127.0.0.1:99999"], "url is not a valid URL (Port out of range 0-65535)"),
        (["url=http://127.0.0.1:abc/"], "url is not a valid URL (Port could not be cast to integer value as 'abc')"),
        (["url=http://[::1"], "url is not a valid URL (Invalid IPv6 URL)"),
        (["url=http://127.0.0.1:0/"], "url has port 0"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, args, message):
    result = crawl_site(tmp_path, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]


def test_an_unresolvable_host_is_named_as_such():
    request = scrapy.Request("http://nonexistent.invalid/robots.txt")
    failure = Failure(DNSLookupError("address 'nonexistent.invalid' not found: [Errno -2] Name or service not known."))
    failure.request = request  # type: ignore[attr-defined]
    assert failure_reason(failure) == "host does not resolve: nonexistent.invalid"


def test_an_unresolvable_site_reports_every_page_with_that_reason(caplog):
    spider = SiteSpider(url="http://nonexistent.invalid/")
    origin = "http://nonexistent.invalid"
    with caplog.at_level(logging.ERROR):
        follow = list(spider.site_files.done(origin, "robots_txt", Fetched(origin + "/robots.txt", None, error="host does not resolve: nonexistent.invalid")))
    assert all(isinstance(r, scrapy.Request) for r in follow)  # the other site files are still asked for
    assert any("cannot audit http://nonexistent.invalid: host does not resolve" in m for m in caplog.messages)
    fetched = Fetched(origin + "/", None, error="not fetched: robots.txt disallows noai-check")
    site, reason = spider.judging._judged_against(fetched, "x")
    item = spider.judging.judged(fetched, "other", reason, site)
    assert item["record"]["verifiable"] is False
    assert item["record"]["unverifiable_reason"] == "host does not resolve: nonexistent.invalid"
    assert spider.report_name == "nonexistent.invalid"


def test_an_unresolvable_site_end_to_end_without_any_dns(tmp_path):
    result = crawl_site(
        tmp_path, "url=http://nonexistent.invalid/", settings={"TWISTED_DNS_RESOLVER": "tests.test_site_spider.NoDNS"}
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "ERROR: cannot audit http://nonexistent.invalid: host does not resolve: nonexistent.invalid" in result.stderr
    out = tmp_path / "nonexistent.invalid"
    records = records_by_url(out)
    assert records and all(r["unverifiable_reason"] == "host does not resolve: nonexistent.invalid" for r in records.values())
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(report["unverifiable"]) == ["host does not resolve"] and sum(report["unverifiable"].values()) == len(records)
