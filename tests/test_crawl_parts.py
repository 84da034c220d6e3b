"""The crawl's parts on their own: failures named by type, the typed settings, the one User-Agent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.settings import Settings
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.python.failure import Failure

from noai_check.crawl import fetch_one, settings
from noai_check.crawl.config import CrawlConfig
from noai_check.crawl.outcomes import RobotsForbidden, failure_reason
from tests.crawling import REPO
from tests.test_site_spider import crawl_site


def _failure(error: BaseException, url: str = "https://x.test/a", meta: dict[str, object] | None = None) -> Failure:
    failure = Failure(error)
    failure.request = scrapy.Request(url, meta=meta or {})  # type: ignore[attr-defined]
    return failure


def _too_large_after_decompression() -> IgnoreRequest:
    try:
        try:
            raise _DecompressionMaxSizeExceeded(20_000_000, 10_485_760)
        except _DecompressionMaxSizeExceeded as cause:
            raise IgnoreRequest("Ignored response <200 https://x.test/a> because its body exceeded DOWNLOAD_MAXSIZE") from cause
    except IgnoreRequest as error:
        return error


@pytest.mark.parametrize(
    ("error", "meta", "reason"),
    [
        (DownloadTimeoutError("Getting https://x.test/a took longer than 30 seconds."), None,
         "timeout: Getting https://x.test/a took longer than 30 seconds."),
        (TCPTimedOutError(), None, "timeout: TCP connection timed out."),
        (DownloadCancelledError("Cancelling download of https://x.test/a: expected response size larger than download max size."),
         None, "too large: Cancelling download of https://x.test/a: expected response size larger than download max size."),
        (_too_large_after_decompression(), {"redirect_ttl": 10},
         "too large: Ignored response <200 https://x.test/a> because its body exceeded DOWNLOAD_MAXSIZE"),
        (IgnoreRequest("max redirections reached"), {"redirect_ttl": 0}, "too many redirects: max redirections reached"),
        (CannotResolveHostError("DNS lookup failed: no results for hostname lookup: x.test."), None, "host does not resolve: x.test"),
        (DNSLookupError("address 'x.test' not found"), None, "host does not resolve: x.test"),
        (DownloadConnectionRefusedError("Connection was refused by other side: 111: Connection refused."), None,
         "DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection refused."),
    ],
)
def test_a_failure_is_named_by_its_type(error, meta, reason):
    assert failure_reason(_failure(error, meta=meta)) == reason


def test_a_failure_is_not_named_by_words_in_its_message():
    """Text matching read "timeout" in a URL as a timeout; the exception's type says what happened."""
    url = "https://x.test/timeout-redirect-cancelled"
    forbidden = RobotsForbidden(f"not fetched: robots.txt disallows noai-check for {url}")
    assert failure_reason(_failure(forbidden, url)) == f"not fetched: robots.txt disallows noai-check for {url}"
    refused = DownloadConnectionRefusedError("refused while following a redirect")
    assert failure_reason(_failure(refused, url)) == "DownloadConnectionRefusedError: refused while following a redirect"


def test_crawl_config_defaults_and_settings():
    assert CrawlConfig.from_settings(Settings()) == CrawlConfig()
    assert CrawlConfig().media_limit(200) == 200
    read = CrawlConfig.from_settings(Settings({
        "NOAI_REPORTS_DIR": "out", "NOAI_MAX_SITEMAPS": "3", "NOAI_MAX_MEDIA": "0",
        "NOAI_AGENTS_FILE": "agents.toml", "NOAI_PROGRESS": "False",
    }))
    assert read == CrawlConfig(Path("out"), 3, 0, "agents.toml", False)
    assert read.media_limit(200) == 0
    with pytest.raises(ValueError, match="NOAI_MAX_MEDIA must be a whole number >= 0, got 'many'"):
        CrawlConfig.from_settings(Settings({"NOAI_MAX_MEDIA": "many"}))


def test_every_setting_is_in_the_readme_and_read_only_through_crawl_config():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = ["NOAI_REPORTS_DIR", "NOAI_MAX_SITEMAPS", "NOAI_MAX_MEDIA", "NOAI_AGENTS_FILE", "NOAI_PROGRESS",
             "NOAI_PROBE_AGENTS", "NOAI_CONTACT"]
    config_source = (REPO / "noai_check" / "crawl" / "config.py").read_text(encoding="utf-8")
    assert all(f'"{name}"' in config_source and f"`{name}`" in readme for name in names)
    reads = re.compile(r"""\.get\w*\(\s*["']NOAI_""")
    for path in (REPO / "noai_check").rglob("*.py"):
        if path.name != "config.py":
            assert not reads.search(path.read_text(encoding="utf-8")), f"{path} reads a NOAI_ setting itself"


def test_a_bad_numeric_setting_is_one_line_and_exit_2(tmp_path):
    result = crawl_site(tmp_path, "url=http://127.0.0.1:9/", settings={"NOAI_MAX_MEDIA": "many"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: NOAI_MAX_MEDIA must be a whole number >= 0, got 'many'"
    ]


def test_one_user_agent_for_the_crawl_and_check():
    assert fetch_one.USER_AGENT is settings.USER_AGENT
    assert settings.USER_AGENT.startswith("noai-check/") and "+https://github.com/noai-check/noai-check" in settings.USER_AGENT
